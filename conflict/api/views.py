"""API views: parse the query, check permissions, call one selector or service, render.

Reads are public; submitting a report needs a token of a user in the editor, admin or
submitter group. Every view rejects query parameters it does not know (a misspelt
filter must not silently return the whole feed), answers ETag/304 for GET and is
throttled per token and per anonymous address.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from conflict.api import serializers as s
from conflict.api.conditional import ConditionalGetMixin
from conflict.api.filters import EventFilterSet
from conflict.api.pagination import (
    KeyOrder,
    PageRequest,
    keyset_fetch,
    keyset_stream_ids,
    next_link,
    parse_page_request,
)
from conflict.api.renderers import STREAMED_FORMATS, CSVRenderer, GeoJSONRenderer, NDJSONRenderer
from conflict.api.throttling import AnonAddressThrottle, TokenThrottle
from conflict.models import Event, PlaceKind
from conflict.selectors import api as selectors
from conflict.selectors import front
from conflict.selectors.changes import changes_since
from conflict.selectors.feed import control_feed_record
from conflict.selectors.feed_formats import CSV_COLUMNS, event_csv_row, event_geojson_feature

SUBMITTER_GROUPS = {"editor", "admin", "submitter"}
STREAM_CHUNK = 2000
PAGE_PARAMS = {"cursor", "page_size", "ordering"}

BY_ID = {"id": KeyOrder("id", False, "int", lambda r: r["id"])}
EVENT_ORDERINGS = {
    "date": KeyOrder("date_start", True, "date", lambda r: r["date"]["start"]),
    "updated_at": KeyOrder("updated_at", False, "datetime", lambda r: r["updated_at"]),
}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "too_large"


def _body_size_check(request: Request) -> None:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE before it is read: DRF's parsers read
    the stream themselves, past Django's own check of that limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    length = request.META.get("CONTENT_LENGTH") or ""
    if limit is not None and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"the request body is {int(length)} bytes, over the limit of {limit} bytes "
                              "(TIDEMARK_MAX_REQUEST_BYTES)")


def _text_size_check(text: Any) -> None:
    limit = settings.TIDEMARK_MAX_REPORT_BYTES
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0
    if size > limit:
        raise PayloadTooLarge(f"the report text is {size} bytes, over the limit of {limit} bytes "
                              "(TIDEMARK_MAX_REPORT_BYTES)")


class StrictNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a 400 naming the parameter, not DRF's 404."""

    def filter_renderers(self, renderers: list[Any], format: str) -> list[Any]:
        found = [r for r in renderers if r.format == format]
        if not found:
            allowed = ", ".join(r.format for r in renderers)
            raise ValidationError({"format": [f"unknown format {format!r}; use one of {allowed}"]})
        return found


class SubmitterOrReadOnly(permissions.BasePermission):
    message = "submitting reports needs a token of a user in the editor, admin or submitter group"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_superuser or user.groups.filter(name__in=SUBMITTER_GROUPS).exists()


