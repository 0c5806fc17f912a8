"""manage.py export_control --format ndjson [--place SLUG] [--output FILE]: the control feed of domain.md."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from conflict.models import Place
from conflict.selectors.control import control_periods_all
from conflict.selectors.feed import control_feed_record


class Command(BaseCommand):
    help = ("Write every place's control periods (the control feed of domain.md) as NDJSON, one period a line, "
            "places in turn and each place's periods in time order. Streams, so memory stays flat.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["ndjson"], default="ndjson")
        parser.add_argument("--place", action="append", metavar="SLUG", help="only this place (repeatable)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: Any, format: str, place: list[str] | None, output: str | None, **options: Any) -> None:
        place_ids = None
        if place:
            found = dict(Place.objects.filter(slug__in=place).values_list("slug", "id"))
            missing = sorted(set(place) - set(found))
            if missing:
                raise CommandError(f"unknown place {', '.join(missing)}")
            place_ids = list(found.values())
        target = open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout)
        count = 0
        with target as fh:
            for period in control_periods_all(place_ids=place_ids):
                fh.write(json.dumps(control_feed_record(period), ensure_ascii=False) + "\n")
                count += 1
        if output:
            self.stderr.write(f"Wrote {count} control periods to {output}")
