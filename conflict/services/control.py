"""Control periods from events: who held a place from when to when.

`control_recompute(place_id=...)` rebuilds every ControlPeriod of one place from its
live events (not merged, not rejected) and its `held` claims, in one transaction.
It reads everything it needs, derives the periods in pure Python (`control_derive`)
and replaces the stored rows, so running it twice gives the same rows (the Celery
task may be delivered twice).

How events become periods (domain.md):
- captures change the holder to actor1; the loser (actor2) of the first capture held
  the place before it when nothing earlier says otherwise;
- a withdrawal by the current holder leaves the holder unknown; one by anybody else
  changes nothing;
- sieges (besieged) and clashes, advances and attacks naming the holder (contested)
  mark the place for as long as they last, and keep the holder;
- a `held` claim ("the SDF-held town of Bahrah") supports the holder it names at its
  date, and fills in an unknown holder or marks a change the events do not report.

Periods tile time in order: a period's end and the next one's start are the same date
interval, which is as wide as the reports allow ("between 11 and 20 December 2018"),
never a made-up day. Captures that overlap in time but name different winners are one
contested change: the weightier side wins (reviewed events outweigh unreviewed ones,
a party's own media about its own success weighs less), the confidence drops, and the
others are kept in `alternatives`. Events with no date are placed by their report's
publication date (they happened on or before it); with no date at all they are used
only when no dated event says anything about the place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from conflict.dates import DateInterval
from conflict.models import Actor, Claim, ClaimType, ControlPeriod, Event, EventType, Place

REVIEWED_FACTOR = 2.0
SELF_SERVING_FACTOR = 0.4
# Captures by the same side this close together are one change told with different dates.
SAME_CHANGE_DAYS = 31
# Fighting this close together is one contest.
CONTEST_GAP_DAYS = 7
CONTESTING = {EventType.CLASH, EventType.ADVANCE, EventType.ATTACK}


@dataclass
class Signal:
    """One piece of evidence about control, with the interval it is known to lie in."""

    kind: str  # capture, withdrawal, held, state
    date: DateInterval
    actor1: int | None
    actor2: int | None
    weight: float
    confidence: float
    event_id: int | None = None
    event_type: str = ""
    reviewed: bool = False

    @property
    def key(self) -> dt.date:
        return self.date.start or self.date.end or dt.date.max


@dataclass
class Period:
    holder: int | None
    state: str
    start: DateInterval | None
    end: DateInterval | None
    confidence: float
    events: list[int] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)


def _precision_for(start: dt.date | None, end: dt.date | None) -> str:
    if start is None or end is None:
        return "unknown"
    days = (end - start).days + 1
    if days <= 3:
        return "day"  # as domain.md writes "13-14 December": a day, known to within a couple
    if days <= 10:
        return "week"
    if days <= 31:
        return "month"
    if days <= 366:
        return "year"
    return "unknown"


def _hull(dates: Iterable[DateInterval]) -> DateInterval:
    dates = list(dates)
    starts = [d.start for d in dates]
    ends = [d.end for d in dates]
    start = None if any(s is None for s in starts) else min(starts)
    end = None if any(e is None for e in ends) else max(ends)
    if len(dates) == 1:
        return dates[0]
    return DateInterval(start, end, _precision_for(start, end))


def _combined_confidence(values: Iterable[float]) -> float:
    miss = 1.0
    for v in values:
        miss *= 1 - min(max(v, 0.0), 0.99)
    return round(1 - miss, 3)


class _Family:
    """Compares actors up to their parent: the YPG holding a town is the SDF holding it."""

    def __init__(self, parents: dict[int, int | None]) -> None:
        self.parents = parents

    def root(self, actor: int | None) -> int | None:
        seen = 0
        while actor is not None and self.parents.get(actor) and seen < 5:
            actor = self.parents[actor]
            seen += 1
        return actor

    def same(self, a: int | None, b: int | None) -> bool:
        return a is not None and b is not None and self.root(a) == self.root(b)


def _alternative(holder: int | None, signals: Sequence[Signal], names: dict[int, str], note: str) -> dict[str, Any]:
    dates = [s.date for s in signals]
    return {
        "holder": {"id": holder, "name": names.get(holder, "")} if holder else None,
        "events": sorted({s.event_id for s in signals if s.event_id}),
        "date": _hull(dates).to_json() if dates else None,
        "weight": round(sum(s.weight for s in signals), 3),
        "note": note,
    }


def _resolve_change(
    group: list[Signal], family: _Family, names: dict[int, str]
) -> tuple[int | None, DateInterval, float, list[int], list[dict[str, Any]], int | None]:
    """One change of holder from a group of captures that describe it.

    Returns (holder, boundary, confidence, event ids, alternatives, loser).
    """
    by_side: dict[int | None, list[Signal]] = {}
    for s in group:
        by_side.setdefault(family.root(s.actor1), []).append(s)
    weights = {side: sum(s.weight for s in sigs) for side, sigs in by_side.items()}
    winner_root = max(weights, key=lambda side: (weights[side], side is not None, -(side or 0)))
    winners = by_side[winner_root]
    total = sum(weights.values())
    alternatives: list[dict[str, Any]] = []
    for side, sigs in by_side.items():
        if side != winner_root:
            alternatives.append(_alternative(sigs[0].actor1, sigs, names, "another source names another side"))
    # The reviewed word on the date wins; otherwise what all the reports allow.
    dating = [s for s in winners if s.reviewed] or winners
    boundary = dating[0].date
    disagree = False
    for s in dating[1:]:
        joined = boundary.intersect(s.date)
        if joined is None:
            disagree = True
            boundary = _hull([boundary, s.date])
        else:
            boundary = joined
    if disagree:
        alternatives.extend(
            _alternative(s.actor1, [s], names, "another source dates the change differently") for s in dating
        )
    elif len(dating) < len(winners):
        others = [s for s in winners if not s.reviewed and s.date.intersect(boundary) is None]
        if others:
            alternatives.append(_alternative(winners[0].actor1, others, names, "unreviewed reports give another date"))
    confidence = _combined_confidence(s.confidence for s in winners)
    if total > 0:
        confidence *= weights[winner_root] / total
    if disagree:
        confidence *= 0.75
    # The most weighted named side stands for the winner (the SDF rather than one of its units).
    holder = max(winners, key=lambda s: (s.actor1 is not None, s.weight)).actor1
    losers = [s.actor2 for s in winners if s.actor2]
    loser = max(set(losers), key=losers.count) if losers else None
    return holder, boundary, round(confidence, 3), [s.event_id for s in group if s.event_id], alternatives, loser


def _group_captures(captures: list[Signal], family: _Family) -> list[list[Signal]]:
    """Captures that overlap in time, or that give one side's gain twice within a month, are one change."""
    groups: list[list[Signal]] = []
    for s in sorted(captures, key=lambda s: (s.key, s.event_id or 0)):
        if groups:
            last = groups[-1]
            overlaps = any(s.date.overlaps(o.date) and o.date.is_known for o in last)
            last_end = max((o.date.end or o.key) for o in last)
            same_side_soon = all(family.same(s.actor1, o.actor1) for o in last) and (
                (s.key - last_end).days <= SAME_CHANGE_DAYS
            )
            if overlaps or same_side_soon:
                last.append(s)
                continue
        groups.append([s])
    return groups


