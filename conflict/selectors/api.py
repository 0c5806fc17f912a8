"""Reads behind the REST API: filters resolved to ids, list querysets, detail records,
the lean row path of the bulk exports, and the cheap data version behind ETags.

Every record shape here is the one of conflict.selectors.feed, so the API, the exports
and the pages never disagree.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Q, QuerySet

from conflict.models import Actor, ActorName, ChangeRecord, Claim, ControlPeriod, Event, Place, PlaceName, Source
from conflict.names import normalize_name
from conflict.selectors.changes import SAFE_HORIZON_SQL
from conflict.selectors.feed import claim_record, event_feed_record, events_for_feed, place_record
from reports.models import Report

# --- resolving names to ids ------------------------------------------------------

def place_ids_for(value: str) -> list[int]:
    """Places named by an id, a slug or any spelling (several places may share one)."""
    value = value.strip()
    if value.isdigit():
        return list(Place.objects.filter(pk=int(value)).values_list("id", flat=True))
    by_slug = list(Place.objects.filter(slug=value).values_list("id", flat=True))
    if by_slug:
        return by_slug
    normalized = normalize_name(value)
    if not normalized:
        return []
    return sorted(set(PlaceName.objects.filter(normalized=normalized).values_list("place_id", flat=True)))


def actor_ids_for(value: str) -> list[int]:
    value = value.strip()
    if value.isdigit():
        return list(Actor.objects.filter(pk=int(value)).values_list("id", flat=True))
    by_slug = list(Actor.objects.filter(Q(slug=value) | Q(name__iexact=value)).values_list("id", flat=True))
    if by_slug:
        return by_slug
    normalized = normalize_name(value)
    if not normalized:
        return []
    return sorted(set(ActorName.objects.filter(normalized=normalized).values_list("actor_id", flat=True)))


def source_ids_for(value: str) -> list[int]:
    value = value.strip()
    if value.isdigit():
        return list(Source.objects.filter(pk=int(value)).values_list("id", flat=True))
    return list(Source.objects.filter(slug=value).values_list("id", flat=True))


def admin1_values_for(value: str) -> list[str]:
    return list(
        Place.objects.filter(admin1__iexact=value.strip()).values_list("admin1", flat=True).distinct()
    )


# --- the event feed ----------------------------------------------------------------

@dataclass
class EventFilter:
    """Parsed, validated filters of /api/events/ (the view builds it from the query string)."""

    place_ids: list[int] | None = None
    bbox: tuple[float, float, float, float] | None = None
    admin1: list[str] | None = None
    actor_ids: list[int] | None = None
    actor1_ids: list[int] | None = None
    actor2_ids: list[int] | None = None
    types: list[str] | None = None
    statuses: list[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    min_confidence: float | None = None
    source_ids: list[int] | None = None
    updated_since: dt.datetime | None = None


DEFAULT_STATUSES = (Event.Status.AUTO, Event.Status.REVIEWED)


def events_filtered(flt: EventFilter) -> QuerySet[Event]:
    """Current (unmerged) events matching the filters, unordered."""
    qs = Event.objects.filter(merged_into__isnull=True)
    qs = qs.filter(status__in=flt.statuses or list(DEFAULT_STATUSES))
    if flt.place_ids is not None:
        qs = qs.filter(place_id__in=flt.place_ids)
    if flt.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = flt.bbox
        qs = qs.filter(place__lon__gte=min_lon, place__lon__lte=max_lon, place__lat__gte=min_lat,
                       place__lat__lte=max_lat)
    if flt.admin1 is not None:
        qs = qs.filter(place__admin1__in=flt.admin1)
    if flt.actor_ids is not None:
        qs = qs.filter(Q(actor1_id__in=flt.actor_ids) | Q(actor2_id__in=flt.actor_ids))
    if flt.actor1_ids is not None:
        qs = qs.filter(actor1_id__in=flt.actor1_ids)
    if flt.actor2_ids is not None:
        qs = qs.filter(actor2_id__in=flt.actor2_ids)
    if flt.types:
        qs = qs.filter(type__in=flt.types)
    # Overlap with [date_from, date_to]; an unknown bound is open, an unknown date matches no range.
    if flt.date_from is not None:
        qs = qs.filter(Q(date_end__gte=flt.date_from) | Q(date_end__isnull=True, date_start__isnull=False))
    if flt.date_to is not None:
        qs = qs.filter(Q(date_start__lte=flt.date_to) | Q(date_start__isnull=True, date_end__isnull=False))
    if flt.min_confidence is not None:
        qs = qs.filter(confidence__gte=flt.min_confidence)
    if flt.source_ids is not None:
        # A semi-join on the source's claims: PostgreSQL hashes them once, where a
        # correlated EXISTS probes claims and reports for every event it walks past.
        qs = qs.filter(pk__in=Claim.objects.filter(report__source_id__in=flt.source_ids).values("event_id"))
    if flt.updated_since is not None:
        qs = qs.filter(updated_at__gte=flt.updated_since)
    return qs


def event_resolve(event_id: int) -> Event | None:
    return Event.objects.filter(pk=event_id).only("id", "merged_into_id", "updated_at").first()


def event_final_target(event: Event) -> int:
    """Where a merged event lives now: follow merged_into to the end of the chain."""
    seen = {event.pk}
    target = event.merged_into_id
    while target is not None:
        nxt = Event.objects.filter(pk=target).values_list("merged_into_id", flat=True).first()
        if nxt is None or nxt in seen:
            return target
        seen.add(target)
        target = nxt
    return event.pk


HISTORY_LIMIT = 20


def event_detail(event_id: int) -> dict[str, Any] | None:
    """The feed record plus the event's history summary, newest change first."""
    event = events_for_feed(Event.objects.filter(pk=event_id)).first()
    if event is None:
        return None
    record = event_feed_record(event)
    changes = ChangeRecord.objects.filter(object_type="event", object_id=event_id).select_related("user")
    total = changes.count()
    record["history"] = {
        "count": total,
        "changes": [
            {
                "action": c.action,
                "at": c.at.isoformat().replace("+00:00", "Z"),
                "user": c.user.username if c.user_id else None,
                "reason": c.reason,
            }
            for c in changes.order_by("-at", "-id")[:HISTORY_LIMIT]
        ],
    }
    record["version"] = event.version
    record["reviewed_at"] = event.reviewed_at.isoformat().replace("+00:00", "Z") if event.reviewed_at else None
    return record


