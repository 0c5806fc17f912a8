"""manage.py export_events --format ndjson|csv|geojson [--status ...] [--output FILE]"""

from __future__ import annotations

import csv
import json
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError

from conflict.models import Event
from conflict.selectors.feed import event_feed_record, events_for_feed
from conflict.selectors.feed_formats import CSV_COLUMNS, event_csv_row, event_geojson_feature, json_default

CHUNK_SIZE = 500
STATUSES = [s.value for s in Event.Status]


class _Raw:
    """The command's stdout without OutputWrapper's added line endings."""

    def __init__(self, out) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = ("Write the event feed (domain.md) as NDJSON (one event with its claims per line), CSV (ACLED-style "
            "columns) or a GeoJSON FeatureCollection. Streams, so memory stays flat however many events there are.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["ndjson", "csv", "geojson"], default="ndjson")
        parser.add_argument("--status", action="append", metavar="STATUS",
                            help=f"only events with this status ({', '.join(STATUSES)}, or all); repeat or "
                                 "comma-separate. Default: auto and reviewed (rejected events are kept, never "
                                 "shown as fact)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, format: str, status, output, **options):
        statuses = sorted({s.strip() for item in (status or ["auto,reviewed"]) for s in item.split(",") if s.strip()})
        if "all" in statuses:
            statuses = STATUSES
        unknown = set(statuses) - set(STATUSES)
        if unknown:
            raise CommandError(f"unknown status {', '.join(sorted(unknown))} (expected {', '.join(STATUSES)} or all)")
        qs = events_for_feed(
            Event.objects.filter(merged_into__isnull=True, status__in=statuses).order_by("date_start", "id")
        )
        records = (event_feed_record(e) for e in qs.iterator(chunk_size=CHUNK_SIZE))
        target = open(output, "w", encoding="utf-8", newline="") if output else nullcontext(_Raw(self.stdout))
        count = 0
        with target as fh:
            if format == "ndjson":
                for record in records:
                    fh.write(json.dumps(record, ensure_ascii=False, default=json_default) + "\n")
                    count += 1
            elif format == "csv":
                writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
                writer.writeheader()
                for record in records:
                    writer.writerow(event_csv_row(record))
                    count += 1
            else:
                fh.write('{"type": "FeatureCollection", "features": [\n')
                for record in records:
                    fh.write(("" if count == 0 else ",\n")
                             + json.dumps(event_geojson_feature(record), ensure_ascii=False, default=json_default))
                    count += 1
                fh.write("\n]}\n")
        if output:
            self.stderr.write(f"Wrote {count} events to {output}")
