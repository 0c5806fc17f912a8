"""/health/, /ready/ and the worker container's heartbeat check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from operations.models import WorkerHeartbeat
from operations.services.heartbeat import heartbeat_record, heartbeats_forget_old
from operations.worker import main as worker_check_main

pytestmark = pytest.mark.django_db

REDIS_NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def in_process(settings):
    settings.CELERY_BROKER_URL = ""
    return settings


@pytest.fixture
def with_broker(settings, broker_url):
    settings.CELERY_BROKER_URL = broker_url
    return settings


def test_health_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_kept_as_the_old_name_of_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_passes_in_process_without_a_broker_or_worker(client, in_process):
    response = client.get("/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "broker", "worker"}
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["migrations"]["detail"] == "all applied"
    assert body["checks"]["broker"]["detail"].startswith("in-process")
    assert body["checks"]["worker"]["detail"].startswith("in-process")


def test_ready_fails_with_a_broker_but_no_worker_heartbeat(client, with_broker):
    response = client.get("/ready/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == {"ok": True, "detail": "reachable", "ms": checks["broker"]["ms"]}
    assert checks["worker"]["ok"] is False
    assert checks["worker"]["detail"] == "no worker heartbeat ever recorded"


def test_ready_passes_with_a_fresh_heartbeat_and_fails_with_a_stale_one(client, with_broker):
    heartbeat_record(hostname="celery@test")
    assert client.get("/ready/").status_code == 200
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(seconds=90))
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"] == "last worker heartbeat 90 s ago (more than 60 s)"


def test_ready_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = REDIS_NOWHERE
    heartbeat_record(hostname="celery@test")
    response = client.get("/ready/")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["detail"] == "unreachable (ConnectionError)"


def test_ready_fails_when_a_migration_is_not_applied(client, in_process):
    MigrationRecorder.Migration.objects.filter(app="operations", name="0001_initial").delete()
    response = client.get("/ready/")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["detail"] == "1 not applied: operations.0001_initial"


def test_ready_fails_when_the_database_is_unreachable_without_saying_why_in_public(client, monkeypatch, in_process):
    from operations import checks

    class Unreachable:
        def cursor(self):
            raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

        def close_if_unusable_or_obsolete(self):
            pass

    monkeypatch.setattr(checks, "connection", Unreachable())
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["detail"] == "unreachable (OperationalError)"
    assert body["checks"]["migrations"]["detail"] == "not checked: the database is unreachable"
    assert "db.internal" not in response.content.decode()


def test_heartbeat_record_upserts_one_row_per_worker():
    heartbeat_record(hostname="celery@a", pid=10)
    heartbeat_record(hostname="celery@a", pid=11)
    heartbeat_record(hostname="celery@b", pid=12)
    assert sorted(WorkerHeartbeat.objects.values_list("hostname", "pid")) == [("celery@a", 11), ("celery@b", 12)]


def test_heartbeats_of_workers_gone_for_a_day_are_forgotten():
    heartbeat_record(hostname="celery@old")
    heartbeat_record(hostname="celery@new")
    WorkerHeartbeat.objects.filter(hostname="celery@old").update(seen_at=timezone.now() - dt.timedelta(days=2))
    assert heartbeats_forget_old() == 1
    assert list(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == ["celery@new"]


def test_worker_container_check_passes_only_for_its_own_fresh_heartbeat(capsys):
    heartbeat_record(hostname="celery@web-1")
    assert worker_check_main(["celery@web-1"]) == 0
    assert worker_check_main(["celery@worker-2"]) == 1
    assert "celery@worker-2: no heartbeat in the last 60 s" in capsys.readouterr().out
