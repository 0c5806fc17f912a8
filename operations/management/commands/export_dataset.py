"""manage.py export_dataset DIR: the whole dataset as NDJSON files with a manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.services.dataset import DatasetError, dataset_export


class Command(BaseCommand):
    help = ("Write the whole dataset (reports, places, actors, claims, events, control periods, review "
            "history) to DIR as one NDJSON file per table and manifest.json (row counts, SHA-256).")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty folder")
        parser.add_argument("--include-password-hashes", action="store_true",
                            help="also write users' password hashes (by default restored users must set a new "
                                 "password)")

    def handle(self, *args, directory: Path, include_password_hashes: bool, verbosity: int, **options):
        progress = self.stdout.write if verbosity >= 1 else (lambda message: None)
        try:
            manifest = dataset_export(directory=directory, include_password_hashes=include_password_hashes,
                                      progress=progress)
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(f["rows"] for f in manifest["files"])
        self.stdout.write(self.style.SUCCESS(f"Exported {rows} rows in {len(manifest['files'])} files to {directory}"))
