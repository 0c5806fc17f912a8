"""A real Celery worker process: its heartbeat reaches /ready/ through PostgreSQL, and its
task lines are JSON carrying the report id.

Like reports/tests/test_worker.py, the worker runs against the test database, so the test
commits for real (transactional_db) and the reference data is reloaded afterwards.
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

from operations.models import WorkerHeartbeat
from reports.models import Report

pytestmark = pytest.mark.worker

TEXT = (
    "Hajin, 14 December 2018. The SDF captured the town of Hajin from ISIS on Thursday after "
    "weeks of clashes, a commander said.\n"
)


@pytest.fixture
def reload_reference_after(django_db_blocker):
    """transactional_db empties every table when the test ends; put the reference data back."""
    yield
    from conflict.services.reference import reference_setup
    from reports.lexicon import lexicon_reset

    with django_db_blocker.unblock():
        reference_setup()
    lexicon_reset()


@pytest.fixture
def worker(broker_url, tmp_path):
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "TIDEMARK_LOG_FORMAT": "json",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "test-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    celery = Path(sys.executable).with_name("celery")
    # Celery's own heartbeats, gossip and mingle off: ours must not depend on them.
    proc = subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "-n", "celery@heartbeat-test",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield log
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    client.flushdb()


def _wait(predicate, timeout: float, step: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_a_running_worker_makes_ready_pass_and_logs_its_tasks_as_json_with_the_report_id(
    reload_reference_after, transactional_db, worker, client, settings, broker_url
):
    from reports.services import report_ingest

    settings.CELERY_BROKER_URL = broker_url
    beats = WorkerHeartbeat.objects.filter(hostname="celery@heartbeat-test")
    assert _wait(beats.exists, timeout=90), f"no heartbeat from the worker:\n{worker.read_text()[-3000:]}"

    response = client.get("/ready/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["detail"].startswith("last worker heartbeat")

    report = report_ingest(text=TEXT, origin="file:hajin-worker.txt", published="2018-12-15").report
    tagged = Report.objects.filter(pk=report.pk, status="tagged")
    assert _wait(tagged.exists, timeout=90), f"the worker did not tag the report:\n{worker.read_text()[-3000:]}"

    def succeeded_line() -> dict | None:
        for text in worker.read_text().splitlines():
            if text.startswith("{"):
                line = json.loads(text)  # every logged line is one JSON object
                if "succeeded" in line["message"] and line.get("report_id") == report.pk:
                    return line
        return None

    assert _wait(lambda: succeeded_line() is not None, timeout=20), worker.read_text()[-3000:]
    line = succeeded_line()
    assert line["logger"] == "celery.app.trace"
    assert line["task_id"] in line["message"]