def control_derive(
    *, signals: Sequence[Signal], parents: dict[int, int | None], names: dict[int, str]
) -> list[Period]:
    """The periods of one place from its signals (pure: no database)."""
    family = _Family(parents)
    dated = [s for s in signals if s.date.is_known]
    undated = [s for s in signals if not s.date.is_known]
    has_dated_control = any(s.kind in {"capture", "withdrawal", "held"} for s in dated)
    if not has_dated_control:
        # Undated captures and statements say who held it "at some point": nothing dated contradicts.
        timeless = [s for s in undated if s.kind in {"capture", "held"} and s.actor1]
        if timeless:
            dated_states = [s for s in dated if s.kind == "state" and s.date.start is not None]
            holder, _, confidence, events, alternatives, _ = _resolve_change(timeless, family, names)
            base = [Period(holder, ControlPeriod.State.HELD, None, None, round(confidence * 0.6, 3), events,
                           alternatives)]
            return _overlay_states(base, dated_states, family)

    changes = _changes(dated, family, names)
    # Fighting known only to have happened before some report cannot be placed or given a length.
    states = [s for s in dated if s.kind == "state" and s.date.start is not None]
    if not changes and not states:
        return []
    periods: list[Period] = []
    first_holder, first_conf = _first_holder(dated, changes, family)
    current = Period(first_holder, ControlPeriod.State.HELD, None, None, first_conf)
    for change in changes:
        holder, boundary, confidence, events, alternatives, _ = change
        if holder is not None and family.same(holder, current.holder):
            # Told again (or retaken with no loss reported): the same period goes on.
            current.events.extend(events)
            current.confidence = max(current.confidence, confidence)
            current.alternatives.extend(alternatives)
            continue
        current.end = boundary
        periods.append(current)
        current = Period(holder, ControlPeriod.State.HELD, boundary, None, confidence, list(events), alternatives)
    periods.append(current)
    return _overlay_states(periods, states, family)


