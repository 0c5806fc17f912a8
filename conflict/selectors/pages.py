"""Reads behind the public pages: home, town, event, actor, source and report.

Each function returns everything its page shows in a fixed number of queries,
whatever the number of events (the town page windows its events a page at a time;
its control band comes from ControlPeriod rows, not from events).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.safestring import SafeString

from conflict.models import Actor, Claim, ControlPeriod, Event, EventType, Place, Source
from conflict.selectors.charts import BandChart, MapChart, band_chart, band_svg, map_svg, overview_map
from conflict.selectors.control import attach_event_ids, places_held_by_actor
from conflict.selectors.report_text import highlighted_report_text
from reports.models import Report

EVENTS_PER_PAGE = 50
REPORTS_PER_PAGE = 50
RECENT_PLACES = 12
PERIODS_LISTED_MAX = 40
MAP_PLACES_MAX = 6000


def _claims_prefetch() -> Prefetch:
    # The report's text and tagged spans are big and not shown beside a claim.
    claims = (
        Claim.objects.select_related("report", "report__source")
        .only("id", "event_id", "report_id", "quote", "speaker", "date_start", "date_end", "date_precision",
              "span_start", "span_end", "report__id", "report__published", "report__title", "report__source_id",
              "report__source__id", "report__source__name", "report__source__slug")
        .order_by("report__published", "id")
    )
    return Prefetch("claims", queryset=claims)


def _page_events(qs: QuerySet[Event], *, with_place: bool = True) -> QuerySet[Event]:
    related = ("place", "actor1", "actor2") if with_place else ("actor1", "actor2")
    return qs.select_related(*related).prefetch_related(_claims_prefetch())


def _paginate(qs: QuerySet, page: Any, per_page: int) -> Page:
    return Paginator(qs, per_page).get_page(page)


# --- home --------------------------------------------------------------------------

@dataclass
class RecentPlace:
    place: Place
    latest: dt.date | None
    holder: ControlPeriod | None


def recent_places(*, limit: int = RECENT_PLACES) -> list[RecentPlace]:
    """The places with the newest dated events (by event date), newest first."""
    rows = (
        Event.objects.filter(merged_into__isnull=True, date_start__isnull=False)
        .exclude(status=Event.Status.REJECTED)
        .order_by("-date_start", "-id")
        .values_list("place_id", "date_start")[: limit * 40]
    )
    latest: dict[int, dt.date] = {}
    for place_id, day in rows:
        latest.setdefault(place_id, day)
        if len(latest) >= limit:
            break
    places = Place.objects.in_bulk(list(latest))
    holders = _current_periods(list(latest))
    return [RecentPlace(places[p], d, holders.get(p)) for p, d in latest.items() if p in places]


def _current_periods(place_ids: list[int]) -> dict[int, ControlPeriod]:
    periods = (
        ControlPeriod.objects.filter(place_id__in=place_ids).select_related("holder")
        .order_by("place_id", "-position").distinct("place_id")
    )
    return {p.place_id: p for p in periods}


def home_map() -> MapChart:
    """Every place with a control period, coloured by its current holder."""
    rows = (
        ControlPeriod.objects.filter(place__lat__isnull=False)
        .order_by("place_id", "-position").distinct("place_id")
        .values_list("place__name", "place__slug", "place__lat", "place__lon", "holder__name", "holder__color",
                     "state")[:MAP_PLACES_MAX]
    )
    return overview_map(list(rows))


def home_map_svg() -> tuple[SafeString, list[tuple[str, str]]]:
    """The map's SVG and legend, cached until a control period or a place changes."""
    stamp = ControlPeriod.objects.aggregate(n=Count("id"), last=Max("computed_at"), top=Max("id"))
    places = Place.objects.aggregate(last=Max("updated_at"))
    key = "home-map:" + hashlib.sha1(repr((stamp, places, _actors_stamp())).encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        chart = home_map()
        cached = (str(map_svg(chart)), chart.legend)
        cache.set(key, cached, 3600)
    return SafeString(cached[0]), cached[1]


# --- town page ---------------------------------------------------------------------

@dataclass
class EventFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    type: str = ""
    actor: str = ""  # actor slug
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: Any) -> EventFilters:
        out = cls()
        for name in ("date_from", "date_to"):
            raw = (params.get(name) or "").strip()
            if raw:
                try:
                    setattr(out, name, dt.date.fromisoformat(raw))
                except ValueError:
                    out.errors.append(f"{name.replace('_', ' ')} is not a date (YYYY-MM-DD)")
        kind = (params.get("type") or "").strip()
        if kind and kind in EventType.values:
            out.type = kind
        elif kind:
            out.errors.append(f"unknown event type {kind}")
        out.actor = (params.get("actor") or "").strip()[:140]
        return out

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.type or self.actor)

    def apply(self, qs: QuerySet[Event]) -> QuerySet[Event]:
        # An event whose interval touches the range is in it; an undated event only when no dates are asked.
        if self.date_from:
            qs = qs.filter(Q(date_end__gte=self.date_from) | Q(date_end__isnull=True, date_start__gte=self.date_from))
        if self.date_to:
            qs = qs.filter(Q(date_start__lte=self.date_to) | Q(date_start__isnull=True, date_end__lte=self.date_to))
        if self.type:
            qs = qs.filter(type=self.type)
        if self.actor:
            qs = qs.filter(
                Q(actor1__slug=self.actor) | Q(actor2__slug=self.actor)
                | Q(actor1__parent__slug=self.actor) | Q(actor2__parent__slug=self.actor)
            )
        return qs


