"""Renderers for ?format=geojson, csv and ndjson.

CSV and NDJSON of a list are streamed by the view (StreamingHttpResponse), so these
renderers only serve content negotiation, the schema, and the odd small body such as
an error, which they write as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode() if data is not None else b""


class NDJSONRenderer(BaseRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()


STREAMED_FORMATS = {"csv", "ndjson"}
