"""Writes of the operations app about the Celery workers: their heartbeats."""

from __future__ import annotations

import datetime as dt
import os

from django.utils import timezone

from operations.models import WorkerHeartbeat

# Rows of workers gone for this long are removed when a worker starts (container
# hostnames change on every deploy; the table would otherwise only grow).
FORGET_AFTER = dt.timedelta(days=1)


def heartbeat_record(*, hostname: str, pid: int | None = None) -> None:
    """A worker is alive and reaches the database: one upsert."""
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(hostname=hostname[:255], pid=pid or os.getpid(), seen_at=timezone.now())],
        update_conflicts=True, unique_fields=["hostname"], update_fields=["pid", "seen_at"],
    )


def heartbeats_forget_old() -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()
    return deleted
