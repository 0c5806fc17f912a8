"""The front on a date (/map/): parse the query, call the selector, render.

The page, the frame the page's script swaps in when the date moves, and the two
downloads all render one conflict.selectors.front.FrontView.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from conflict.models import PlaceKind
from conflict.selectors import front
from conflict.selectors.front_svg import front_svg


def _view(request: HttpRequest) -> front.FrontView:
    query = front.FrontQuery.parse(request.GET, today=timezone.localdate())
    return front.front_view(query)


def _context(view: front.FrontView) -> dict:
    query = view.query
    params = {**query.filters(), "at": view.at.isoformat()}
    if query.compare:
        params["compare"] = query.compare.isoformat()
    return {
        "v": view,
        "svg": front_svg(view),
        "query": urlencode(params),
        "filters": query.raw,
        "errors": query.errors,
        "state_counts": view.state_counts(),
    }


@require_safe
def front_map(request: HttpRequest) -> HttpResponse:
    view = _view(request)
    context = _context(view)
    context["kinds"] = PlaceKind.choices
    status = 400 if view.query.errors else 200
    return render(request, "conflict/front_map.html", context, status=status)


@require_safe
def front_frame(request: HttpRequest) -> HttpResponse:
    """The part of the map page that changes with the date, for the page's script."""
    view = _view(request)
    status = 400 if view.query.errors else 200
    return render(request, "conflict/_front_frame.html", _context(view), status=status)


def _bad_request(view: front.FrontView) -> HttpResponse:
    return HttpResponse(json.dumps({k: [v] for k, v in view.query.errors.items()}), status=400,
                        content_type="application/json")


def _attachment(response: HttpResponse, view: front.FrontView, ext: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="tidemark-front-{view.at.isoformat()}.{ext}"'
    return response


@require_safe
def front_map_svg(request: HttpRequest) -> HttpResponse:
    view = _view(request)
    if view.query.errors:
        return _bad_request(view)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + front_svg(view, standalone=True)
    return _attachment(HttpResponse(body, content_type="image/svg+xml; charset=utf-8"), view, "svg")


@require_safe
def front_map_geojson(request: HttpRequest) -> HttpResponse:
    view = _view(request)
    if view.query.errors:
        return _bad_request(view)
    return _attachment(HttpResponse(front.front_geojson(view), content_type="application/geo+json"), view, "geojson")