def _first_holder(
    dated: list[Signal], changes: list[tuple], family: _Family
) -> tuple[int | None, float]:
    """Who held the place before the first change: a statement before it, else the first loser."""
    first_key = changes[0][1].start or changes[0][1].end if changes else dt.date.max
    for s in sorted(dated, key=lambda s: s.key):
        if s.kind == "held" and s.key < (first_key or dt.date.max):
            return s.actor1, round(s.confidence * 0.8, 3)
    if changes:
        holder, _, confidence, _, _, loser = changes[0]
        if loser is not None:
            return loser, round(confidence * 0.8, 3)
    return None, 0.3


def _changes(dated: list[Signal], family: _Family, names: dict[int, str]) -> list[tuple]:
    """Changes of holder in time order, as (holder, boundary, confidence, events, alternatives, loser)."""
    captures = [s for s in dated if s.kind == "capture"]
    others = sorted((s for s in dated if s.kind in {"withdrawal", "held"}), key=lambda s: (s.key, s.event_id or 0))
    resolved = [_resolve_change(g, family, names) for g in _group_captures(captures, family)]
    # Walk captures, withdrawals and statements together in time order.
    items: list[tuple[dt.date, int, Any]] = [((r[1].start or r[1].end), 0, r) for r in resolved]
    items += [(s.key, 1, s) for s in others]
    items.sort(key=lambda item: (item[0], item[1]))
    holder: int | None = None
    holder_known = False
    last_boundary: DateInterval | None = None
    first_loser = resolved[0][5] if resolved else None
    out: list[tuple] = []
    for _, order, item in items:
        if order == 0:
            out.append(item)
            holder, holder_known, last_boundary = item[0], True, item[1]
            continue
        s: Signal = item
        if s.kind == "withdrawal":
            if holder_known:
                leaving_holder = holder
            else:
                # Before any change: the side that leaves held it, unless the first capture names another loser.
                leaving_holder = first_loser if first_loser is not None else s.actor1
            if leaving_holder is not None and family.same(s.actor1, leaving_holder):
                out.append((None, s.date, s.confidence, [s.event_id] if s.event_id else [], [], s.actor1))
                holder, holder_known, last_boundary = None, True, s.date
            continue
        # A statement that a side holds the place.
        if holder_known and family.same(s.actor1, holder):
            continue
        if not holder_known:
            continue  # it becomes the first holder (see _first_holder) or agrees with one
        if holder is None:
            # The holder after a withdrawal was unknown: the statement names it from when it was made.
            boundary = DateInterval(last_boundary.start if last_boundary else None, s.date.end,
                                    _precision_for(last_boundary.start if last_boundary else None, s.date.end))
            out.append((s.actor1, boundary, round(s.confidence * 0.7, 3), [], [], None))
            holder, last_boundary = s.actor1, boundary
            continue
        if last_boundary is not None and last_boundary.end and s.date.end and (
            s.date.end - last_boundary.end
        ).days <= 3:
            # Said at about the time of the change: a disagreement, not a second change.
            if out:
                out[-1][4].append(_alternative(s.actor1, [s], names, "a report says this side held it"))
            continue
        start = last_boundary.start if last_boundary else None
        boundary = DateInterval(start, s.date.end, _precision_for(start, s.date.end))
        note = _alternative(s.actor1, [s], names, "a report says this side held it; no report says when it changed")
        out.append((s.actor1, boundary, round(s.confidence * 0.5, 3), [], [note], None))
        holder, last_boundary = s.actor1, boundary
    return out


