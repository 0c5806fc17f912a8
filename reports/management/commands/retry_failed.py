"""manage.py retry_failed: read and tag the failed reports again."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from reports.management.inprocess import tasks_in_process
from reports.models import Report
from reports.services import report_retry, reports_failed


class Command(BaseCommand):
    help = "Retry every failed report (or --report ID): read its file or URL again if needed, then tag it."

    def add_arguments(self, parser):
        parser.add_argument("--report", type=int, action="append", dest="report_ids", metavar="ID")
        parser.add_argument("--async", dest="run_async", action="store_true", help="queue the tagging on Celery")

    def handle(self, *args, report_ids, run_async, **options):
        ids = report_ids or list(reports_failed())
        outcomes: Counter[str] = Counter()
        with tasks_in_process(not run_async):
            for report_id in ids:
                outcome = report_retry(report_id=report_id, in_process=not run_async)
                outcomes[outcome] += 1
                if outcome == "failed":
                    report = Report.objects.get(pk=report_id)
                    self.stdout.write(self.style.ERROR(f"  report {report_id} ({report.file_name or report.origin}): "
                                                       f"{report.error}"))
        summary = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing to retry"
        self.stdout.write(f"Retried {len(ids)} failed reports: {summary}")
