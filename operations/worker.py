"""The Celery worker's heartbeat, and the hooks that give its log lines their ids.

Heartbeat: a consumer bootstep upserts the worker's row in WorkerHeartbeat when the
worker has connected to the broker, then every HEARTBEAT_SECONDS from the worker's own
timer (in the main process, which stays free while the pool's children run tasks).
Chosen over the alternatives because:
- Celery's `heartbeat_sent` signal only fires with worker events on (not with
  --without-heartbeat, as the tests run workers);
- a beat task would also need beat running, and would queue behind a backlog of
  tagging tasks, so a busy worker would look dead;
- a consumer step is stopped when the broker connection is lost and started again on
  reconnect, so a fresh row means: the worker runs, it is connected to the broker, and
  it reaches the database.
The row is in PostgreSQL so that any web process (readiness, metrics) can read it, with
or without Redis.

Also run as `python -m operations.worker [NODE_NAME]` (the worker container's health
check): exits 0 when this host's worker has a heartbeat younger than a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import sys

from celery import bootsteps

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 20.0
# /ready/ and the container health check accept a heartbeat this old: three missed beats.
HEARTBEAT_MAX_AGE_SECONDS = 60.0


def heartbeat_write(hostname: str) -> None:
    """Record the heartbeat, then close the connection: the worker's main process forks
    pool children, which must not inherit an open database connection."""
    from django.db import DatabaseError, connection

    from operations.services.heartbeat import heartbeat_record

    try:
        heartbeat_record(hostname=hostname)
    except DatabaseError as exc:  # the database is away: /ready/ will say so; keep beating
        log.warning("worker heartbeat not recorded: %s", exc)
    finally:
        connection.close()


class HeartbeatStep(bootsteps.StartStopStep):
    """A consumer step: started once the worker is connected to the broker."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, c) -> None:
        from django.db import DatabaseError

        from operations.services.heartbeat import heartbeats_forget_old

        try:
            heartbeats_forget_old()
        except DatabaseError:
            pass
        heartbeat_write(c.hostname)
        self.timer_entry = c.timer.call_repeatedly(HEARTBEAT_SECONDS, heartbeat_write, (c.hostname,))

    def stop(self, c) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop


def celery_connect() -> None:
    """Called from OperationsConfig.ready(): Django is set up by the worker before it
    builds its consumer and its logging, so both hooks are in place in time."""
    from celery import signals

    from config.celery import app
    from operations import logging as oplogging

    if HeartbeatStep not in app.steps["consumer"]:
        app.steps["consumer"].add(HeartbeatStep)
    signals.setup_logging.connect(oplogging.celery_keep_django_logging, weak=False,
                                  dispatch_uid="tidemark-setup-logging")
    signals.task_prerun.connect(oplogging.task_started, weak=False, dispatch_uid="tidemark-task-started")
    signals.task_postrun.connect(oplogging.task_finished, weak=False, dispatch_uid="tidemark-task-finished")


def main(argv: list[str] | None = None) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from operations.checks import worker_heartbeat_age

    argv = sys.argv[1:] if argv is None else argv
    # Celery names a worker celery@<hostname> unless told otherwise (-n NAME: pass NAME).
    hostname = argv[0] if argv else f"celery@{socket.gethostname()}"
    age = worker_heartbeat_age(hostname=hostname)
    if age is None or age > HEARTBEAT_MAX_AGE_SECONDS:
        print(f"{hostname}: no heartbeat in the last {HEARTBEAT_MAX_AGE_SECONDS:.0f} s"
              + ("" if age is None else f" (last {age:.0f} s ago)"))
        return 1
    print(f"{hostname}: heartbeat {age:.0f} s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