def _overlay_states(periods: list[Period], states: list[Signal], family: _Family) -> list[Period]:
    """Split held periods where fighting or a siege marks the place contested or besieged."""
    if not states:
        return periods
    out: list[Period] = []
    for period in periods:
        lower = period.start.start or period.start.end if period.start else None
        upper = period.end.start or period.end.end if period.end else None
        narrow_start = period.start if period.start and (period.start.width_days or 99) <= 3 else None
        absorbed = [
            s for s in states
            if narrow_start and s.date.start and s.date.end
            and narrow_start.start <= s.date.start and s.date.end <= narrow_start.end
        ]
        # Fighting on the days of the change is the change itself, not a contest after it.
        period.events.extend(s.event_id for s in absorbed if s.event_id)
        mine = [
            s for s in states
            if s not in absorbed
            if (lower is None or s.key >= lower) and (upper is None or s.key < upper)
            and (s.event_type != EventType.ATTACK or (
                period.holder is not None
                and (family.same(s.actor1, period.holder) or family.same(s.actor2, period.holder))
            ))
        ]
        if not mine:
            out.append(period)
            continue
        groups: list[list[Signal]] = []
        for s in sorted(mine, key=lambda s: (s.key, s.event_id or 0)):
            if groups:
                group_end = max(o.date.end or o.key for o in groups[-1])
                if (s.key - group_end).days <= CONTEST_GAP_DAYS:
                    groups[-1].append(s)
                    continue
            groups.append([s])
        cursor_start = period.start
        held_events = list(period.events)
        for group in groups:
            first = group[0]
            last = max(group, key=lambda s: (s.date.end or s.key))
            state = (
                ControlPeriod.State.BESIEGED if any(s.event_type == EventType.SIEGE for s in group)
                else ControlPeriod.State.CONTESTED
            )
            out.append(Period(period.holder, ControlPeriod.State.HELD, cursor_start, first.date, period.confidence,
                              held_events, list(period.alternatives)))
            held_events = []
            runs_past = upper is not None and (last.date.end or last.key) >= upper
            end = period.end if runs_past else last.date
            out.append(Period(period.holder, state, first.date, end,
                              round(min(period.confidence, _combined_confidence(s.confidence for s in group)), 3),
                              [s.event_id for s in group if s.event_id]))
            cursor_start = end
            if runs_past:
                break
        else:
            out.append(Period(period.holder, ControlPeriod.State.HELD, cursor_start, period.end, period.confidence,
                              held_events))
    return out


# --- reading the database ---------------------------------------------------------

def _self_serving(claim: Claim, actor: int | None, family: _Family) -> bool:
    """A party's own voice (its spokesperson, or media it runs) reporting its own gain."""
    if actor is None:
        return False
    party = claim.speaker_actor_id or (claim.report.source.affiliation_id if claim.report.source_id else None)
    return family.same(party, actor)


@dataclass(frozen=True, slots=True)
class _ClaimRow:
    """What control reads of a claim (no Report row: its text, spans and metadata are big)."""

    id: int
    event_id: int | None
    report_id: int
    actor1_id: int | None
    speaker_actor_id: int | None
    date: DateInterval
    published: dt.date | None
    affiliation_id: int | None  # of the report's source, if any

    def party(self) -> int | None:
        return self.speaker_actor_id or self.affiliation_id


_CLAIM_COLUMNS = ("id", "event_id", "report_id", "actor1_id", "speaker_actor_id", "date_start", "date_end",
                  "date_precision", "report__published", "report__source__affiliation_id")


def _claim_rows(qs) -> list[_ClaimRow]:
    return [
        _ClaimRow(pk, event_id, report_id, actor1, speaker, DateInterval(start, end, precision),
                  published, affiliation)
        for pk, event_id, report_id, actor1, speaker, start, end, precision, published, affiliation
        in qs.values_list(*_CLAIM_COLUMNS)
    ]


def _row_self_serving(row: _ClaimRow, actor: int | None, family: _Family) -> bool:
    return actor is not None and family.same(row.party(), actor)


@dataclass(slots=True)
class _PlaceData:
    events: list[Event] = field(default_factory=list)
    claims: dict[int, list[_ClaimRow]] = field(default_factory=dict)  # by event id
    held: list[_ClaimRow] = field(default_factory=list)
    losers_by_report: dict[int, set[int]] = field(default_factory=dict)


