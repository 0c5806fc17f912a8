"""manage.py import_dataset DIR: restore an export_dataset dump into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.services.dataset import DatasetError, dataset_import


class Command(BaseCommand):
    help = ("Restore a dump written by export_dataset into an empty (migrated) database, in one transaction, "
            "keeping every id. The manifest's row counts and hashes are checked first.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="the folder export_dataset wrote")

    def handle(self, *args, directory: Path, verbosity: int, **options):
        progress = self.stdout.write if verbosity >= 1 else (lambda message: None)
        try:
            loaded = dataset_import(directory=directory, progress=progress)
        except DatasetError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {sum(loaded.values())} rows from {len(loaded)} files"))