class ApiView(ConditionalGetMixin, GenericAPIView):
    """Base of every API view: strict query parameters, JSON errors whatever the format."""

    allowed_params: frozenset[str] = frozenset()
    permission_classes = [SubmitterOrReadOnly]
    throttle_classes = [AnonAddressThrottle, TokenThrottle]
    content_negotiation_class = StrictNegotiation
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        allowed = self.allowed_params | {"format"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            # Raised before DRF's own initial(): finalize_response needs format_kwarg to render it.
            self.format_kwarg = self.get_format_suffix(**kwargs)
            raise ValidationError({
                name: [f"unknown query parameter; this endpoint takes {', '.join(sorted(allowed))}"]
                for name in unknown
            })
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        renderer = getattr(self.request, "accepted_renderer", None)
        if response.status_code != status.HTTP_304_NOT_MODIFIED and getattr(renderer, "format", "json") != "json":
            # Errors are JSON whatever format was asked for: a CSV error body helps nobody.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return response

    def page_request(self, orderings: dict[str, KeyOrder], default: str) -> PageRequest:
        return parse_page_request(self.request.query_params, orderings, default)


def _page_params(orderings: dict[str, KeyOrder], default: str) -> list[OpenApiParameter]:
    names = sorted(orderings)
    return [
        OpenApiParameter("cursor", OpenApiTypes.STR, description="opaque cursor from the previous page's `next`"),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500 (default 50)"),
        OpenApiParameter("ordering", OpenApiTypes.STR, enum=[*names, *(f"-{n}" for n in names)],
                         description=f"default {default}"),
    ]


def _format_param(formats: list[str]) -> OpenApiParameter:
    return OpenApiParameter("format", OpenApiTypes.STR, enum=formats,
                            description="response format (csv and ndjson stream the whole filtered feed)")


def _filter_params() -> list[OpenApiParameter]:
    kinds = {"DateFilter": OpenApiTypes.DATE, "NumberFilter": OpenApiTypes.NUMBER,
             "IsoDateTimeFilter": OpenApiTypes.DATETIME}
    return [
        OpenApiParameter(name, kinds.get(type(f).__name__, OpenApiTypes.STR), description=f.extra.get("help_text", ""))
        for name, f in EventFilterSet.base_filters.items()
    ]


ERRORS = {400: OpenApiResponse(s.ErrorSerializer, description="bad input, naming the parameter"),
          429: OpenApiResponse(s.ErrorSerializer, description="throttled; see Retry-After")}


def _csv_lines(chunks: Iterator[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for chunk in chunks:
        for line in chunk:
            writer.writerow(event_csv_row(json.loads(line)))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _ndjson_lines(chunks: Iterator[list[str]]) -> Iterator[str]:
    for chunk in chunks:
        if chunk:
            yield "\n".join(chunk) + "\n"


def export_workers() -> int:
    """Database connections that build export chunks side by side (one core each)."""
    return max(1, int(getattr(settings, "TIDEMARK_API_EXPORT_WORKERS", 3)))


def stream_json_lines(fmt: str, chunks: Iterator[list[str]], name: str) -> StreamingHttpResponse:
    """csv or ndjson from chunks of JSON texts (one feed record each)."""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(chunks), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = StreamingHttpResponse(_ndjson_lines(chunks), content_type="application/x-ndjson; charset=utf-8")
    return response


# --- events ------------------------------------------------------------------------------

class EventListView(ApiView):
    renderer_classes = [JSONRenderer, GeoJSONRenderer, CSVRenderer, NDJSONRenderer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilterSet
    queryset = Event.objects.none()
    etag_parts = ("eventchange", "event", "claim", "place", "actor", "source")
    allowed_params = frozenset(EventFilterSet.base_filters) | PAGE_PARAMS

    @extend_schema(
        operation_id="events_list",
        parameters=[*_filter_params(), *_page_params(EVENT_ORDERINGS, "date"),
                    _format_param(["json", "geojson", "csv", "ndjson"])],
        responses={200: s.EventPageSerializer, **ERRORS},
        description="The event feed: current (unmerged) events, auto and reviewed unless `status` says otherwise, "
                    "in a stable keyset order. `format=csv` and `format=ndjson` stream the whole filtered feed.",
    )
    def get(self, request: Request) -> Any:
        qs = self.filter_queryset(self.get_queryset())
        page = self.page_request(EVENT_ORDERINGS, "date")
        fmt = request.accepted_renderer.format
        if fmt in STREAMED_FORMATS:
            ids = keyset_stream_ids(qs, key=page.key, desc=page.desc, chunk=STREAM_CHUNK)
            return stream_json_lines(fmt, selectors.event_json_chunks(ids, workers=export_workers()), "events")
        # The lean builder gives exactly event_feed_record's records (a test holds them equal)
        # without loading every claim's report text into model instances.
        records = keyset_fetch(qs, key=page.key, desc=page.desc, position=page.position, limit=page.page_size + 1,
                               fetch=selectors.event_records_lean)
        nxt = next_link(request, page, records)
        records = records[: page.page_size]
        if fmt == "geojson":
            return Response({"type": "FeatureCollection", "features": [event_geojson_feature(r) for r in records],
                             "next": nxt})
        return Response({"next": nxt, "results": records})


class EventDetailView(ApiView):
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    etag_parts = ("eventchange", "event", "claim", "place", "actor", "change")

    @extend_schema(
        operation_id="events_retrieve",
        parameters=[_format_param(["json", "geojson"])],
        responses={200: s.EventDetailSerializer, 301: OpenApiResponse(description="merged: see Location"),
                   404: s.ErrorSerializer, **ERRORS},
        description="One event with its claims and a summary of its history. A merged event redirects (301) to "
                    "the event it was merged into.",
    )
    def get(self, request: Request, pk: int) -> Any:
        event = selectors.event_resolve(pk)
        if event is None:
            raise NotFound(f"no event {pk}")
        if event.merged_into_id is not None:
            target = reverse("api:event-detail", args=[selectors.event_final_target(event)])
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        record = selectors.event_detail(pk)
        if record is None:
            raise NotFound(f"no event {pk}")
        if request.accepted_renderer.format == "geojson":
            return Response(event_geojson_feature(record))
        return Response(record)


class ChangeFeedView(ApiView):
    etag_parts = ("eventchange", "event", "claim", "place", "actor", "xmin")
    allowed_params = frozenset({"cursor", "page_size"})

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="the `cursor` of the previous answer (default: "
                             "from the beginning)"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500 (default 100)"),
        ],
        responses={200: s.ChangePageSerializer, **ERRORS},
        description="Every created, updated, merged or rejected event after the cursor, in commit order. Apply "
                    "`event` entries (insert or replace) and drop `tombstone` ones to mirror the feed exactly.",
    )
    def get(self, request: Request) -> Any:
        raw_cursor = request.query_params.get("cursor") or "0"
        if not raw_cursor.isdigit() or len(raw_cursor) > 18:
            raise ValidationError({"cursor": ["must be the cursor of a previous answer (a non-negative integer)"]})
        raw_size = request.query_params.get("page_size") or "100"
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= 500:
            raise ValidationError({"page_size": ["must be an integer from 1 to 500"]})
        page = changes_since(after=int(raw_cursor), limit=int(raw_size))
        params = request.query_params.copy()
        params["cursor"] = str(page.cursor)
        return Response({
            "changes": page.changes,
            "cursor": str(page.cursor),
            "has_more": page.has_more,
            "next": request.build_absolute_uri(request.path) + "?" + params.urlencode(),
        })


# --- places, actors, sources ------------------------------------------------------------

class PlaceListView(ApiView):
    etag_parts = ("place",)
    allowed_params = frozenset(PAGE_PARAMS)

    @extend_schema(operation_id="places_list", parameters=_page_params(BY_ID, "id"),
                   responses={200: s.PlacePageSerializer, **ERRORS})
    def get(self, request: Request) -> Any:
        page = self.page_request(BY_ID, "id")
        records = keyset_fetch(
            selectors.places_list(), key=page.key, desc=page.desc, position=page.position, limit=page.page_size + 1,
            fetch=lambda q: [selectors.place_api_record(p) for p in selectors.places_with_names(q)])
        nxt = next_link(request, page, records)
        return Response({"next": nxt, "results": records[: page.page_size]})


class PlaceDetailView(ApiView):
    etag_parts = ("place",)

    @extend_schema(operation_id="places_retrieve", responses={200: s.PlaceSerializer, 404: s.ErrorSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Any:
        place = selectors.places_with_names(selectors.places_list().filter(pk=pk)).first()
        if place is None:
            raise NotFound(f"no place {pk}")
        return Response(selectors.place_api_record(place))


class PlaceControlView(ApiView):
    renderer_classes = [JSONRenderer, NDJSONRenderer]
    etag_parts = ("control", "place", "actor")

    @extend_schema(operation_id="places_control", parameters=[_format_param(["json", "ndjson"])],
                   responses={200: s.ControlPeriodSerializer(many=True), 404: s.ErrorSerializer, **ERRORS},
                   description="The control feed of one place: its periods of control in time order.")
    def get(self, request: Request, pk: int) -> Any:
        if not selectors.places_list().filter(pk=pk).exists():
            raise NotFound(f"no place {pk}")
        records = [control_feed_record(p) for p in selectors.control_periods_for_place(pk)]
        if request.accepted_renderer.format == "ndjson":
            lines = [json.dumps(r, separators=(",", ":")) for r in records]
            return stream_json_lines("ndjson", iter([lines]), f"control-{pk}")
        return Response(records)


class ControlMapView(ApiView):
    """The front on a date: the data the map page (/map/) draws."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    etag_parts = ("control", "place", "actor", "event")
    allowed_params = frozenset(front.PARAMS)

    def etag_salt(self, request: Request) -> str:
        # Without ?at= the answer is about today, which moves.
        return "" if request.query_params.get("at") else timezone.localdate().isoformat()

    @extend_schema(
        operation_id="control_map",
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATE, description="YYYY-MM-DD: the day to show (default today)"),
            OpenApiParameter("compare", OpenApiTypes.DATE,
                             description="YYYY-MM-DD: another day; each place gets `compare`, `changed` and "
                                         "`change_events`"),
            OpenApiParameter("admin1", OpenApiTypes.STR, description="governorate, e.g. Deir ez-Zor"),
            OpenApiParameter("holder", OpenApiTypes.STR,
                             description="only places held by this actor (id, slug or alias) or a unit of it"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(PlaceKind.values),
                             description="only places of this kind (default: every kind but region)"),
            _format_param(["geojson", "json"]),
        ],
        responses={200: s.ControlMapSerializer, **ERRORS},
        description="Who held every place on a date, as a GeoJSON FeatureCollection of points: holder, state and "
                    "confidence, and whether the holder is uncertain that day (the day falls inside an uncertain "
                    "boundary between holders). A period covers a day from its earliest possible start to its "
                    "latest possible end; where several do, the one that began last answers. Regions are left "
                    "out unless `kind=region`. The same data the map page draws.",
    )
    def get(self, request: Request) -> Any:
        query = front.FrontQuery.parse(request.query_params, today=timezone.localdate())
        if query.errors:
            raise ValidationError({name: [message] for name, message in query.errors.items()})
        # Written as text by the selector (5,000 features); the ETag and Vary are still added.
        return HttpResponse(front.front_geojson(front.front_view(query)),
                            content_type=request.accepted_renderer.media_type)


class ActorListView(ApiView):
    etag_parts = ("actor",)
    allowed_params = frozenset(PAGE_PARAMS)

    @extend_schema(operation_id="actors_list", parameters=_page_params(BY_ID, "id"),
                   responses={200: s.ActorPageSerializer, **ERRORS})
    def get(self, request: Request) -> Any:
        page = self.page_request(BY_ID, "id")
        records = keyset_fetch(
            selectors.actors_list(), key=page.key, desc=page.desc, position=page.position, limit=page.page_size + 1,
            fetch=lambda q: [selectors.actor_api_record(a) for a in q])
        nxt = next_link(request, page, records)
        return Response({"next": nxt, "results": records[: page.page_size]})


class SourceListView(ApiView):
    etag_parts = ("source", "actor")
    allowed_params = frozenset(PAGE_PARAMS)

    @extend_schema(operation_id="sources_list", parameters=_page_params(BY_ID, "id"),
                   responses={200: s.SourcePageSerializer, **ERRORS})
    def get(self, request: Request) -> Any:
        page = self.page_request(BY_ID, "id")
        records = keyset_fetch(
            selectors.sources_list(), key=page.key, desc=page.desc, position=page.position, limit=page.page_size + 1,
            fetch=lambda q: [selectors.source_api_record(x) for x in q])
        nxt = next_link(request, page, records)
        return Response({"next": nxt, "results": records[: page.page_size]})


# --- reports ----------------------------------------------------------------------------

class ReportListView(ApiView):
    etag_parts = ("report", "source")
    allowed_params = frozenset(PAGE_PARAMS)

    @extend_schema(operation_id="reports_list", parameters=_page_params(BY_ID, "-id"),
                   responses={200: s.ReportPageSerializer, **ERRORS})
    def get(self, request: Request) -> Any:
        page = self.page_request(BY_ID, "-id")
        records = keyset_fetch(
            selectors.reports_list(), key=page.key, desc=page.desc, position=page.position, limit=page.page_size + 1,
            fetch=lambda q: [selectors.report_api_record(r) for r in q])
        nxt = next_link(request, page, records)
        return Response({"next": nxt, "results": records[: page.page_size]})

    @extend_schema(
        operation_id="reports_create",
        request=s.ReportSubmitSerializer,
        responses={202: s.ReportAcceptedSerializer, 200: s.ReportAcceptedSerializer,
                   401: s.ErrorSerializer, 403: s.ErrorSerializer,
                   413: OpenApiResponse(s.ErrorSerializer, description="the body or the report text is too large"),
                   **ERRORS},
        description="Submit a report (its text, or a URL to fetch, with metadata). A new report answers 202 and is "
                    "tagged on the worker; the same report posted again answers 200 with the existing report's id. "
                    "Poll `status_url` for its status. Needs a token of an editor, admin or submitter.",
    )
    def post(self, request: Request) -> Any:
        from reports.services import ReportInputError, report_ingest

        _body_size_check(request)
        if not isinstance(request.data, dict):
            raise ValidationError({"body": ["expected a JSON object"]})
        _text_size_check(request.data.get("text"))
        serializer = s.ReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = report_ingest(
                text=data.get("text") or None, url=data.get("url") or "", title=data.get("title") or "",
                outlet=data.get("outlet") or "", published=data.get("published"),
                language=data.get("language") or "",
            )
        except ReportInputError as exc:
            raise ValidationError({"text": [str(exc)]}) from exc
        if result.report is None:
            raise ValidationError({"text": [result.message or "the report could not be stored"]})
        report = result.report
        body = {
            "id": report.pk,
            "status": report.status,
            "status_url": request.build_absolute_uri(reverse("api:report-detail", args=[report.pk])),
            "outcome": result.outcome,
            "message": result.message,
        }
        code = status.HTTP_200_OK if result.outcome == "duplicate" else status.HTTP_202_ACCEPTED
        return Response(body, status=code, headers={"Location": body["status_url"]})


class ReportDetailView(ApiView):
    etag_parts = ("report", "source", "claim", "eventchange")

    @extend_schema(operation_id="reports_retrieve",
                   responses={200: s.ReportDetailSerializer, 404: s.ErrorSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Any:
        record = selectors.report_detail(pk)
        if record is None:
            raise NotFound(f"no report {pk}")
        return Response(record)
