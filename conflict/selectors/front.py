"""The front on a date: who held every place on day D, and what changed between two days.

Feeds the map page (/map/), its SVG and GeoJSON downloads and GET /api/control/, so
they cannot disagree. The rule for "who held a place on D" is the one of
../shared/tools/score_control.py: a period covers D when D lies between its earliest
possible start and its latest possible end (no start: since ever; no end: still
current); of the periods covering D the one that began last wins. The holder is
*uncertain* on D when periods with different holders cover it, i.e. D falls inside the
uncertain boundary between them ("ISIS until between 13 and 15 December, then the SDF").

Reading every place on D is one indexed range query (ControlPeriod.Meta's
`control_span_gist`) however many places there are; the days on which any place
changed hands are one window query, cached until a control period changes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Func, Q, Value
from django.db.models.fields import DateField

from conflict.dates import PRECISIONS, DateInterval
from conflict.models import Actor, ControlPeriod, Event, EventType, Place, PlaceKind, control_span
from conflict.selectors.api import actor_ids_for, admin1_values_for, data_version

PARAMS = ("at", "compare", "admin1", "holder", "kind")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Changed places listed (with their events) under a comparison; the map highlights them all.
CHANGES_LISTED_MAX = 100
EVENTS_PER_CHANGE_MAX = 5
HOLDER_CHANGING = (EventType.CAPTURE, EventType.WITHDRAWAL)
UNKNOWN_COLOR = "#b8b8b8"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- the query ---------------------------------------------------------------------

@dataclass
class FrontQuery:
    """The parsed, validated query of the map page and of /api/control/."""

    at: dt.date
    compare: dt.date | None = None
    admin1: list[str] | None = None
    holder_ids: list[int] | None = None
    kind: str = ""
    # The raw filter values, to put back in forms and links.
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Mapping[str, Any], *, today: dt.date) -> FrontQuery:
        """Read at, compare, admin1, holder and kind; a bad value is left out and named in `errors`."""
        out = cls(at=today)
        for name in PARAMS:
            raw = (params.get(name) or "").strip()[:200]
            if "\x00" in raw:
                out.errors[name] = "must not contain NUL characters"
            elif raw:
                out.raw[name] = raw
        for name in ("at", "compare"):
            raw = out.raw.get(name)
            if raw is None:
                continue
            day = _parse_day(raw)
            if day is None:
                out.errors[name] = "must be a date, YYYY-MM-DD"
                out.raw.pop(name)
            else:
                setattr(out, name, day)
        if "admin1" in out.raw:
            found = admin1_values_for(out.raw["admin1"])
            if found:
                out.admin1 = found
            else:
                out.errors["admin1"] = f"no place lies in a governorate called {out.raw.pop('admin1')!r}"
        if "holder" in out.raw:
            ids = actor_ids_for(out.raw["holder"])
            if ids:
                out.holder_ids = ids
            else:
                out.errors["holder"] = f"no actor matches {out.raw.pop('holder')!r} (give an id, a slug or a name)"
        if "kind" in out.raw:
            if out.raw["kind"] in PlaceKind.values:
                out.kind = out.raw["kind"]
            else:
                out.errors["kind"] = f"unknown place kind; use one of {', '.join(PlaceKind.values)}"
                out.raw.pop("kind")
        return out

    def filters(self) -> dict[str, str]:
        """The filter parameters as given (no dates): for links that keep the filters."""
        return {k: v for k, v in self.raw.items() if k not in ("at", "compare")}

    def key(self) -> str:
        return repr((self.admin1, self.holder_ids, self.kind))


def _parse_day(raw: str) -> dt.date | None:
    if not _ISO_DAY.match(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


# --- who held a place on a date (pure) -----------------------------------------------

FAR_PAST = dt.date.min
FAR_FUTURE = dt.date.max


def period_bounds(start: DateInterval | None, end: DateInterval | None) -> tuple[dt.date, dt.date]:
    """The earliest possible start and the latest possible end of a period."""
    lower = (start.start or start.end) if start else None
    upper = (end.end or end.start) if end else None
    return lower or FAR_PAST, upper or FAR_FUTURE


@dataclass(frozen=True, slots=True)
class HolderOnDate:
    period: Any  # the ControlPeriod (or row) that answers
    uncertain: bool


def _side(holder_id: int | None, parent_id: int | None) -> int | None:
    # The YPG holding a town is the SDF holding it (one level, as the actors are kept).
    return parent_id or holder_id


def _pick(day: dt.date, candidates: Sequence[tuple[dt.date, dt.date, int, int | None, Any]]) -> HolderOnDate | None:
    """candidates: (lower bound, upper bound, position, side, period) of the periods covering the day."""
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (-c[0].toordinal(), c[2]))
    # Another side covering the day means the day lies inside an uncertain change of holder;
    # a change known to the day (the old period ends and the new one starts on it) is certain.
    uncertain = any(
        c[3] != best[3] and not (c[1] == day == best[0]) for c in candidates
    )
    return HolderOnDate(best[4], uncertain)


def holder_on_date(periods: Iterable[ControlPeriod], day: dt.date) -> HolderOnDate | None:
    """Who held a place on `day`, from its periods: the covering period that began last
    (ties: the earlier position), and whether periods with another holder cover the day too.
    None when no period covers it (no data)."""
    candidates = []
    for p in periods:
        lower, upper = period_bounds(p.start, p.end)
        if lower <= day <= upper:
            parent = p.holder.parent_id if p.holder_id and p.holder is not None else None
            candidates.append((lower, upper, p.position, _side(p.holder_id, parent), p))
    return _pick(day, candidates)


# --- every place on a date -----------------------------------------------------------

class PlaceControl:
    """One place on one date, as the map draws it and the API returns it: a view over one
    row, a plain tuple (see PlaceRows)."""

    __slots__ = ("row",)

    def __init__(self, row: tuple) -> None:
        self.row = row

    place_id = property(lambda self: self.row[0])
    name = property(lambda self: self.row[1])
    slug = property(lambda self: self.row[2])
    kind = property(lambda self: self.row[3])
    admin1 = property(lambda self: self.row[4])
    lat = property(lambda self: self.row[5])
    lon = property(lambda self: self.row[6])
    holder_id = property(lambda self: self.row[7])
    holder_name = property(lambda self: self.row[8])
    holder_color = property(lambda self: self.row[9])
    side = property(lambda self: self.row[10])
    state = property(lambda self: self.row[11])
    confidence = property(lambda self: self.row[12])
    uncertain = property(lambda self: self.row[13])
    # The period's bounds as stored (start, end, precision).
    start_raw = property(lambda self: self.row[14:17])
    end_raw = property(lambda self: self.row[17:20])

    @property
    def holder_label(self) -> str:
        return self.holder_name or "Unknown"

    @property
    def start(self) -> DateInterval | None:
        return _interval(*self.start_raw)

    @property
    def end(self) -> DateInterval | None:
        return _interval(*self.end_raw)


class PlaceRows(list):
    """Places on a date: plain tuples, seen as PlaceControl when iterated or indexed.

    Why tuples: the garbage collector stops tracking a tuple of numbers, strings and dates,
    but not an object. 5,000 objects kept through a request pushed Python into a full
    collection (about 50 ms with Django loaded) every third map request."""

    def __iter__(self):
        return map(PlaceControl, super().__iter__())

    def __getitem__(self, i):
        found = super().__getitem__(i)
        return PlaceRows(found) if isinstance(i, slice) else PlaceControl(found)

    def rows(self):
        return super().__iter__()


class _Covers(Func):
    """range @> day"""

    template = "%(expressions)s"
    arg_joiner = " @> "
    output_field = BooleanField()


_COLUMNS = ("place_id", "place__name", "place__slug", "place__kind", "place__admin1", "place__lat", "place__lon",
            "holder_id", "holder__name", "holder__color", "holder__parent_id", "state", "confidence", "position",
            "start_start", "start_end", "start_precision", "end_start", "end_end", "end_precision")


def _interval(start: dt.date | None, end: dt.date | None, precision: str) -> DateInterval | None:
    if start is None and end is None:
        return None
    return DateInterval(start, end, precision or "unknown")


def _places_filter(query: FrontQuery) -> Q:
    q = ~Q(place__status=Place.Status.MERGED)
    if query.admin1:
        q &= Q(place__admin1__in=query.admin1)
    if query.kind:
        q &= Q(place__kind=query.kind)
    else:
        # A dot in the middle of a region (the Euphrates pocket, a governorate) would claim
        # the whole of it; regions are shown only when asked for by kind.
        q &= ~Q(place__kind=PlaceKind.REGION)
    return q


def control_on(day: dt.date, query: FrontQuery) -> PlaceRows:
    """Every place (within the query's filters) with a period covering `day`, by name.

    One query: the periods whose span contains the day (an index lookup), joined to their
    place and holder; the choice among a place's covering periods is made here."""
    qs = (
        ControlPeriod.objects.filter(_Covers(control_span(), Value(day, output_field=DateField())))
        .filter(_places_filter(query))
        .order_by("place_id")
        .values_list(*_COLUMNS)
    )
    # The rows straight from the cursor: these columns need none of Django's converters on
    # PostgreSQL, and skipping its per-row machinery halves the time of 5,000 rows.
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    holders = set(query.holder_ids or ())
    out: list[tuple] = []
    colors: dict[str | None, str] = {}
    i, n = 0, len(rows)
    while i < n:
        j = i + 1
        while j < n and rows[j][0] == rows[i][0]:
            j += 1
        if j == i + 1:
            # Most places on most days: one period covers the day, nothing to weigh.
            r, uncertain = rows[i], False
        else:
            picked = _pick(day, [
                (r[14] or r[15] or FAR_PAST, r[18] or r[17] or FAR_FUTURE, r[13], _side(r[7], r[10]), r)
                for r in rows[i:j]
            ])
            r, uncertain = picked.period, picked.uncertain
        i = j
        if holders and not (r[7] in holders or r[10] in holders):
            continue
        color = colors.get(r[9])
        if color is None:
            color = colors[r[9]] = r[9] if r[9] and _HEX.match(r[9]) else UNKNOWN_COLOR
        out.append((r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or "", color, r[10] or r[7], r[11], r[12],
                    uncertain, r[14], r[15], r[16], r[17], r[18], r[19]))
    out.sort(key=lambda p: (p[1].lower(), p[0]))
    return PlaceRows(out)


# --- the days on which places changed hands -----------------------------------------

_CHANGE_DAYS_SQL = """
SELECT DISTINCT day FROM (
    SELECT COALESCE(cp.start_start, cp.start_end) AS day,
           COALESCE(a.parent_id, cp.holder_id) AS side,
           LAG(COALESCE(a.parent_id, cp.holder_id)) OVER w AS side_before,
           ROW_NUMBER() OVER w AS n
    FROM conflict_controlperiod cp
    JOIN conflict_place p ON p.id = cp.place_id
    LEFT JOIN conflict_actor a ON a.id = cp.holder_id
    WHERE {where}
    WINDOW w AS (PARTITION BY cp.place_id ORDER BY cp.position)
) periods
WHERE n > 1 AND day IS NOT NULL AND side IS DISTINCT FROM side_before {holder}
ORDER BY day
"""

_SPAN_SQL = """
SELECT MIN(LEAST(cp.start_start, cp.start_end, cp.end_start, cp.end_end)),
       MAX(GREATEST(cp.start_start, cp.start_end, cp.end_start, cp.end_end))
FROM conflict_controlperiod cp JOIN conflict_place p ON p.id = cp.place_id WHERE {where}
"""


@dataclass
class Timeline:
    """The span of the data and the days on which a place changed hands, in order."""

    first: dt.date | None
    last: dt.date | None
    change_days: list[dt.date]
    admin1_choices: list[str]
    holder_choices: list[tuple[str, str]]  # (slug, name) of the actors that hold or held a place

    def previous_change(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_left(self.change_days, day)
        return self.change_days[i - 1] if i > 0 else None

    def next_change(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_right(self.change_days, day)
        return self.change_days[i] if i < len(self.change_days) else None


def _timeline_read(query: FrontQuery) -> Timeline:
    where = ["p.status <> %s"]
    params: list[Any] = [Place.Status.MERGED]
    if query.admin1:
        where.append("p.admin1 = ANY(%s)")
        params.append(list(query.admin1))
    if query.kind:
        where.append("p.kind = %s")
        params.append(query.kind)
    else:
        where.append("p.kind <> %s")
        params.append(PlaceKind.REGION)
    holder_sql, holder_params = "", []
    if query.holder_ids:
        # Days on which the chosen side gained or lost a place.
        holder_sql = "AND (side = ANY(%s) OR side_before = ANY(%s))"
        sides = sorted(set(query.holder_ids) | set(
            Actor.objects.filter(pk__in=query.holder_ids, parent__isnull=False).values_list("parent_id", flat=True)))
        holder_params = [sides, sides]
    with connection.cursor() as cursor:
        cursor.execute(_CHANGE_DAYS_SQL.format(where=" AND ".join(where), holder=holder_sql),
                       [*params, *holder_params])
        days = [row[0] for row in cursor.fetchall()]
        cursor.execute(_SPAN_SQL.format(where=" AND ".join(where)), params)
        first, last = cursor.fetchone()
    admin1 = sorted(
        a for a in Place.objects.filter(control_periods__isnull=False).exclude(admin1="")
        .values_list("admin1", flat=True).distinct().order_by()
    )
    holders = list(
        Actor.objects.filter(pk__in=ControlPeriod.objects.filter(holder__isnull=False).values("holder_id"))
        .order_by("name").values_list("slug", "name")
    )
    return Timeline(first, last, days, admin1, holders)


def timeline(query: FrontQuery) -> Timeline:
    """The Timeline for the query's filters, cached until a period, a place or an actor changes."""
    version = data_version(("control", "place", "actor"))
    key = "front-timeline:" + hashlib.sha1(repr((version, query.key())).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _timeline_read(query)
        cache.set(key, found, 3600)
    return found


# --- a comparison --------------------------------------------------------------------

@dataclass
class Change:
    """A place whose holder on one date is not its holder on the other."""

    before: PlaceControl | None  # on the earlier date
    after: PlaceControl | None  # on the later date
    events: list[Event] = field(default_factory=list)

    @property
    def place(self) -> PlaceControl:
        return self.after or self.before  # type: ignore[return-value]


def compare_control(first: PlaceRows, second: PlaceRows, *, days: tuple[dt.date, dt.date]) -> list[Change]:
    """The places whose side differs between two lists (earlier, later), with the captures and
    withdrawals at them between the two days (one query for the places listed)."""
    before = {r[0]: r for r in first.rows()}
    after = {r[0]: r for r in second.rows()}
    changed = [
        pid for pid in set(before) | set(after)
        if (before[pid][10] if pid in before else -1) != (after[pid][10] if pid in after else -1)
    ]
    changed.sort(key=lambda pid: ((after.get(pid) or before[pid])[1].lower(), pid))
    changes = [
        Change(PlaceControl(before[pid]) if pid in before else None, PlaceControl(after[pid]) if pid in after else None)
        for pid in changed
    ]
    listed = {c.place.place_id: c for c in changes[:CHANGES_LISTED_MAX]}
    if listed:
        lo, hi = days
        events = (
            Event.objects.filter(place_id__in=list(listed), merged_into__isnull=True, type__in=HOLDER_CHANGING)
            .exclude(status=Event.Status.REJECTED)
            .filter(Q(date_start__lte=hi) | Q(date_start__isnull=True, date_end__lte=hi))
            .filter(Q(date_end__gte=lo) | Q(date_end__isnull=True, date_start__gte=lo))
            .exclude(date_start__isnull=True, date_end__isnull=True)
            .select_related("actor1", "actor2")
            .order_by("place_id", "date_start", "id")
        )
        for event in events:
            change = listed[event.place_id]
            if len(change.events) < EVENTS_PER_CHANGE_MAX:
                change.events.append(event)
    return changes


# --- the whole view ------------------------------------------------------------------

@dataclass
class FrontView:
    query: FrontQuery
    places: PlaceRows
    timeline: Timeline
    changes: list[Change] | None = None  # with a comparison
    compare_places: PlaceRows | None = None

    @property
    def at(self) -> dt.date:
        return self.query.at

    @property
    def previous_change(self) -> dt.date | None:
        return self.timeline.previous_change(self.at)

    @property
    def next_change(self) -> dt.date | None:
        return self.timeline.next_change(self.at)

    @property
    def earlier(self) -> dt.date:
        return min(self.at, self.query.compare or self.at)

    @property
    def later(self) -> dt.date:
        return max(self.at, self.query.compare or self.at)

    @property
    def changed_ids(self) -> set[int]:
        return {c.place.place_id for c in self.changes or ()}

    @property
    def changes_listed(self) -> list[Change]:
        return (self.changes or [])[:CHANGES_LISTED_MAX]

    @functools.cached_property
    def located(self) -> PlaceRows:
        return PlaceRows(r for r in self.places.rows() if r[5] is not None and r[6] is not None)

    @property
    def unlocated_count(self) -> int:
        return len(self.places) - len(self.located)

    def legend(self) -> list[tuple[str, str, int]]:
        """(holder, colour, places) for the holders on the map, most places first."""
        counts: dict[tuple[str, str], int] = {}
        for p in self.places:
            key = (p.holder_label, p.holder_color)
            counts[key] = counts.get(key, 0) + 1
        return sorted(((h, c, n) for (h, c), n in counts.items()), key=lambda x: (-x[2], x[0]))

    def state_counts(self) -> dict[str, int]:
        out = {"contested": 0, "besieged": 0, "uncertain": 0}
        for p in self.places:
            if p.state in out:
                out[p.state] += 1
            if p.uncertain:
                out["uncertain"] += 1
        return out


def front_view(query: FrontQuery) -> FrontView:
    """Everything the map page, its downloads and /api/control/ show for a query."""
    places = control_on(query.at, query)
    view = FrontView(query=query, places=places, timeline=timeline(query))
    if query.compare is not None:
        other = places if query.compare == query.at else control_on(query.compare, query)
        view.compare_places = other
        earlier, later = (places, other) if query.at <= query.compare else (other, places)
        view.changes = compare_control(earlier, later, days=tuple(sorted((query.at, query.compare))))
    return view


# --- GeoJSON -------------------------------------------------------------------------
#
# Written as text, feature by feature, from JSON fragments that repeat (a place's own
# record, a holder, a period bound): building 5,000 nested dicts and encoding them took
# four times as long. tests/selectors/test_front.py holds the text to the same shape.

_NOT_COVERED = '"holder":null,"color":null,"state":null,"confidence":null,"uncertain":null,"period":null'
_PLACE_JSON: dict[tuple, tuple[str, str]] = {}
_PLACE_JSON_MAX = 100_000


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _place_json(row: tuple) -> tuple[str, str]:
    """The geometry and the place record of a place: the same on every date, so kept per process."""
    key = row[:7]
    found = _PLACE_JSON.get(key)
    if found is None:
        if len(_PLACE_JSON) >= _PLACE_JSON_MAX:
            _PLACE_JSON.clear()
        place_id, name, slug, kind, admin1, lat, lon = key
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        place = {"id": place_id, "name": name, "slug": slug, "kind": kind, "admin1": admin1}
        found = _PLACE_JSON[key] = (_dumps(geometry), _dumps(place))
    return found


class _Fragments:
    """JSON of the holders and period bounds of one answer (each holder encoded once)."""

    def __init__(self) -> None:
        self.holders: dict[tuple, str] = {}

    def holder(self, row: tuple) -> str:
        key = row[7:10]
        found = self.holders.get(key)
        if found is None:
            holder_id, name, color = key
            holder = {"id": holder_id, "name": name} if holder_id else None
            found = self.holders[key] = f'"holder":{_dumps(holder)},"color":{_dumps(color)}'
        return found

    @staticmethod
    def bound(start: dt.date | None, end: dt.date | None, precision: str) -> str:
        # Dates and the precision vocabulary need no escaping; most bounds occur once, so no json.dumps.
        if start is None and end is None:
            return "null"
        return (f'{{"start":{_iso_json(start)},"end":{_iso_json(end)},'
                f'"precision":"{precision if precision in PRECISIONS else "unknown"}"}}')

    def on_date(self, row: tuple) -> str:
        # repr() of a float is its JSON (confidence is never NaN or infinite).
        return (f'{self.holder(row)},"state":"{row[11]}","confidence":{float(row[12])!r},'
                f'"uncertain":{"true" if row[13] else "false"},'
                f'"period":{{"start":{self.bound(*row[14:17])},"end":{self.bound(*row[17:20])}}}')


def front_geojson(view: FrontView) -> str:
    """The view as GeoJSON text: a FeatureCollection with one Point feature per place, its
    holder, state and confidence on `at` (and on `compare`, with `changed` and the events
    that changed it, when asked), and the span of the data and the neighbouring days of change."""
    fragments = _Fragments()
    other = {r[0]: r for r in view.compare_places.rows()} if view.compare_places is not None else {}
    changes = {c.place.place_id: c for c in view.changes or ()}
    at_ids = {r[0] for r in view.places.rows()}
    places = list(view.places.rows())
    if view.compare_places is not None:
        # A place covered on the other date only is part of the comparison too.
        places += [r for r in view.compare_places.rows() if r[0] not in at_ids]
    features = []
    for row in places:
        place_id = row[0]
        props = fragments.on_date(row) if place_id in at_ids else _NOT_COVERED
        if view.compare_places is not None:
            o = other.get(place_id)
            change = changes.get(place_id)
            events = ",".join(str(e.id) for e in change.events) if change else ""
            props += (f',"compare":{"{" + fragments.on_date(o) + "}" if o else "null"},'
                      f'"changed":{"true" if change else "false"},"change_events":[{events}]')
        geometry, place = _place_json(row)
        features.append(f'{{"type":"Feature","id":{place_id},"geometry":{geometry},"properties":{{"place":{place},'
                        f"{props}}}}}")
    first, last = view.timeline.first, view.timeline.last
    head = _dumps({
        "type": "FeatureCollection",
        "at": view.at.isoformat(),
        "compare": view.query.compare.isoformat() if view.query.compare else None,
        "previous_change": _iso(view.previous_change),
        "next_change": _iso(view.next_change),
        "span": {"first": _iso(first), "last": _iso(last)},
    })
    return head[:-1] + ',"features":[' + ",\n".join(features) + "]}\n"


def _iso_json(day: dt.date | None) -> str:
    return f'"{day.isoformat()}"' if day else "null"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