# --- the lean bulk path ------------------------------------------------------------

_EVENT_COLUMNS = (
    "id", "type", "status", "date_start", "date_end", "date_precision", "place_id", "place__name", "place__slug",
    "place__kind", "place__lat", "place__lon", "place__admin1", "place__status", "actor1_id", "actor1__name",
    "actor2_id", "actor2__name", "confidence", "disagreements", "flags", "casualties", "merged_into_id", "updated_at",
)
_CLAIM_COLUMNS = (
    "id", "event_id", "type", "report_id", "report__origin", "report__file_name", "report__title",
    "report__published", "report__source_id", "report__source__name", "quote", "span_start", "span_end",
    "date_start", "date_end", "date_precision", "speaker", "tagger_version", "flags",
)


def _date_json(start: dt.date | None, end: dt.date | None, precision: str) -> dict[str, Any]:
    return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
            "precision": precision}


def _lean_claim(c: dict[str, Any]) -> dict[str, Any]:
    published = c["report__published"]
    return {
        "id": c["id"],
        "type": c["type"],
        "report": {
            "id": c["report_id"],
            "origin": c["report__origin"],
            "file_name": c["report__file_name"],
            "title": c["report__title"],
            "published": published.isoformat() if published else None,
            "source": c["report__source__name"] if c["report__source_id"] else None,
        },
        "quote": c["quote"],
        "span": [c["span_start"], c["span_end"]],
        "date": _date_json(c["date_start"], c["date_end"], c["date_precision"]),
        "speaker": c["speaker"],
        "tagger_version": c["tagger_version"],
        "flags": c["flags"],
    }


