"""Prometheus metrics for /metrics.

Two kinds, each from where it is true across processes:
- Request latency and counts are measured by MetricsMiddleware in the process that served
  the request. Under gunicorn each worker is its own process, so gunicorn runs with
  PROMETHEUS_MULTIPROC_DIR set (operations/gunicorn_conf.py): every worker writes its
  samples to files there and a scrape adds them all up, whichever worker answers it.
- Everything about reports, events, the queue and the workers is read at scrape time
  (DatabaseCollector) from PostgreSQL and Redis, which every process shares: the web
  workers, the Celery workers and `manage.py ingest` all write there. Tagging time per
  report is recorded on the report (metadata "tag_seconds") by the process that tagged
  it and summarised here over the latest tagged reports, so it counts tagging done by any
  worker, eagerly in the web process, or by a command.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger(__name__)

# Latest tagged reports the tagging-time summary is taken over: bounded cost (an index
# scan of the newest report ids) whatever the size of the corpus.
TAGGING_SAMPLE = 1000
TAGGING_QUANTILES = (0.5, 0.9, 0.95, 0.99)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_SECONDS = Histogram(
    "tidemark_http_request_duration_seconds",
    "Time to answer a request, by the view it resolved to (not the raw path).",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "tidemark_http_requests", "Requests answered, by view, method and status code.", ["view", "method", "status"]
)


def request_observe(*, request: HttpRequest, status: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    # Unresolved paths (404s, static files served by WhiteNoise) share one label, so a
    # scanner cannot create a time series per path it tries.
    view = match.view_name if match is not None else "<unresolved>"
    method = request.method if request.method in _METHODS else "other"
    REQUEST_SECONDS.labels(view, method).observe(seconds)
    REQUESTS.labels(view, method, str(status)).inc()


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class _ThisProcess:
    """The metrics of this process's default registry (runserver, tests, a single process)."""

    def collect(self):
        yield from REGISTRY.collect()


class DatabaseCollector:
    """Counts read at scrape time from the database and the broker."""

    def collect(self):
        began = time.perf_counter()
        up = GaugeMetricFamily("tidemark_database_up", "1 if the database answered this scrape's queries.")
        try:
            families = list(self._from_database())
        except DatabaseError as exc:
            log.warning("metrics: database unreachable: %s", exc)
            connection.close_if_unusable_or_obsolete()
            families = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from families
        yield from self._from_broker()
        took = GaugeMetricFamily("tidemark_metrics_collect_seconds", "Time to read the database and broker counts.")
        took.add_metric([], time.perf_counter() - began)
        yield took

    def _from_database(self):
        from django.db.models import Count

        from conflict.models import Event
        from operations.checks import worker_heartbeat_age
        from reports.models import Report

        by_status = dict(Report.objects.order_by().values_list("status").annotate(n=Count("pk")))
        reports = GaugeMetricFamily("tidemark_reports", "Reports stored, by status.", labels=["status"])
        for status in Report.Status.values:
            reports.add_metric([status], by_status.get(status, 0))
        yield reports
        # Reports are never deleted, so their number only grows: a counter (rate() = ingestion rate).
        ingested = CounterMetricFamily("tidemark_reports_ingested", "Reports ingested (rows stored, any status).")
        ingested.add_metric([], sum(by_status.values()))
        yield ingested

        awaiting = GaugeMetricFamily("tidemark_events_awaiting_review",
                                     "Events the tagger proposed that no editor has reviewed or rejected yet.")
        awaiting.add_metric([], Event.objects.filter(status=Event.Status.AUTO, merged_into__isnull=True).count())
        yield awaiting

        yield from self._tagging_times(Report)

        if settings.CELERY_BROKER_URL:
            age = worker_heartbeat_age()
            heartbeat = GaugeMetricFamily("tidemark_worker_heartbeat_age_seconds",
                                          "Seconds since the youngest Celery worker heartbeat (absent: none ever).")
            if age is not None:
                heartbeat.add_metric([], age)
            yield heartbeat

    def _tagging_times(self, report_model):
        latest = (report_model.objects.filter(status=report_model.Status.TAGGED, metadata__has_key="tag_seconds")
                  .order_by("-id").values_list("metadata__tag_seconds", flat=True)[:TAGGING_SAMPLE])
        seconds = sorted(float(s) for s in latest if isinstance(s, int | float))
        summary = GaugeMetricFamily(
            "tidemark_report_tagging_seconds",
            f"Time to tag one report (tagger, claims, events), over the latest {TAGGING_SAMPLE} tagged reports.",
            labels=["quantile"],
        )
        for q in TAGGING_QUANTILES:
            if seconds:
                summary.add_metric([str(q)], seconds[min(len(seconds) - 1, int(q * len(seconds)))])
        yield summary
        sample = GaugeMetricFamily("tidemark_report_tagging_sample_reports",
                                   "Tagged reports the tagging-time quantiles are taken over.")
        sample.add_metric([], len(seconds))
        yield sample
        mean = GaugeMetricFamily("tidemark_report_tagging_mean_seconds",
                                 "Mean time to tag one report over the same sample.")
        if seconds:
            mean.add_metric([], sum(seconds) / len(seconds))
        yield mean

    def _from_broker(self):
        from operations.checks import broker_client

        client = broker_client()
        if client is None:
            return
        import redis

        from config.celery import app

        depth = GaugeMetricFamily("tidemark_queue_length", "Tasks waiting in the broker, by Celery queue.",
                                  labels=["queue"])
        up = GaugeMetricFamily("tidemark_broker_up", "1 if the broker answered this scrape.")
        try:
            for name in sorted(app.amqp.queues.keys()) or [app.conf.task_default_queue]:
                depth.add_metric([name], client.llen(name))
        except redis.RedisError as exc:
            log.warning("metrics: broker unreachable: %s", exc)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            yield depth
        finally:
            client.close()
        yield up


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    return registry


def metrics_allowed(request: HttpRequest) -> bool:
    """With TIDEMARK_METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it,
    only a client on this machine (loopback, not forwarded by a proxy on this machine)."""
    token = settings.TIDEMARK_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
