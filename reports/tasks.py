"""Thin Celery tasks: take ids (or a URL), call a service, decide on retry.

All are safe to run twice: report_tag claims its report with a conditional UPDATE,
and ingestion recognises what is stored already. acks_late + reject_on_worker_lost
mean a worker killed mid-task leaves its message to be delivered again.
"""

from __future__ import annotations

import logging

from celery import shared_task

from reports.fetch import FetchError
from reports.services import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

MAX_RETRIES = 6
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "bind": True, "max_retries": MAX_RETRIES}


def _backoff(retries: int) -> int:
    return min(300, 2 ** (retries + 1))


@shared_task(name="reports.tasks.tag_report", **TASK_OPTIONS)
def tag_report(self, report_id: int, force: bool = False) -> str:
    from reports.services import report_mark_failed, report_tag

    try:
        return report_tag(report_id=report_id, force=force)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            report_mark_failed(report_id=report_id, error=f"gave up after {self.max_retries} retries: {exc}")
            return "failed"
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(name="reports.tasks.ingest_url", **TASK_OPTIONS)
def ingest_url(self, url: str) -> int:
    """An article or feed URL from `manage.py ingest --async`."""
    from reports.services import ingest_url as ingest

    try:
        results = ingest(url=url, queue_tagging=True)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return sum(1 for r in results if r.outcome == "created")


@shared_task(name="reports.tasks.feeds_poll", **TASK_OPTIONS)
def feeds_poll(self) -> int:
    """Celery beat's entry point: one feed_poll task per active feed."""
    from reports.models import Feed

    ids = list(Feed.objects.filter(active=True).values_list("id", flat=True))
    for feed_id in ids:
        feed_poll.delay(feed_id)
    return len(ids)


@shared_task(name="reports.tasks.feed_poll", **TASK_OPTIONS)
def feed_poll(self, feed_id: int) -> int:
    from reports.services import feed_poll as poll

    try:
        results = poll(feed_id=feed_id, queue_tagging=True)
    except FetchError as exc:  # only transient ones are raised (timeouts, 5xx)
        if self.request.retries >= self.max_retries:
            log.warning("feed %s: giving up: %s", feed_id, exc.message)
            return 0
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return sum(1 for r in results if r.outcome == "created")


@shared_task(name="reports.tasks.outbox_sweep", bind=True, ignore_result=True)
def outbox_sweep(self) -> dict[str, int]:
    """Celery beat's: publish the reports waiting in the outbox, release stale claims."""
    from reports.outbox import outbox_sweep as sweep

    try:
        return sweep().as_dict()
    except TRANSIENT_ERRORS as exc:
        # No retry: beat runs the next sweep in TIDEMARK_OUTBOX_SWEEP_SECONDS anyway.
        log.warning("outbox sweep skipped: the database is unavailable (%s)", exc)
        return {}
