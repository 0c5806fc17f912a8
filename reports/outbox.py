"""The outbox of the tag tasks: a report is stored first, its task published after.

Every entry point (the API, the feed poller, `ingest --async`, `retry_failed`) commits the
report row with status pending and `queued_at` set, then publishes
`reports.tasks.tag_report` on commit. The row is the outbox: with the broker down the
publish fails within seconds (config/settings.py bounds it), is logged, and `queued_at` is
cleared. `outbox_sweep`, run by Celery beat every TIDEMARK_OUTBOX_SWEEP_SECONDS,

- publishes the reports whose publish failed (`queued_at` null), once the broker is back;
- publishes again a report still pending TIDEMARK_OUTBOX_REQUEUE_SECONDS after its task
  was published (a Redis restart loses the messages it held; so does a process killed
  between its commit and its publish);
- releases a claim ("processing") older than TIDEMARK_CLAIM_TIMEOUT_SECONDS to pending.

Publishing a report twice is harmless: report_tag claims it with a conditional UPDATE, so
the second task finds nothing to claim and returns "skipped".
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reports.models import Report
from reports.services import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

SWEEP_LIMIT = 500
# After a failed publish, this process does not try the broker again for this long: a batch
# ingested while Redis is down is stored at full speed instead of waiting on every report.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


def broker_errors() -> tuple[type[BaseException], ...]:
    """What a publish raises when the broker cannot take it: kombu wraps connection errors in
    its OperationalError; redis-py's own errors and socket errors can come through unwrapped."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [KombuOperationalError, OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is the broker's client, installed with it
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


@dataclass(slots=True)
class OutboxSweep:
    released: int = 0  # stale claims set back to pending
    published: int = 0  # tag tasks handed to the broker
    waiting: int = 0  # left for the next sweep: the broker refused them

    def as_dict(self) -> dict[str, int]:
        return {"released": self.released, "published": self.published, "waiting": self.waiting}


def report_publish(*, report_id: int) -> bool:
    """Hand one report's tag task to the broker. False when the broker is unavailable: the
    report is then left in the outbox (queued_at null) for the sweep, never raised about,
    since its row is committed and nothing is lost."""
    from config.celery import app
    from reports.tasks import tag_report

    if app.conf.task_always_eager:
        # No broker (a laptop, the tests): the task runs here and now; its errors are its own.
        tag_report.delay(report_id)
        return True
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        _outbox_return(report_ids=[report_id])
        return False
    try:
        tag_report.delay(report_id)
    except broker_errors() as exc:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("report %s stored; its tag task waits in the outbox for the broker (%s: %s)",
                    report_id, type(exc).__name__, exc)
        _outbox_return(report_ids=[report_id])
        return False
    return True


def report_publish_on_commit(*, report_id: int) -> None:
    """Publish once the transaction that stored the report commits (a worker must find it)."""
    transaction.on_commit(lambda: report_publish(report_id=report_id))


def _outbox_return(*, report_ids: Iterable[int]) -> None:
    """Mark reports as not handed to the broker, for the next sweep to publish."""
    ids = list(report_ids)
    try:
        Report.objects.filter(pk__in=ids, status=Report.Status.PENDING).update(queued_at=None)
    except TRANSIENT_ERRORS as exc:
        # The database is down too: they stay pending with their old queued_at, and the
        # sweep publishes them again after TIDEMARK_OUTBOX_REQUEUE_SECONDS.
        log.warning("reports %s: could not mark them for the outbox sweep (%s)", ids, exc)


def outbox_sweep(
    *,
    now: dt.datetime | None = None,
    requeue_after: int | None = None,
    claim_timeout: int | None = None,
    limit: int = SWEEP_LIMIT,
) -> OutboxSweep:
    """Release stale claims and publish the reports waiting in the outbox (module docstring).

    Rows are picked with FOR UPDATE SKIP LOCKED and stamped in one transaction, so two
    sweeps running at once publish disjoint reports, and a report a worker is tagging right
    now (its row locked by the claim) is left alone.
    """
    now = now or timezone.now()
    requeue_after = settings.TIDEMARK_OUTBOX_REQUEUE_SECONDS if requeue_after is None else requeue_after
    claim_timeout = settings.TIDEMARK_CLAIM_TIMEOUT_SECONDS if claim_timeout is None else claim_timeout
    claim_cutoff = now - dt.timedelta(seconds=claim_timeout)
    requeue_cutoff = now - dt.timedelta(seconds=requeue_after)
    result = OutboxSweep()
    with transaction.atomic():
        stale = list(
            Report.objects.select_for_update(skip_locked=True)
            .filter(status=Report.Status.PROCESSING)
            .filter(Q(claimed_at__lt=claim_cutoff) | Q(claimed_at__isnull=True, updated_at__lt=claim_cutoff))
            .order_by("id").values_list("id", flat=True)[:limit]
        )
        if stale:
            result.released = Report.objects.filter(pk__in=stale).update(status=Report.Status.PENDING, queued_at=None)
            log.warning("released %d stale claim(s) older than %d s: reports %s", len(stale), claim_timeout, stale)
        due = list(
            Report.objects.select_for_update(skip_locked=True)
            .filter(status=Report.Status.PENDING)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_cutoff))
            .exclude(text="")
            .order_by("id").values_list("id", flat=True)[:limit]
        )
        if due:
            Report.objects.filter(pk__in=due).update(queued_at=now)
    for n, report_id in enumerate(due):
        if report_publish(report_id=report_id):
            result.published += 1
            continue
        # The broker went away mid-sweep: the rest wait for the next sweep, without each
        # waiting for its own publish to time out.
        _outbox_return(report_ids=due[n + 1:])
        result.waiting = len(due) - n
        break
    if due:
        log.info("outbox sweep: %s", result.as_dict())
    return result