def _lean_event(e: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": e["id"],
        "type": e["type"],
        "status": e["status"],
        "date": _date_json(e["date_start"], e["date_end"], e["date_precision"]),
        "place": {
            "id": e["place_id"],
            "name": e["place__name"],
            "slug": e["place__slug"],
            "kind": e["place__kind"],
            "lat": e["place__lat"],
            "lon": e["place__lon"],
            "admin1": e["place__admin1"],
            "status": e["place__status"],
        },
        "actor1": {"id": e["actor1_id"], "name": e["actor1__name"]} if e["actor1_id"] else None,
        "actor2": {"id": e["actor2_id"], "name": e["actor2__name"]} if e["actor2_id"] else None,
        "confidence": e["confidence"],
        "claims": claims,
        "disagreements": e["disagreements"],
        "flags": e["flags"],
        "casualties": e["casualties"],
        "merged_into": e["merged_into_id"],
        "updated_at": e["updated_at"].isoformat().replace("+00:00", "Z"),
    }


def event_records_lean(qs: QuerySet[Event]) -> list[dict[str, Any]]:
    """The same records as event_feed_record, built from plain rows (two queries, no model
    instances): the bulk exports go through here to stay well above 20,000 events/s."""
    rows = list(qs.values(*_EVENT_COLUMNS))
    if not rows:
        return []
    by_event: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    claims = (
        Claim.objects.filter(event_id__in=list(by_event))
        .order_by("report_id", "span_start")
        .values_list(*_CLAIM_COLUMNS)
    )
    # A plain fetch: the ids bound it to one chunk's claims, and a server-side cursor
    # (WITH HOLD in autocommit) would materialise the result a second time.
    for values in claims:
        c = dict(zip(_CLAIM_COLUMNS, values, strict=True))
        by_event[c["event_id"]].append(_lean_claim(c))
    return [_lean_event(r, by_event[r["id"]]) for r in rows]


def _sql_date(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM-DD')"


def _sql_interval(prefix: str) -> str:
    start, end = _sql_date(f"{prefix}.date_start"), _sql_date(f"{prefix}.date_end")
    return f"json_build_object('start', {start}, 'end', {end}, 'precision', {prefix}.date_precision)"


# event_feed_record built by PostgreSQL, one JSON text per event. isoformat() drops
# the fraction of a whole second, so the timestamp does too.
_EVENT_JSON_SQL = f"""
SELECT json_build_object(
    'id', e.id, 'type', e.type, 'status', e.status, 'date', {_sql_interval("e")},
    'place', json_build_object('id', p.id, 'name', p.name, 'slug', p.slug, 'kind', p.kind, 'lat', p.lat,
                               'lon', p.lon, 'admin1', p.admin1, 'status', p.status),
    'actor1', CASE WHEN a1.id IS NULL THEN NULL ELSE json_build_object('id', a1.id, 'name', a1.name) END,
    'actor2', CASE WHEN a2.id IS NULL THEN NULL ELSE json_build_object('id', a2.id, 'name', a2.name) END,
    'confidence', e.confidence,
    'claims', coalesce(cl.claims, '[]'::json),
    'disagreements', e.disagreements, 'flags', e.flags, 'casualties', e.casualties,
    'merged_into', e.merged_into_id,
    'updated_at', CASE WHEN date_trunc('second', e.updated_at) = e.updated_at
        THEN to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        ELSE to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
)::text
FROM unnest(%s::bigint[]) WITH ORDINALITY AS k(id, n)
-- OFFSET 0 keeps this a lookup per id: ids in date order are scattered over the table,
-- and a merge join would scan the whole primary key for every chunk.
CROSS JOIN LATERAL (SELECT * FROM conflict_event ev WHERE ev.id = k.id OFFSET 0) e
JOIN conflict_place p ON p.id = e.place_id
LEFT JOIN conflict_actor a1 ON a1.id = e.actor1_id
LEFT JOIN conflict_actor a2 ON a2.id = e.actor2_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
        'id', c.id, 'type', c.type,
        'report', json_build_object('id', r.id, 'origin', r.origin, 'file_name', r.file_name, 'title', r.title,
                                    'published', {_sql_date("r.published")}, 'source', s.name),
        'quote', c.quote, 'span', json_build_array(c.span_start, c.span_end), 'date', {_sql_interval("c")},
        'speaker', c.speaker, 'tagger_version', c.tagger_version, 'flags', c.flags
    ) ORDER BY c.report_id, c.span_start, c.id) AS claims
    FROM conflict_claim c
    JOIN reports_report r ON r.id = c.report_id
    LEFT JOIN conflict_source s ON s.id = r.source_id
    WHERE c.event_id = e.id
) cl ON true
ORDER BY k.n
"""


def event_json_lines(event_ids: Sequence[int]) -> list[str]:
    """event_feed_record of each event as JSON text, in the given order, built in one
    query by PostgreSQL: the bulk export's path, far faster than any per-row Python."""
    if not event_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_EVENT_JSON_SQL, [list(event_ids)])
        return [row[0] for row in cursor.fetchall()]


