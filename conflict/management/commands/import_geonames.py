from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conflict.services.geonames import geonames_import
from conflict.services.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load a GeoNames country dump (e.g. SY.txt, 19 tab-separated columns) into the gazetteer."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="GeoNames dump, e.g. SY.txt")
        parser.add_argument("--alternate-names", type=Path, help="GeoNames alternateNames file for the same country")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        alt = options.get("alternate_names")
        if alt is not None and not alt.is_file():
            raise CommandError(f"{alt}: no such file")
        try:
            summary = geonames_import(path=path, alternate_names=alt)
        except ReferenceDataError as exc:
            raise CommandError(f"{exc}; nothing was loaded") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc}); nothing was loaded") from exc
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {summary}"))
