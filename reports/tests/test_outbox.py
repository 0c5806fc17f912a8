"""The report row as the outbox of its tag task: stored first, published on commit, and
swept later when the broker could not take it (reports.outbox).

The broker here is real: a Redis database of its own (no worker) for publishes that go
through, a port nothing listens on for a broker that is down; reports/tests/test_resilience.py
stops and starts a real Redis under a running stack.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from reports import outbox
from reports.models import Report
from reports.outbox import outbox_sweep
from reports.services import report_ingest, report_tag

pytestmark = pytest.mark.django_db

TEXT = ("DEIR EZZOR, Syria, Dec 14, 2018 - The Syrian Democratic Forces captured the town of Hajin from "
        "ISIS on Thursday, an SDF spokesperson said.")
DEMO = Path(settings.BASE_DIR) / "data" / "demo_reports"


@pytest.fixture(autouse=True)
def _broker_breaker_closed(monkeypatch):
    """Each test starts as if the broker had never failed in this process."""
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)


@contextmanager
def _publishing_to(app, url: str):
    """Tasks published to the broker at `url` (not run in-process) inside the block."""
    saved = app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = url, url, False
    app._after_fork()  # forget the connection pools of the previous broker URL, as a fork does
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url, app.conf.task_always_eager = saved
        app._after_fork()


def _spy_on_publishes(monkeypatch) -> list[int]:
    """The report ids whose tag task was handed to the broker (each attempt, whatever came of
    it); the publish itself is the real one."""
    from reports.tasks import tag_report

    attempts: list[int] = []
    real = tag_report.delay

    def delay(report_id, *args, **kwargs):
        attempts.append(report_id)
        return real(report_id, *args, **kwargs)

    monkeypatch.setattr(tag_report, "delay", delay)
    return attempts


@pytest.fixture
def broker_down(monkeypatch, eager):
    """A configured Redis broker that is not there: nothing listens on its port, so every
    publish meets a refused connection, as when Redis is stopped. Counts the attempts."""
    with socket.socket() as probe:  # a free port, closed again: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    attempts = _spy_on_publishes(monkeypatch)
    with _publishing_to(eager, f"redis://127.0.0.1:{port}/0"):
        yield attempts


@pytest.fixture
def broker_up(monkeypatch, eager, broker_url):
    """The real Redis broker (a database of its own, emptied after), no worker: records the
    report ids published."""
    import redis

    url = broker_url.rsplit("/", 1)[0] + "/14"
    attempts = _spy_on_publishes(monkeypatch)
    with _publishing_to(eager, url):
        yield attempts
    redis.Redis.from_url(url).flushdb()


def _pending(text: str = TEXT, origin: str = "file:outbox.txt", **fields) -> Report:
    report = report_ingest(text=text, origin=origin, queue_tagging=False, published="2018-12-14").report
    Report.objects.filter(pk=report.pk).update(**fields)
    report.refresh_from_db()
    return report


def test_a_report_ingested_while_the_broker_is_down_is_stored_pending_for_the_sweep(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = report_ingest(text=TEXT, origin="api:1", published="2018-12-14")
    assert result.outcome == "created"
    report = Report.objects.get(pk=result.report.pk)
    assert report.status == "pending"
    assert report.queued_at is None, "a report whose publish failed must be marked for the sweep"
    assert broker_down == [report.pk]


def test_after_one_failed_publish_the_next_reports_do_not_wait_for_the_broker(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ids = [report_ingest(text=f"{TEXT} Dispatch {i}.", origin=f"api:{i}").report.pk for i in range(3)]
    assert broker_down == ids[:1]
    assert Report.objects.filter(pk__in=ids, status="pending", queued_at__isnull=True).count() == 3


def test_a_report_published_on_commit_is_stamped_queued(broker_up, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_ingest(text=TEXT, origin="api:1").report
    report.refresh_from_db()
    assert broker_up == [report.pk]
    assert report.queued_at is not None


def test_the_sweep_publishes_the_reports_the_broker_could_not_take_and_only_those(broker_up):
    waiting = _pending(origin="file:a.txt", queued_at=None)
    queued = _pending(text=TEXT + " Another.", origin="file:b.txt", queued_at=timezone.now())
    tagged = _pending(text=TEXT + " Third.", origin="file:c.txt", queued_at=None, status="tagged")

    result = outbox_sweep()

    assert broker_up == [waiting.pk]
    assert result.as_dict() == {"released": 0, "published": 1, "waiting": 0}
    assert Report.objects.get(pk=waiting.pk).queued_at is not None
    assert queued.pk not in broker_up and tagged.pk not in broker_up
    assert outbox_sweep().published == 0, "a report the sweep published is not published again at once"


def test_a_pending_report_whose_message_was_lost_is_published_again_after_the_requeue_time(broker_up):
    now = timezone.now()
    lost = _pending(origin="file:a.txt", queued_at=now - dt.timedelta(seconds=901))
    recent = _pending(text=TEXT + " Another.", origin="file:b.txt", queued_at=now - dt.timedelta(seconds=899))

    outbox_sweep(now=now, requeue_after=900)

    assert broker_up == [lost.pk]
    assert recent.pk not in broker_up


def test_a_stale_processing_claim_is_released_and_its_report_tagged_once(tagger, eager):
    now = timezone.now()
    stale = _pending(origin="file:a.txt", status="processing", claimed_at=now - dt.timedelta(seconds=901))
    fresh = _pending(text=TEXT + " Another.", origin="file:b.txt", status="processing", claimed_at=now)

    result = outbox_sweep(claim_timeout=900)

    assert result.released == 1
    stale.refresh_from_db()
    assert stale.status == "tagged"  # the sweep's publish runs the task in-process here
    assert stale.attempts == 1
    assert stale.claims.exists()
    assert Report.objects.get(pk=fresh.pk).status == "processing", "a claim within its timeout is left alone"


def test_when_the_broker_goes_away_mid_sweep_the_rest_wait_for_the_next_sweep(broker_down):
    ids = [_pending(text=f"{TEXT} Dispatch {i}.", origin=f"file:{i}.txt", queued_at=None).pk for i in range(4)]

    result = outbox_sweep()

    assert broker_down == ids[:1], "one refused publish is enough to stop this sweep"
    assert result.as_dict() == {"released": 0, "published": 0, "waiting": 4}
    assert Report.objects.filter(pk__in=ids, queued_at__isnull=True).count() == 4


def test_a_report_published_twice_is_tagged_once(tagger, eager):
    report = _pending(queued_at=None)
    outbox_sweep(requeue_after=0)
    Report.objects.filter(pk=report.pk).update(queued_at=None)  # as if its first message came back too

    assert report_tag(report_id=report.pk) == "skipped"
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("tagged", 1)


def test_the_sweep_task_skips_a_round_while_the_database_is_down(monkeypatch):
    from reports import tasks

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(outbox, "outbox_sweep", down)
    assert tasks.outbox_sweep.apply().get() == {}


def test_the_tag_task_asks_to_be_retried_with_backoff_when_the_database_is_unavailable(monkeypatch, eager):
    from celery.exceptions import Retry

    from reports import services, tasks

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "report_tag", down)
    with pytest.raises(Retry) as retry:
        tasks.tag_report.apply(args=[1])
    assert retry.value.when == 2
    assert tasks._backoff(5) == 64, "six retries span about two minutes of outage"


@pytest.mark.django_db(transaction=True)  # commits for real: the publish runs at each commit, as in production
def test_ingest_async_with_the_broker_down_stores_the_reports_and_says_they_wait(broker_down):
    out = io.StringIO()
    call_command("ingest", "--async", "--no-progress", str(DEMO / "01_sdf-enters-hajin.txt"), stdout=out,
                 stderr=io.StringIO())
    report = Report.objects.get()
    assert (report.status, report.queued_at) == ("pending", None)
    assert "1 of them wait for the broker" in out.getvalue()


def test_ingest_async_of_a_url_with_the_broker_down_fetches_it_here(
    site, broker_down, django_capture_on_commit_callbacks
):
    from reports.tests.test_fetch_urls import ARTICLE_HTML

    url = site.add("/article", ARTICLE_HTML)
    err = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", "--async", "--no-progress", url, stdout=io.StringIO(), stderr=err)
    assert "fetching" in err.getvalue()
    report = Report.objects.get()
    assert (report.url, report.status, report.queued_at) == (url, "pending", None)


def test_a_feed_polled_while_the_broker_is_down_stores_its_new_reports_for_the_sweep(
    site, broker_down, django_capture_on_commit_callbacks
):
    from reports.services import feed_add, feed_poll
    from reports.tests.test_fetch_urls import ARTICLE_HTML, RSS

    site.add("/feed.xml", RSS.format(base=site.base), content_type="application/rss+xml")
    for path in ("/a1", "/a2"):
        site.add(path, ARTICLE_HTML.replace("Hajin", f"Hajin {path}"))
    feed = feed_add(url=site.url("/feed.xml"))
    with django_capture_on_commit_callbacks(execute=True):
        results = feed_poll(feed_id=feed.pk, queue_tagging=True)
    created = [r.report.pk for r in results if r.outcome == "created"]
    assert created
    assert Report.objects.filter(pk__in=created, status="pending", queued_at__isnull=True).count() == len(created)