def event_json_chunks(id_chunks: Iterator[list[int]], *, workers: int = 2) -> Iterator[list[str]]:
    """event_json_lines of each chunk of ids, in order, with up to `workers` chunks built
    at once on their own connections: building JSON is the export's whole cost and
    PostgreSQL does it on one core per query. Memory stays bounded by the window of
    chunks in flight; the connections close when the stream ends or is abandoned."""
    if workers <= 1:
        for ids in id_chunks:
            yield event_json_lines(ids)
        return
    params = connection.get_connection_params()
    pool: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()
    opened: list[psycopg.Connection] = []
    lock = threading.Lock()

    def build(ids: list[int]) -> list[str]:
        try:
            conn = pool.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(**params, autocommit=True)
            with lock:
                opened.append(conn)
        try:
            with conn.cursor() as cursor:
                cursor.execute(_EVENT_JSON_SQL, [ids])
                return [row[0] for row in cursor.fetchall()]
        finally:
            pool.put(conn)

    window: deque[Future[list[str]]] = deque()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="event-json")
    try:
        for ids in id_chunks:
            window.append(executor.submit(build, ids))
            if len(window) > workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        for future in window:
            future.cancel()
        executor.shutdown(wait=True)
        for conn in opened:
            conn.close()


# --- places, actors, sources, reports ----------------------------------------------

def places_list() -> QuerySet[Place]:
    return Place.objects.exclude(status=Place.Status.MERGED)


def place_api_record(place: Place) -> dict[str, Any]:
    """The feed's place record, with the district and every spelling."""
    return {
        **place_record(place),
        "admin2": place.admin2,
        "names": sorted({n.name for n in place.names.all()}),
    }


def places_with_names(qs: QuerySet[Place]) -> QuerySet[Place]:
    return qs.prefetch_related("names")


def control_periods_for_place(place_id: int) -> list[ControlPeriod]:
    try:
        from conflict.selectors.control import control_periods_for_place as timelines_selector
    except ImportError:
        timelines_selector = None
    if timelines_selector is not None:
        return list(timelines_selector(place_id))
    return list(
        ControlPeriod.objects.filter(place_id=place_id)
        .select_related("place", "holder")
        .prefetch_related("events")
        .order_by("position")
    )


def actors_list() -> QuerySet[Actor]:
    return Actor.objects.select_related("parent").prefetch_related("names")


