"""The database unavailable for a moment (PostgreSQL restarting, a failover): 503, not 500.

A request that meets django.db's OperationalError or InterfaceError answers 503 with a
Retry-After header: a plain page for people, JSON under /api/. Nothing in the answer
touches the database. Django then closes the broken connection at the end of the request
(CONN_HEALTH_CHECKS checks a reused one before the next), so the app recovers on its own
once the database is back, with no restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    log.warning("database unavailable: %s %s answered 503 (%s: %s)", request.method, request.path,
                type(exc).__name__, str(exc).strip()[:300])
    message = f"The database is unavailable for a moment. Try again in {RETRY_AFTER_SECONDS} seconds."
    if request.path.startswith("/api/"):
        response = HttpResponse(json.dumps({"detail": message}), status=503, content_type="application/json")
    else:
        # No request context: its processors (the user, messages) would read the database.
        html = render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS,
                                             "reload": request.method in ("GET", "HEAD")})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database outage met by a view into a 503 (exceptions raised by other
    middleware reach conflict.views.errors.server_error, which does the same)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable_response(request, exception)
        return None
