"""Conditional GET for API views: an ETag from the data version, answering 304.

The ETag is a hash of the path, the query string, the response format and the latest
write to each table the response is built from (one cheap query of max() lookups), so
it is known before any of the response is built and a client polling an unchanged feed
costs the server one query.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from conflict.selectors.api import data_version


class NotModified(APIException):
    status_code = status.HTTP_304_NOT_MODIFIED
    default_detail = ""


class ConditionalGetMixin:
    """Adds ETag to GET answers and answers 304 to a matching If-None-Match."""

    # Tables whose latest write changes the response (keys of conflict.selectors.api._VERSION_PARTS).
    etag_parts: tuple[str, ...] = ()
    _etag: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._etag = None
        if request.method not in ("GET", "HEAD") or not self.etag_parts:
            return
        renderer = getattr(request, "accepted_renderer", None)
        query = sorted(request.query_params.lists())
        basis = "\n".join([
            request.path, repr(query), getattr(renderer, "format", ""), data_version(self.etag_parts),
            self.etag_salt(request),
        ])
        self._etag = '"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'
        sent = request.headers.get("If-None-Match")
        if sent and (sent.strip() == "*" or self._etag in parse_etags(sent)):
            raise NotModified()

    def etag_salt(self, request: Request) -> str:
        """Anything else the answer depends on, such as a default that moves (today's date)."""
        return ""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotModified):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": self._etag or ""})
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if self._etag and response.status_code == status.HTTP_200_OK:
            response["ETag"] = self._etag
        # ?format= is in the URL, but an Accept header can pick the format too.
        patch_vary_headers(response, ["Accept"])
        return response
