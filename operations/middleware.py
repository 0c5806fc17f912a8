"""Middleware at the top of settings.MIDDLEWARE: a request id for the logs, and the
request metrics."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from operations.logging import request_id_var
from operations.metrics import request_observe

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy or client sent is kept when it cannot spoil a log line or a header:
# letters, digits and . _ : - only, at most 128 of them (UUIDs, hex, ULIDs, Heroku ids).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Every line logged while the request is served carries its id; the response says it.

    The id stays set until the response is closed (request_finished), not just until this
    middleware returns: Django logs "Not Found" and other 4xx lines after the middleware
    chain, and a streamed response logs while it is sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="tidemark-forget-request-id")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request)
        request_id_var.set(request.request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def _forget_request_id(**_: object) -> None:
    request_id_var.set(None)


class MetricsMiddleware:
    """Time to answer each request, labelled by the view it resolved to."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        request_observe(request=request, status=response.status_code, seconds=time.perf_counter() - began)
        return response
