"""Query parameters of /api/events/, parsed and validated by django-filter.

The FilterSet only turns the query string into a conflict.selectors.api.EventFilter
(names resolved to ids, every value checked); the selector builds the queryset. A value
that names nothing is a 400 naming the parameter, never an empty result that looks like
"no events".
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from conflict.models import Event, EventType
from conflict.selectors import api as selectors

EVENT_TYPES = [t.value for t in EventType]
EVENT_STATUSES = [s.value for s in Event.Status]
# ISO 8601 only: "03/04/2018" means different days to different clients.
ISO_DATE = ["%Y-%m-%d"]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    if len(parts) != 4:
        raise ValidationError({"bbox": ["expected min_lon,min_lat,max_lon,max_lat (four numbers)"]})
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError as exc:
        raise ValidationError({"bbox": ["expected four numbers: min_lon,min_lat,max_lon,max_lat"]}) from exc
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValidationError({"bbox": ["longitudes must be between -180 and 180"]})
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ValidationError({"bbox": ["latitudes must be between -90 and 90"]})
    if min_lon > max_lon or min_lat > max_lat:
        raise ValidationError({"bbox": ["min_lon,min_lat must not exceed max_lon,max_lat"]})
    return min_lon, min_lat, max_lon, max_lat


def _resolve(param: str, value: str, resolver: Any, what: str) -> list[int]:
    ids: list[int] = []
    for item in _split(value):
        found = resolver(item)
        if not found:
            raise ValidationError({param: [f"no {what} matches {item!r} (give an id, a slug or a known name)"]})
        ids.extend(found)
    if not ids:
        raise ValidationError({param: [f"give an id, a slug or a name of a {what}"]})
    return sorted(set(ids))


def _choices(param: str, value: str, allowed: list[str]) -> list[str]:
    items = _split(value)
    unknown = [i for i in items if i not in allowed]
    if unknown or not items:
        shown = ", ".join(unknown) or repr(value)
        raise ValidationError({param: [f"unknown value {shown}; use one of {', '.join(allowed)}"]})
    return items


class EventFilterSet(django_filters.FilterSet):
    place = django_filters.CharFilter(
        method="noop", help_text="place id, slug or any spelling (comma-separated for several)")
    bbox = django_filters.CharFilter(method="noop", help_text="min_lon,min_lat,max_lon,max_lat of the place")
    admin1 = django_filters.CharFilter(method="noop", help_text="governorate, e.g. Deir ez-Zor")
    actor = django_filters.CharFilter(method="noop", help_text="actor on either side: id, slug or alias")
    actor1 = django_filters.CharFilter(method="noop", help_text="acting side: id, slug or alias")
    actor2 = django_filters.CharFilter(method="noop", help_text="side acted on: id, slug or alias")
    type = django_filters.CharFilter(
        method="noop", help_text=f"event type(s), comma-separated: {', '.join(EVENT_TYPES)}")
    status = django_filters.CharFilter(
        method="noop",
        help_text="status(es), comma-separated: auto, reviewed, rejected (default auto,reviewed)")
    date_from = django_filters.DateFilter(method="noop", input_formats=ISO_DATE,
                                          help_text="YYYY-MM-DD: events whose date interval reaches this day")
    date_to = django_filters.DateFilter(method="noop", input_formats=ISO_DATE,
                                        help_text="YYYY-MM-DD: events whose date interval starts by this day")
    min_confidence = django_filters.NumberFilter(method="noop", help_text="0 to 1")
    source = django_filters.CharFilter(method="noop", help_text="source id or slug of any of the event's reports")
    updated_since = django_filters.IsoDateTimeFilter(
        method="noop", help_text="ISO 8601 timestamp: events changed at or after it")

    class Meta:
        model = Event
        fields: list[str] = []

    def noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def event_filter(self) -> selectors.EventFilter:
        data = self.form.cleaned_data
        flt = selectors.EventFilter()
        if data.get("place"):
            flt.place_ids = _resolve("place", data["place"], selectors.place_ids_for, "place")
        if data.get("bbox"):
            flt.bbox = parse_bbox(data["bbox"])
        if data.get("admin1"):
            found = selectors.admin1_values_for(data["admin1"])
            if not found:
                raise ValidationError({"admin1": [f"no place lies in a governorate called {data['admin1']!r}"]})
            flt.admin1 = found
        for param in ("actor", "actor1", "actor2"):
            if data.get(param):
                setattr(flt, f"{param}_ids", _resolve(param, data[param], selectors.actor_ids_for, "actor"))
        if data.get("type"):
            flt.types = _choices("type", data["type"], EVENT_TYPES)
        if data.get("status"):
            flt.statuses = _choices("status", data["status"], EVENT_STATUSES)
        flt.date_from, flt.date_to = data.get("date_from"), data.get("date_to")
        if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            raise ValidationError({"date_from": ["must not be after date_to"]})
        confidence = data.get("min_confidence")
        if confidence is not None:
            if not 0 <= confidence <= 1:
                raise ValidationError({"min_confidence": ["must be between 0 and 1"]})
            flt.min_confidence = float(confidence)
        if data.get("source"):
            flt.source_ids = _resolve("source", data["source"], selectors.source_ids_for, "source")
        flt.updated_since = data.get("updated_since")
        return flt

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.events_filtered(self.event_filter())