def actor_api_record(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "name": actor.name,
        "slug": actor.slug,
        "kind": actor.kind,
        "parent": {"id": actor.parent_id, "name": actor.parent.name} if actor.parent_id else None,
        "color": actor.color,
        "aliases": sorted({n.name for n in actor.names.all()}),
    }


def sources_list() -> QuerySet[Source]:
    return Source.objects.select_related("affiliation")


def source_api_record(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "slug": source.slug,
        "kind": source.kind,
        "url": source.url,
        "aliases": list(source.aliases or []),
        "affiliation": {"id": source.affiliation_id, "name": source.affiliation.name}
        if source.affiliation_id else None,
    }


def reports_list() -> QuerySet[Report]:
    return Report.objects.select_related("source").defer("text", "spans", "metadata")


def report_api_record(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "origin": report.origin,
        "url": report.url,
        "file_name": report.file_name,
        "title": report.title,
        "published": report.published.isoformat() if report.published else None,
        "language": report.language,
        "source": {"id": report.source_id, "name": report.source.name} if report.source_id else None,
        "status": report.status,
        "ingested_at": report.ingested_at.isoformat().replace("+00:00", "Z"),
        "duplicate_of": report.duplicate_of_id,
    }


def report_detail(report_id: int) -> dict[str, Any] | None:
    report = Report.objects.select_related("source").filter(pk=report_id).first()
    if report is None:
        return None
    record = report_api_record(report)
    claims = Claim.objects.filter(report_id=report_id).select_related("report", "report__source")
    record.update({
        "text": report.text,
        "spans": report.spans if isinstance(report.spans, list) else [],
        "error": report.error,
        "tagged_at": report.tagged_at.isoformat().replace("+00:00", "Z") if report.tagged_at else None,
        "claims": [
            {**claim_record(c), "event": c.event_id, "place": c.place_id, "actor1": c.actor1_id,
             "actor2": c.actor2_id}
            for c in claims.order_by("span_start", "id")
        ],
    })
    return record


# --- the reviewed-events Atom feeds --------------------------------------------------

FEED_SIZE = 50


def events_recently_reviewed(*, place: Place | None = None, limit: int = FEED_SIZE) -> list[Event]:
    qs = Event.objects.filter(status=Event.Status.REVIEWED, merged_into__isnull=True, reviewed_at__isnull=False)
    if place is not None:
        qs = qs.filter(place=place)
    return list(qs.select_related("place", "actor1", "actor2").order_by("-reviewed_at", "-id")[:limit])


def place_by_slug(slug: str) -> Place | None:
    return Place.objects.filter(slug=slug).first()


# --- a cheap data version for ETags --------------------------------------------------

_VERSION_PARTS = {
    "eventchange": "SELECT max(id) FROM conflict_eventchange",
    "event": "SELECT max(updated_at) FROM conflict_event",
    "claim": "SELECT max(id) FROM conflict_claim",
    "place": "SELECT max(updated_at)::text || count(*)::text FROM conflict_place",
    "actor": "SELECT max(updated_at)::text || count(*)::text FROM conflict_actor",
    "source": "SELECT max(created_at)::text || count(*)::text FROM conflict_source",
    "report": "SELECT max(updated_at) FROM reports_report",
    "control": "SELECT max(computed_at)::text || count(*)::text FROM conflict_controlperiod",
    "change": "SELECT max(id) FROM conflict_changerecord",
    # The change feed holds rows back until older transactions end, so its answer moves with xmin too.
    "xmin": "SELECT (" + SAFE_HORIZON_SQL + ")::text",
}


def data_version(parts: Sequence[str]) -> str:
    """One query: the latest write of each table a response is built from. Any write
    that changes a response moves one of these, so an unchanged version means an
    unchanged response."""
    sql = "SELECT " + ", ".join(f"({_VERSION_PARTS[p]})" for p in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return "|".join(str(v) for v in row)
