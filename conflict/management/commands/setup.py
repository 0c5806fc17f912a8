from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from conflict.services.reference import ReferenceDataError, reference_setup


class Command(BaseCommand):
    help = "Migrate the database and load the bundled reference data (gazetteer, actors, sources). Idempotent."

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=options["verbosity"] - 1 if options["verbosity"] else 0)
        try:
            summaries = reference_setup()
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for name, summary in summaries.items():
            self.stdout.write(f"{name}: {summary}")
        self.stdout.write(self.style.SUCCESS("Reference data is up to date."))
