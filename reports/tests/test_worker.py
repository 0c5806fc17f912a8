"""The queue for real: a Redis broker, a Celery worker process, and a SIGKILL mid-batch.

The worker runs against the test database (pytest-django's test_<NAME>), so this test
commits for real (transactional_db) and reloads the reference data afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from conflict.models import Claim
from reports.models import Report

pytestmark = pytest.mark.worker

BATCH = 150
DEMO = Path(settings.BASE_DIR) / "data" / "demo_reports"


@pytest.fixture
def reload_reference_after(django_db_blocker):
    """transactional_db empties every table when the test ends; put the reference data
    back for the tests that follow. Requested before transactional_db, so it runs after."""
    yield
    from conflict.services.reference import reference_setup
    from reports.lexicon import lexicon_reset

    with django_db_blocker.unblock():
        reference_setup()
    lexicon_reset()


@pytest.fixture
def clean_broker(broker_url):
    client = redis.Redis.from_url(broker_url)
    client.flushdb()  # stale messages of an earlier run would be delivered to our worker
    yield broker_url
    client.flushdb()


class Worker:
    def __init__(self, broker_url: str, log: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": broker_url,
            # Unacked messages of a killed worker come back after this many seconds.
            "TIDEMARK_TASK_VISIBILITY_SECONDS": "10",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        self.proc = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--prefetch-multiplier=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=settings.BASE_DIR, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the worker and its pool child at once: no warm shutdown, no ack."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown: the main process stops its pool
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _wait(predicate, timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _texts() -> list[str]:
    bodies = []
    for path in sorted(DEMO.glob("*.txt")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        bodies.append(body)
    return [f"{bodies[i % len(bodies)]}\nDispatch {i} of the test batch.\n" for i in range(BATCH)]


def test_a_worker_killed_mid_batch_leaves_every_report_tagged_exactly_once(
    reload_reference_after, transactional_db, clean_broker, tagger, tmp_path
):
    from reports.lexicon import lexicon_current
    from reports.services import report_ingest

    log = tmp_path / "worker.log"
    worker = Worker(clean_broker, log)
    worker.start()
    try:
        texts = _texts()
        # Queued on commit, as in production: the test process is the producer.
        ids = [report_ingest(text=t, origin=f"file:batch-{i:03}.txt", file_name=f"batch-{i:03}.txt",
                             published="2018-12-15").report.pk for i, t in enumerate(texts)]
        tagged = Report.objects.filter(pk__in=ids, status="tagged")
        assert _wait(lambda: tagged.count() >= 10, timeout=90), f"the worker tagged nothing:\n{log.read_text()}"
        worker.kill()
        at_kill = tagged.count()
        assert at_kill < BATCH, "the batch finished before the kill; make it bigger"
        broker = redis.Redis.from_url(clean_broker)
        in_flight = [json.loads(m)[0] for m in broker.hvals("unacked")]  # what the dead worker held

        restart_at = log.stat().st_size
        worker = Worker(clean_broker, log)
        worker.start()
        assert _wait(lambda: tagged.count() == BATCH, timeout=120, step=0.5), (
            f"{BATCH - tagged.count()} reports never tagged after the restart:\n{log.read_text()[-3000:]}"
        )
        # The dead worker's messages come back after the visibility timeout and are run again
        # (a no-op when their transaction had committed before the kill).
        assert _wait(lambda: broker.hlen("unacked") == 0 and broker.llen("celery") == 0, timeout=60, step=0.5)
        for message in in_flight:
            task_id = message["headers"]["id"]
            # (The dead worker may have taken it from the queue without logging it.)
            assert _wait(lambda tid=task_id: f"[{tid}] received" in log.read_text()[restart_at:], timeout=30), (
                f"task {task_id}, unacked at the kill, was not delivered again"
            )
    finally:
        worker.stop()

    # Exactly once: one committed claim of each report, and each report's claims are what
    # the tagger makes of it once, with no copies from a second run.
    reports = Report.objects.filter(pk__in=ids)
    assert set(reports.values_list("status", flat=True)) == {"tagged"}
    assert set(reports.values_list("attempts", flat=True)) == {1}
    from reports.tagging import tag

    lexicon = lexicon_current()
    for report in reports.order_by("id")[:: BATCH // 15]:
        expected = tag(report.text, published=report.published, lexicon=lexicon, title=report.title)
        stored = Claim.objects.filter(report=report)
        assert stored.count() == len(expected.claims), report.pk
        spans = list(stored.values_list("type", "span_start", "span_end"))
        assert len(spans) == len(set(spans)), f"report {report.pk} has duplicate claims"
    print(f"tagged at the kill: {at_kill} of {BATCH}; {len(in_flight)} unacked message(s) redelivered; "
          f"all {BATCH} tagged once")
