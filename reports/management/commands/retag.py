"""manage.py retag [--all | --report ID | --stale]: tag reports again; editors' decisions stay."""

from __future__ import annotations

import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reports.management.inprocess import tasks_in_process
from reports.services import report_retag, reports_to_retag


class Command(BaseCommand):
    help = ("Tag reports again after a gazetteer or rule change. Machine claims are replaced; events an editor "
            "reviewed or rejected keep the editor's decision.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--all", action="store_true", dest="all_reports", help="every report with a text")
        group.add_argument("--report", type=int, action="append", dest="report_ids", metavar="ID")
        group.add_argument("--stale", action="store_true",
                           help="reports tagged by another tagger version or with older reference data")
        parser.add_argument("--async", dest="run_async", action="store_true", help="queue the work on Celery")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, all_reports, report_ids, stale, run_async, no_progress, **options):
        ids = reports_to_retag(all_reports=all_reports, report_ids=report_ids, stale=stale)
        if report_ids and not ids:
            raise CommandError(f"no report with id {', '.join(map(str, report_ids))} (or it has no text)")
        outcomes: Counter[str] = Counter()
        if run_async:
            from reports.tasks import tag_report

            for report_id in ids:
                tag_report.delay(report_id, force=True)
            self.stdout.write(f"Queued {len(ids)} reports for re-tagging")
            return
        with tasks_in_process():
            for report_id in tqdm(ids, unit="report", desc="retag", disable=no_progress or not ids, file=sys.stderr):
                outcomes[report_retag(report_id=report_id)] += 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing to do"
        self.stdout.write(f"Re-tagged {len(ids)} reports: {summary}")
