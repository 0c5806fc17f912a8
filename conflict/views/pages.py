"""Public pages: parse the request, call one selector, render."""

from __future__ import annotations

import csv
import json

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from conflict.selectors import pages
from conflict.selectors.feed import event_feed_record
from conflict.selectors.feed_formats import CSV_COLUMNS, event_csv_row, event_geojson_feature, json_default
from conflict.selectors.history import event_history
from conflict.selectors.search import search as search_names


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    map_svg, legend = pages.home_map_svg()
    context = {
        "query": query,
        "hits": search_names(query) if query else None,
        "recent": pages.recent_places(),
        "map_svg": map_svg,
        "map_legend": legend,
    }
    return render(request, "conflict/home.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    return render(request, "conflict/search.html", {"query": query, "hits": search_names(query) if query else []})


@require_safe
def place_detail(request: HttpRequest, slug: str) -> HttpResponse:
    place = pages.place_by_slug(slug)
    if place.merged_into_id:
        return redirect("conflict:place", slug=place.merged_into.slug, permanent=True)
    filters = pages.EventFilters.parse(request.GET)
    page = pages.place_page(place, filters=filters, page=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "conflict/place_detail.html", {"p": page, "place": place, "query": query.urlencode()})


def _download_name(slug: str, ext: str) -> str:
    return f'attachment; filename="{slug}-events.{ext}"'


@require_safe
def place_events_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    place = pages.place_by_slug(slug)
    events = pages.place_events_for_download(place, pages.EventFilters.parse(request.GET))

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.DictWriter(Echo(), fieldnames=CSV_COLUMNS)

    def rows():
        yield writer.writeheader()
        for event in events.iterator(chunk_size=500):
            yield writer.writerow(event_csv_row(event_feed_record(event)))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _download_name(place.slug, "csv")
    return response


@require_safe
def place_events_geojson(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    place = pages.place_by_slug(slug)
    events = pages.place_events_for_download(place, pages.EventFilters.parse(request.GET))

    def chunks():
        yield '{"type": "FeatureCollection", "features": ['
        for i, event in enumerate(events.iterator(chunk_size=500)):
            feature = json.dumps(event_geojson_feature(event_feed_record(event)), ensure_ascii=False,
                                 default=json_default)
            yield ("," if i else "") + "\n" + feature
        yield "\n]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/geo+json")
    response["Content-Disposition"] = _download_name(place.slug, "geojson")
    return response


@require_safe
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event, redirect_to = pages.event_for_page(event_id)
    if redirect_to is not None:
        return redirect("conflict:event", event_id=redirect_to)
    history = event_history(event_id=event.id)
    return render(request, "conflict/event_detail.html", {"event": event, "history": history})


@require_safe
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = pages.actor_by_slug(slug)
    return render(request, "conflict/actor_detail.html",
                  {"p": pages.actor_page(actor, page=request.GET.get("page", 1)), "actor": actor})


@require_safe
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = pages.source_by_slug(slug)
    return render(request, "conflict/source_detail.html",
                  {"source": source, "reports": pages.source_reports(source, page=request.GET.get("page", 1))})


@require_safe
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return render(request, "conflict/report_detail.html", {"p": pages.report_page(report_id)})
