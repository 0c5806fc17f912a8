"""Reads of control periods: one place's periods, current holders, an actor's places."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from conflict.models import ControlPeriod, Event, Place
from conflict.selectors.feed import control_feed_record


def _periods() -> QuerySet[ControlPeriod]:
    return ControlPeriod.objects.select_related("place", "holder").prefetch_related(
        Prefetch("events", queryset=Event.objects.only("id").order_by("id"))
    )


def control_periods_for_place(place_id: int, *, with_events: bool = True) -> list[ControlPeriod]:
    """A place's periods in time order, ready for conflict.selectors.feed.control_feed_record."""
    # One place for all its periods: read it once rather than joined onto each of a thousand rows.
    place = Place.objects.filter(pk=place_id).only("id", "name", "slug").first()
    periods = list(ControlPeriod.objects.filter(place_id=place_id).select_related("holder").order_by("position"))
    for period in periods:
        period.place = place
    if with_events:
        attach_event_ids(periods)
    return periods


def attach_event_ids(periods: list[ControlPeriod]) -> None:
    """Fill `period.events.all()` with id-only events in one query.

    A busy town has thousands of linked events; reading the link table's ids is several
    times faster than a model prefetch of the events themselves, and ids are all the
    feed and the pages show. Uses the same cache a prefetch_related fills.
    """
    by_period: dict[int, list[Event]] = {p.pk: [] for p in periods}
    rows = (
        ControlPeriod.events.through.objects.filter(controlperiod_id__in=list(by_period))
        .order_by("event_id").values_list("controlperiod_id", "event_id")
    )
    for period_id, event_id in rows:
        by_period[period_id].append(Event(id=event_id))
    for period in periods:
        qs = Event.objects.none()
        qs._result_cache = by_period[period.pk]
        qs._prefetch_done = True
        period._prefetched_objects_cache = {"events": qs}


def control_periods_all(*, place_ids: Iterable[int] | None = None, chunk: int = 2000) -> Iterable[ControlPeriod]:
    """Every period (or those of some places) by place and position, in chunks, for the export."""
    qs = _periods().order_by("place_id", "position")
    if place_ids is not None:
        qs = qs.filter(place_id__in=list(place_ids))
    return qs.iterator(chunk_size=chunk)


def control_feed_for_place(place_id: int) -> list[dict[str, Any]]:
    return [control_feed_record(p) for p in control_periods_for_place(place_id)]


def current_holders(place_ids: Iterable[int]) -> dict[int, ControlPeriod]:
    """The last period of each place (the one still running)."""
    ids = list(place_ids)
    latest = (
        ControlPeriod.objects.filter(place_id__in=ids)
        .select_related("holder")
        .order_by("place_id", "-position")
        .distinct("place_id")
    )
    return {p.place_id: p for p in latest}


def places_held_by_actor(actor_id: int) -> list[ControlPeriod]:
    """The periods in which an actor (or a unit of it) held a place, by place name and time."""
    family = Q(holder_id=actor_id) | Q(holder__parent_id=actor_id)
    return list(
        ControlPeriod.objects.filter(family).select_related("place", "holder").order_by("place__name", "position")
    )
