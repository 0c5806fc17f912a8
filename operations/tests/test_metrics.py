"""/metrics: request latency by view, database counts read at scrape time, access control,
and request counts added up across gunicorn worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from conflict.tests.factories import EventFactory, ReportFactory

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def in_process(settings):
    settings.CELERY_BROKER_URL = ""


def test_request_latency_is_labelled_by_the_view_not_the_path(client, in_process):
    key = ("tidemark_http_request_duration_seconds_count", (("method", "GET"), ("view", "operations:health")))
    before = scrape(client).get(key, 0)
    client.get("/health/")
    client.get("/health/?x=1")
    after = scrape(client)
    assert after[key] == before + 2
    assert after[("tidemark_http_requests_total", (("method", "GET"), ("status", "200"),
                                                   ("view", "operations:health")))] >= 2
    client.get("/no/such/path/at/all/")
    unresolved = scrape(client)
    assert ("tidemark_http_request_duration_seconds_count", (("method", "GET"), ("view", "<unresolved>"))) in unresolved
    assert not any("/no/such" in str(labels) for _, labels in unresolved)


def test_report_and_review_counts_come_from_the_database_at_scrape_time(client, in_process):
    before = scrape(client)
    ReportFactory.create_batch(3, status="tagged")
    ReportFactory(status="failed", text="", content_hash="")
    ReportFactory(status="pending")
    EventFactory.create_batch(2, status="auto")
    EventFactory(status="reviewed")
    after = scrape(client)

    def grew(name, labels=()):
        return after[(name, labels)] - before.get((name, labels), 0)

    assert grew("tidemark_reports", (("status", "tagged"),)) == 3
    assert grew("tidemark_reports", (("status", "failed"),)) == 1
    assert grew("tidemark_reports", (("status", "pending"),)) == 1
    assert grew("tidemark_reports_ingested_total") == 5
    assert grew("tidemark_events_awaiting_review") == 2
    assert after[("tidemark_database_up", ())] == 1
    # No broker: no queue depth or worker heartbeat to report.
    assert not any(name.startswith(("tidemark_queue_length", "tidemark_worker_heartbeat")) for name, _ in after)


def test_tagging_time_per_report_is_summarised_from_the_reports(client, in_process):
    from reports.models import Report

    Report.objects.filter(metadata__has_key="tag_seconds").update(status="pending")  # only ours count
    for n in range(1, 101):
        ReportFactory(status="tagged", metadata={"tag_seconds": n / 1000})
    after = scrape(client)
    assert after[("tidemark_report_tagging_sample_reports", ())] == 100
    assert after[("tidemark_report_tagging_seconds", (("quantile", "0.5"),))] == pytest.approx(0.051)
    assert after[("tidemark_report_tagging_seconds", (("quantile", "0.99"),))] == pytest.approx(0.1)
    assert after[("tidemark_report_tagging_mean_seconds", ())] == pytest.approx(0.0505)


def test_tagging_a_report_records_its_tagging_time(db, django_capture_on_commit_callbacks):
    from reports.models import Report
    from reports.services import report_ingest

    with django_capture_on_commit_callbacks(execute=True):
        result = report_ingest(text="The SDF captured Hajin from ISIS on Thursday, a commander said.",
                               origin="file:t.txt", published="2018-12-15")
    seconds = Report.objects.get(pk=result.report.pk).metadata["tag_seconds"]
    assert 0 < seconds < 30


def test_queue_depth_and_worker_heartbeat_age_are_read_from_the_broker_and_database(client, settings, broker_url):
    from operations.services.heartbeat import heartbeat_record

    settings.CELERY_BROKER_URL = broker_url
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()  # stale messages of an earlier run would count
    try:
        broker.lpush("celery", *[b"{}"] * 4)
        heartbeat_record(hostname="celery@metrics-test")
        after = scrape(client)
    finally:
        broker.flushdb()
    assert after[("tidemark_queue_length", (("queue", "celery"),))] == 4
    assert after[("tidemark_broker_up", ())] == 1
    assert 0 <= after[("tidemark_worker_heartbeat_age_seconds", ())] < 5


def test_an_unreachable_broker_is_reported_not_raised(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    after = scrape(client)
    assert after[("tidemark_broker_up", ())] == 0
    assert after[("tidemark_database_up", ())] == 1


def test_metrics_are_refused_to_a_remote_client_without_a_token(client, settings):
    settings.TIDEMARK_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    # A proxy on this machine passing a remote client's request on is not "this machine".
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_with_a_token_only_the_bearer_of_it_reads_the_metrics(client, settings):
    settings.TIDEMARK_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_under_gunicorn_request_counts_of_every_worker_process_are_added_up(tmp_path):
    """Three workers answer 30 requests between them; any one of them answers the scrape
    with all 30 (prometheus_client's multiprocess files, set up by operations/gunicorn_conf.py)."""
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "CELERY_BROKER_URL": "",
        # A process of its own is "production" to settings.py: it needs a key and a host list.
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "test-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = tmp_path / "gunicorn.log"
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:operations.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "config.wsgi:application"],
        cwd=settings.BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/health/")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
        for _ in range(30):
            _get(f"{base}/health/")
        for _ in range(6):  # several scrapes, answered by whichever worker: all see the 31 requests
            status, text = _get(f"{base}/metrics")
            assert samples(text)[("tidemark_http_request_duration_seconds_count",
                                  (("method", "GET"), ("view", "operations:health")))] == 31
    finally:
        proc.terminate()
        proc.wait(timeout=30)
