"""manage.py ingest PATH_OR_URL [...]: files, folders, article URLs and feed URLs."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reports.management.inprocess import tasks_in_process
from reports.models import Report
from reports.services import IngestResult, ingest_file, ingest_units, ingest_url, report_tag


class Command(BaseCommand):
    help = (
        "Ingest news reports: a file, a folder (every .txt, .html, .json, .jsonl in it), an http(s) article URL "
        "or an RSS/Atom feed URL. Tags each report in this process, or queues the work with --async."
    )

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument("--async", dest="run_async", action="store_true",
                            help="queue the tagging (and URL fetching) on Celery workers instead of running it here")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, run_async: bool, **options):
        from contextlib import nullcontext

        from conflict.services.events import control_recompute_deferred
        from conflict.services.snapshot import reference_snapshot

        # In-process, a place many of the reports touch is recomputed once, at the end of the
        # batch, and the reference data tagging reads is read once for the batch.
        with tasks_in_process(not run_async), (nullcontext() if run_async else control_recompute_deferred()), \
                (nullcontext() if run_async else reference_snapshot()):
            self._run(run_async=run_async, **options)

    def _run(self, *, targets: list[str], run_async: bool, no_progress: bool, **options):
        units = ingest_units(targets)
        missing = [u.target for u in units if u.kind == "missing"]
        if missing and len(missing) == len(units):
            raise CommandError("nothing to ingest: " + ", ".join(f"{m} does not exist" for m in missing))
        work = [u for u in units if u.kind in ("file", "url")]
        results: list[IngestResult] = []
        queued_urls = 0
        tagged: Counter[str] = Counter()
        bar = tqdm(work, unit="item", desc="ingest", disable=no_progress or not work, file=sys.stderr,
                   dynamic_ncols=True)
        for unit in bar:
            bar.set_postfix_str(Path(unit.target).name[:40] if unit.kind == "file" else unit.target[-40:])
            if unit.kind == "url" and run_async:
                if self._queue_url(unit.target):
                    queued_urls += 1
                    continue
                # The broker is down: fetch it here, so the report is stored now and its
                # tagging waits in the outbox, rather than losing the URL.
            if unit.kind == "file":
                batch = ingest_file(path=Path(unit.target), queue_tagging=run_async)
            else:
                batch = ingest_url(url=unit.target, queue_tagging=run_async)
            results.extend(batch)
            if not run_async:
                for result in batch:
                    if result.outcome == "created" and result.report is not None:
                        tagged[report_tag(report_id=result.report.pk)] += 1
        bar.close()
        self._summary(results, units, tagged, queued_urls, run_async)

    def _queue_url(self, url: str) -> bool:
        from reports.outbox import broker_errors
        from reports.tasks import ingest_url as ingest_url_task

        try:
            ingest_url_task.delay(url)
        except broker_errors() as exc:
            self.stderr.write(f"  broker unavailable ({exc}); fetching {url} here instead")
            return False
        return True

    def _summary(self, results, units, tagged, queued_urls, run_async) -> None:
        out = self.stdout
        counts = Counter(r.outcome for r in results)
        dup_text = sum(1 for r in results if r.outcome == "created" and r.report and r.report.duplicate_of_id)
        near = sum(1 for r in results if r.outcome == "created" and r.report and r.report.near_duplicate_of_id)
        skipped = [u.target for u in units if u.kind == "skipped"]
        missing = [u.target for u in units if u.kind == "missing"]
        line = (f"Ingested {counts['created']}, duplicates {counts['duplicate']}, "
                f"failed {counts['failed'] + len(missing)}, skipped {len(skipped)}")
        out.write(self.style.SUCCESS(line) if not counts["failed"] and not missing else self.style.WARNING(line))
        if dup_text or near:
            out.write(f"  of the ingested: {dup_text} with the same text as an earlier report, "
                      f"{near} near-duplicates of an earlier report")
        if run_async:
            out.write(f"  tagging queued for {counts['created']} reports; {queued_urls} URLs queued for fetching")
            ids = [r.report.pk for r in results if r.outcome == "created" and r.report is not None]
            waiting = Report.objects.filter(pk__in=ids, status=Report.Status.PENDING, queued_at__isnull=True).count()
            if waiting:
                out.write(self.style.WARNING(
                    f"  {waiting} of them wait for the broker, which is unavailable: they are stored, and the "
                    "outbox sweep (Celery beat) queues them once it is back"))
        elif tagged:
            out.write("  tagging: " + ", ".join(f"{status} {n}" for status, n in sorted(tagged.items())))
        for result in results:
            if result.outcome == "failed":
                out.write(self.style.ERROR(f"  failed: {result.source_label}: {result.message}"))
        for target in missing:
            out.write(self.style.ERROR(f"  failed: {target}: no such file, folder or URL"))
        for result in results:
            for warning in result.warnings:
                out.write(self.style.WARNING(f"  warning: {result.source_label}: {warning}"))
        for result in results:
            if result.outcome == "created" and result.report is not None and not run_async:
                result.report.refresh_from_db(fields=["status", "error"])
                if result.report.status == "not_tagged":
                    out.write(self.style.WARNING(f"  not tagged: {result.source_label}: {result.report.error}"))
                elif result.report.status == "failed":
                    out.write(self.style.ERROR(f"  tagging failed: {result.source_label}: {result.report.error}"))
        for path in skipped:
            out.write(f"  skipped (not .txt/.html/.json/.jsonl): {path}")