@dataclass
class PlacePage:
    place: Place
    periods: list[ControlPeriod] | None  # None when the band came from the cache
    band: BandChart
    band_svg: Any
    periods_listed: list[ControlPeriod]
    events: Page
    filters: EventFilters
    actors: list[Actor]
    types: list[str]
    total_events: int
    parent: Place | None
    period_count: int = 0


def place_by_slug(slug: str) -> Place:
    """A place by slug; a merged place answers with the place it was folded into."""
    place = Place.objects.select_related("parent", "merged_into").filter(slug=slug).first()
    if place is None:
        raise Http404(f"no place called {slug!r}")
    return place


def place_events(place: Place, filters: EventFilters) -> QuerySet[Event]:
    """The place's live events in time order (undated last); rejected ones live only on their own page."""
    qs = Event.objects.filter(place=place, merged_into__isnull=True).exclude(status=Event.Status.REJECTED)
    return filters.apply(qs).order_by("date_start", "date_end", "id")


def place_page(place: Place, *, filters: EventFilters, page: Any = 1) -> PlacePage:
    # The place is known: its events need not fetch it again.
    events = _paginate(_page_events(place_events(place, filters), with_place=False), page, EVENTS_PER_PAGE)
    for event in events.object_list:
        event.place = place
    band, svg, periods = _place_band(place)
    listed = _periods_in_window(place, periods, list(events.object_list))
    attach_event_ids(listed)
    involved = Event.objects.filter(place=place, merged_into__isnull=True).exclude(status=Event.Status.REJECTED)
    actor_ids = set(involved.order_by().values_list("actor1_id", flat=True).distinct()) | set(
        involved.order_by().values_list("actor2_id", flat=True).distinct()
    )
    actors = list(Actor.objects.filter(id__in=[a for a in actor_ids if a]).order_by("name"))
    return PlacePage(
        place=place, periods=periods, band=band, band_svg=svg, periods_listed=listed, events=events, filters=filters,
        actors=actors, types=list(EventType.values), total_events=events.paginator.count, parent=place.parent,
        period_count=band.period_count,
    )


def _actors_stamp() -> Any:
    """Changes when an actor is renamed or recoloured, so cached charts are redrawn."""
    return Actor.objects.aggregate(last=Max("updated_at"), n=Count("id"))