def _read_places(place_ids: Sequence[int]) -> dict[int, _PlaceData]:
    """What control reads of these places, in three queries whatever their number: their
    live events, those events' claims, and their held and capture claims (only the
    columns used; the reports' texts are never read)."""
    data = {pid: _PlaceData() for pid in place_ids}
    events = list(
        Event.objects.filter(place_id__in=list(data), merged_into__isnull=True)
        .exclude(status=Event.Status.REJECTED)
        .exclude(type__in=[EventType.AIRSTRIKE, EventType.ARREST])
        .only("id", "place_id", "type", "status", "confidence", "actor1_id", "actor2_id", "date_start", "date_end",
              "date_precision")
        .order_by("date_start", "id")
    )
    by_event: dict[int, list[_ClaimRow]] = {}
    for event in events:
        data[event.place_id].events.append(event)
        by_event[event.id] = data[event.place_id].claims[event.id] = []
    if events:
        for row in _claim_rows(Claim.objects.filter(event_id__in=list(by_event))
                               .order_by("report_id", "span_start", "id")):
            by_event[row.event_id].append(row)
    place_claims = (
        Claim.objects.filter(place_id__in=list(data))
        .filter(Q(type=ClaimType.HELD, actor1__isnull=False) | Q(type=ClaimType.CAPTURE, actor2__isnull=False))
        .order_by("report_id", "span_start", "id")
    )
    for values in place_claims.values_list("place_id", "type", "actor2_id", *_CLAIM_COLUMNS):
        place_id, type_, actor2, pk, event_id, report_id, actor1, speaker, start, end, precision, published, \
            affiliation = values
        place = data[place_id]
        if type_ == ClaimType.CAPTURE:
            place.losers_by_report.setdefault(report_id, set()).add(actor2)
            continue
        place.held.append(_ClaimRow(pk, event_id, report_id, actor1, speaker, DateInterval(start, end, precision),
                                    published, affiliation))
    return data


def _signals(place: _PlaceData, family: _Family) -> list[Signal]:
    signals: list[Signal] = []
    for event in place.events:
        date = event.date
        claim_list = place.claims[event.id]
        if not date.is_known:
            published = [c.published for c in claim_list if c.published]
            if published:
                # It happened on or before the earliest report that tells it.
                date = DateInterval(None, min(published), "unknown")
        weight = event.confidence
        if event.status == Event.Status.REVIEWED:
            weight *= REVIEWED_FACTOR
        elif claim_list and all(_row_self_serving(c, event.actor1_id, family) for c in claim_list):
            weight *= SELF_SERVING_FACTOR
        kind = event.type if event.type in {EventType.CAPTURE, EventType.WITHDRAWAL} else "state"
        signals.append(Signal(kind, date, event.actor1_id, event.actor2_id, weight, event.confidence,
                              event.id, event.type, event.status == Event.Status.REVIEWED))
    for claim in place.held:
        if claim.actor1_id in place.losers_by_report.get(claim.report_id, set()):
            # "IS captured the SDF-held town": the statement describes the time before the capture it reports.
            continue
        date = claim.date
        if not date.is_known and claim.published:
            date = DateInterval.day(claim.published)
        confidence = 0.5 * (SELF_SERVING_FACTOR if _row_self_serving(claim, claim.actor1_id, family) else 1.0)
        signals.append(Signal("held", date, claim.actor1_id, None, confidence, confidence))
    return signals


def control_signals(*, place_id: int, family: _Family) -> list[Signal]:
    """The evidence about one place's control: its live events and its `held` claims."""
    return _signals(_read_places([place_id])[place_id], family)


def _actors() -> tuple[dict[int, int | None], dict[int, str]]:
    actors = list(Actor.objects.values_list("id", "parent_id", "name"))
    return {a: p for a, p, _ in actors}, {a: n for a, _, n in actors}


def _period_key(p: Period) -> tuple:
    start, end = p.start, p.end
    return (
        p.holder, p.state,
        start.start if start else None, start.end if start else None, start.precision if start else "",
        end.start if end else None, end.end if end else None, end.precision if end else "",
        round(min(max(p.confidence, 0.0), 0.99), 3), p.alternatives, sorted(dict.fromkeys(p.events)),
    )


def _stored_key(row: ControlPeriod, events: list[int]) -> tuple:
    return (
        row.holder_id, row.state, row.start_start, row.start_end, row.start_precision, row.end_start, row.end_end,
        row.end_precision, round(row.confidence, 3), row.alternatives, sorted(events),
    )


