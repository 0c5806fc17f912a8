"""The readiness checks behind /ready/: database, migrations, broker, worker heartbeat.

Each returns a Check; none raises. Details name what failed without the error text of
the driver (which can name hosts and users): that goes to the log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

log = logging.getLogger(__name__)

IN_PROCESS = "in-process (CELERY_BROKER_URL unset: tasks run in the web process)"
BROKER_TIMEOUT_SECONDS = 2.0


@dataclass(slots=True)
class Check:
    ok: bool
    detail: str
    ms: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _timed(fn) -> Check:
    began = time.perf_counter()
    check = fn()
    check.ms = round((time.perf_counter() - began) * 1000, 1)
    return check


def readiness() -> tuple[bool, dict[str, Check]]:
    """Every check; the database ones are skipped (failed) when the database is away."""
    checks = {"database": _timed(database_check)}
    if checks["database"].ok:
        checks["migrations"] = _timed(migrations_check)
    else:
        checks["migrations"] = Check(False, "not checked: the database is unreachable")
    checks["broker"] = _timed(broker_check)
    if checks["database"].ok:
        checks["worker"] = _timed(worker_check)
    else:
        checks["worker"] = Check(not settings.CELERY_BROKER_URL, "not checked: the database is unreachable")
    return all(c.ok for c in checks.values()), checks


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("readiness: database unreachable: %s", exc)
        connection.close_if_unusable_or_obsolete()
        return Check(False, f"unreachable ({type(exc).__name__})")
    return Check(True, "reachable")


def migrations_check() -> Check:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        log.warning("readiness: migrations not readable: %s", exc)
        return Check(False, f"not readable ({type(exc).__name__})")
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Check(False, f"{len(plan)} not applied: {names}{more}")
    return Check(True, "all applied")


def broker_client():
    """A Redis client for the Celery broker, with short timeouts; None without a broker."""
    if not settings.CELERY_BROKER_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=BROKER_TIMEOUT_SECONDS,
                                socket_connect_timeout=BROKER_TIMEOUT_SECONDS)


def broker_check() -> Check:
    client = broker_client()
    if client is None:
        return Check(True, IN_PROCESS)
    import redis

    try:
        client.ping()
    except redis.RedisError as exc:
        log.warning("readiness: broker unreachable: %s", exc)
        return Check(False, f"unreachable ({type(exc).__name__})")
    finally:
        client.close()
    return Check(True, "reachable")


def worker_heartbeat_age(*, hostname: str | None = None) -> float | None:
    """Seconds since the youngest worker heartbeat (of one worker, if named); None if none."""
    from operations.models import WorkerHeartbeat

    beats = WorkerHeartbeat.objects.all()
    if hostname:
        beats = beats.filter(hostname=hostname)
    seen = beats.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return None if seen is None else max(0.0, (timezone.now() - seen).total_seconds())


def worker_check() -> Check:
    from operations.worker import HEARTBEAT_MAX_AGE_SECONDS

    if not settings.CELERY_BROKER_URL:
        return Check(True, IN_PROCESS)
    try:
        age = worker_heartbeat_age()
    except DatabaseError as exc:
        log.warning("readiness: heartbeats not readable: %s", exc)
        return Check(False, f"not readable ({type(exc).__name__})")
    if age is None:
        return Check(False, "no worker heartbeat ever recorded")
    if age > HEARTBEAT_MAX_AGE_SECONDS:
        return Check(False, f"last worker heartbeat {age:.0f} s ago (more than {HEARTBEAT_MAX_AGE_SECONDS:.0f} s)")
    return Check(True, f"last worker heartbeat {age:.0f} s ago")