def _place_band(place: Place) -> tuple[BandChart, SafeString, list[ControlPeriod] | None]:
    """The band chart of a place, cached until its periods are recomputed.

    Returns the periods too when it had to read them all (a quiet place, or a cache miss).
    """
    stamp = ControlPeriod.objects.filter(place=place).aggregate(n=Count("id"), last=Max("computed_at"), top=Max("id"))
    key = f"band:{place.pk}:" + hashlib.sha1(repr((stamp, place.name, _actors_stamp())).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None and stamp["n"] > PERIODS_LISTED_MAX:
        band, svg = cached
        return band, SafeString(svg), None
    periods = list(ControlPeriod.objects.filter(place=place).select_related("holder").order_by("position"))
    band = band_chart(periods)
    svg = band_svg(band, title=f"Control of {place.name} over time")
    band.segments, band.edges = [], []  # drawn into the SVG; the legend and the count are what is kept
    cache.set(key, (band, str(svg)), 3600)
    return band, svg, periods


def _periods_in_window(
    place: Place, periods: list[ControlPeriod] | None, events: list[Event]
) -> list[ControlPeriod]:
    """All periods of a quiet place; for a busy one, those around the events on this page
    (the band above still draws every period)."""
    if periods is not None and len(periods) <= PERIODS_LISTED_MAX:
        return periods
    qs = ControlPeriod.objects.filter(place=place).select_related("holder").order_by("position")
    days = [d for e in events for d in (e.date_start, e.date_end) if d]
    if not days:
        return list(reversed(qs.reverse()[:PERIODS_LISTED_MAX]))
    lo, hi = min(days), max(days)
    qs = qs.filter(Q(end_end__isnull=True, end_start__isnull=True) | Q(end_end__gte=lo) | Q(end_end__isnull=True,
                                                                                       end_start__gte=lo))
    qs = qs.filter(Q(start_start__isnull=True, start_end__isnull=True) | Q(start_start__lte=hi)
                   | Q(start_start__isnull=True, start_end__lte=hi))
    return list(qs[:PERIODS_LISTED_MAX])


def place_events_for_download(place: Place, filters: EventFilters) -> QuerySet[Event]:
    from conflict.selectors.feed import events_for_feed

    return events_for_feed(place_events(place, filters))


# --- event page --------------------------------------------------------------------

def event_for_page(event_id: int) -> tuple[Event | None, int | None]:
    """(event, None), or (None, id to redirect to) for a merged event, following merge chains."""
    seen: set[int] = set()
    current = event_id
    while True:
        row = Event.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if row is None and not Event.objects.filter(pk=current).exists():
            raise Http404("no such event")
        if row is None or current in seen:
            break
        seen.add(current)
        current = row
    if current != event_id:
        return None, current
    event = _page_events(Event.objects.filter(pk=event_id)).select_related("reviewed_by").prefetch_related(
        Prefetch("control_periods", queryset=ControlPeriod.objects.select_related("holder").order_by("position")),
        "merged_events",
    ).get()
    return event, None


# --- actor, source, report pages ---------------------------------------------------

def actor_by_slug(slug: str) -> Actor:
    actor = Actor.objects.select_related("parent").filter(slug=slug).first()
    if actor is None:
        raise Http404(f"no actor called {slug!r}")
    return actor


@dataclass
class ActorPage:
    actor: Actor
    held: list[tuple[Place, list[ControlPeriod]]]
    events: Page
    members: list[Actor]
    sources: list[Source]


def actor_page(actor: Actor, *, page: Any = 1) -> ActorPage:
    held: dict[int, tuple[Place, list[ControlPeriod]]] = {}
    for period in places_held_by_actor(actor.id):
        held.setdefault(period.place_id, (period.place, []))[1].append(period)
    family = Q(actor1=actor) | Q(actor2=actor) | Q(actor1__parent=actor) | Q(actor2__parent=actor)
    qs = (
        Event.objects.filter(family, merged_into__isnull=True).exclude(status=Event.Status.REJECTED)
        .order_by("-date_start", "-id")
    )
    events = _paginate(_page_events(qs), page, EVENTS_PER_PAGE)
    return ActorPage(
        actor=actor, held=list(held.values()), events=events,
        members=list(Actor.objects.filter(parent=actor).order_by("name")),
        sources=list(Source.objects.filter(affiliation=actor).order_by("name")),
    )


def source_by_slug(slug: str) -> Source:
    source = Source.objects.select_related("affiliation").filter(slug=slug).first()
    if source is None:
        raise Http404(f"no source called {slug!r}")
    return source


def source_reports(source: Source, *, page: Any = 1) -> Page:
    qs = (
        Report.objects.filter(source=source).annotate(claim_count=Count("claims"))
        .order_by("-published", "-id").defer("text", "spans", "metadata")
    )
    return _paginate(qs, page, REPORTS_PER_PAGE)


@dataclass
class ReportPage:
    report: Report
    html: Any
    claims: list[Claim]


def report_page(report_id: int) -> ReportPage:
    report = Report.objects.select_related("source", "duplicate_of", "near_duplicate_of").filter(pk=report_id).first()
    if report is None:
        raise Http404("no such report")
    claims = list(
        Claim.objects.filter(report=report).select_related("place", "actor1", "actor2", "event", "speaker_actor")
        .order_by("span_start", "id")
    )
    html = highlighted_report_text(report.text, report.spans, [(c.id, c.span_start, c.span_end) for c in claims])
    return ReportPage(report=report, html=html, claims=claims)
