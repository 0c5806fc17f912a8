"""Health, readiness and metrics: for load balancers, docker compose and Prometheus."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from operations.checks import readiness
from operations.metrics import metrics_allowed, scrape_registry


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches neither the database nor the broker, so a
    database outage does not get every web process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: database reachable, migrations applied, broker reachable, a worker
    heartbeat in the last minute. 200 when all pass, else 503; each check's detail either way."""
    ok, checks = readiness()
    body = {"status": "ok" if ok else "unavailable", "checks": {name: c.as_dict() for name, c in checks.items()}}
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("metrics: send Authorization: Bearer TIDEMARK_METRICS_TOKEN, or ask from this machine\n",
                            status=403, content_type="text/plain")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