def _recompute_places(
    place_ids: Sequence[int], actors: tuple[dict[int, int | None], dict[int, str]] | None
) -> dict[int, list[ControlPeriod]]:
    """Recompute these places in the caller's transaction: lock them (in id order), read
    them in three queries, derive in Python, and write only the places whose periods
    changed (one delete and two bulk inserts for them all)."""
    locked = list(Place.objects.select_for_update().filter(pk__in=list(place_ids)).order_by("id")
                  .values_list("id", flat=True))
    if not locked:
        return {}
    parents, names = actors if actors is not None else _actors()
    family = _Family(parents)
    data = _read_places(locked)
    through = ControlPeriod.events.through
    stored: dict[int, list[ControlPeriod]] = {pid: [] for pid in locked}
    for row in ControlPeriod.objects.filter(place_id__in=locked).order_by("place_id", "position", "id"):
        stored[row.place_id].append(row)
    links: dict[int, list[int]] = {row.pk: [] for rows in stored.values() for row in rows}
    if links:
        for period_id, event_id in through.objects.filter(controlperiod_id__in=list(links)).values_list(
            "controlperiod_id", "event_id"
        ):
            links[period_id].append(event_id)
    out: dict[int, list[ControlPeriod]] = {}
    stale: list[int] = []
    fresh: list[tuple[int, list[Period]]] = []
    for place_id in locked:
        periods = control_derive(signals=_signals(data[place_id], family), parents=parents, names=names)
        rows = stored[place_id]
        if len(rows) == len(periods) and all(
            row.position == i and _stored_key(row, links[row.pk]) == _period_key(p)
            for i, (row, p) in enumerate(zip(rows, periods, strict=True))
        ):
            out[place_id] = rows  # nothing changed: no write
            continue
        stale.extend(row.pk for row in rows)
        fresh.append((place_id, periods))
    if stale:
        through.objects.filter(controlperiod_id__in=stale)._raw_delete(through.objects.db)
        ControlPeriod.objects.filter(pk__in=stale)._raw_delete(ControlPeriod.objects.db)
    new_rows: list[ControlPeriod] = []
    new_periods: list[Period] = []
    for place_id, periods in fresh:
        for position, p in enumerate(periods):
            start, end = p.start, p.end
            new_rows.append(ControlPeriod(
                place_id=place_id, holder_id=p.holder, state=p.state, position=position,
                start_start=start.start if start else None, start_end=start.end if start else None,
                start_precision=start.precision if start else "",
                end_start=end.start if end else None, end_end=end.end if end else None,
                end_precision=end.precision if end else "",
                confidence=round(min(max(p.confidence, 0.0), 0.99), 3), alternatives=p.alternatives,
            ))
            new_periods.append(p)
    created = ControlPeriod.objects.bulk_create(new_rows) if new_rows else []
    if created:
        through.objects.bulk_create([
            through(controlperiod_id=row.pk, event_id=event_id)
            for row, p in zip(created, new_periods, strict=True)
            for event_id in dict.fromkeys(p.events)
        ])
    for place_id, _ in fresh:
        out[place_id] = []
    for row in created:
        out[row.place_id].append(row)
    return out


@transaction.atomic
def control_recompute(
    *, place_id: int, actors: tuple[dict[int, int | None], dict[int, str]] | None = None
) -> list[ControlPeriod]:
    """Replace the control periods of one place with those its events support. Idempotent.

    Reads the place's events and claims in three queries, derives the periods in Python
    and writes them only when they differ from the stored ones (one delete, two bulk
    inserts). `actors` (parents, names) lets a caller recomputing many places read the
    actors once.
    """
    return _recompute_places([place_id], actors).get(place_id, [])


# Places recomputed together in one transaction by control_recompute_many.
RECOMPUTE_CHUNK = 200


def control_recompute_many(*, place_ids: Iterable[int]) -> int:
    """Recompute several places: the same result as control_recompute for each, with
    the actors read once and the places read and written in chunks (a few queries a
    chunk, one transaction each). Returns how many places were recomputed."""
    ids = sorted({p for p in place_ids if p})
    if not ids:
        return 0
    actors = _actors()
    for i in range(0, len(ids), RECOMPUTE_CHUNK):
        with transaction.atomic():
            _recompute_places(ids[i:i + RECOMPUTE_CHUNK], actors)
    return len(ids)
