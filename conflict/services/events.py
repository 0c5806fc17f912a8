"""The one write path for events: claims in, events out, history kept.

Every change to an event goes through `event_apply_change` (or a function built on
it), which bumps the event's version, records the change in the history and the
change feed, and queues the control-period recompute of the places it touches once
the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from conflict.dates import DateInterval
from conflict.models import Actor, ChangeRecord, Claim, ClaimType, Event, EventChange, Source
from conflict.services.history import change_record
from conflict.services.snapshot import snapshot_value
from conflict.services.sql import fetch_prepared, model_columns, model_from_row
from conflict.services.writes import Write, insert_returning_ids, update_write, writes_send

log = logging.getLogger(__name__)

EVENT_FIELDS = ("type", "place_id", "actor1_id", "actor2_id", "date_start", "date_end", "date_precision",
                "status", "confidence", "merged_into_id", "reject_reason")
# Sources that speak for a party weigh less when they report that party's success.
AFFILIATED_WEIGHT = 0.4
INDEPENDENT_WEIGHT = 1.0
# The reject_reason of an auto event that re-tagging left with no claims (reports.services).
RETIRED_REASON = "no claims after re-tagging"


def event_snapshot(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EVENT_FIELDS:
        value = getattr(event, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _current_txid() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def _txid_once(cache: list[int | None] | None) -> int | None:
    """The current transaction id, read once per `cache` (a list the caller keeps)."""
    if cache is None:
        return _current_txid()
    if not cache:
        cache.append(_current_txid())
    return cache[0]


def event_change_log(*, event: Event, kind: str, merged_into: Event | None = None) -> EventChange:
    return EventChange.objects.create(event=event, kind=kind, merged_into=merged_into, txid=_current_txid())


def control_recompute_on_commit(*, place_ids: Iterable[int]) -> None:
    """Queue the control recompute of these places after the transaction commits, once
    per place however many of its events the transaction changes (tagging one report
    touches several events of the same place)."""
    queued = {getattr(entry[1], "control_place_id", None) for entry in connection.run_on_commit}
    for place_id in sorted(set(p for p in place_ids if p) - queued):
        def queue(pid: int = place_id) -> None:
            deferred = _deferred_places()
            if deferred is not None:
                deferred.add(pid)  # recomputed once when the batch ends (control_recompute_deferred)
                return
            from conflict.tasks import control_recompute_task
            from reports.outbox import broker_errors

            try:
                control_recompute_task.delay(pid)
            except broker_errors() as exc:
                # The broker is down: what was written is committed, so recompute here
                # rather than leave the place's control periods stale (or fail the caller).
                from conflict.services.control import control_recompute

                log.warning("control recompute of place %s run in-process: broker unavailable (%s)", pid, exc)
                control_recompute(place_id=pid)

        queue.control_place_id = place_id  # type: ignore[attr-defined]
        transaction.on_commit(queue)


_batch = threading.local()


def _deferred_places() -> set[int] | None:
    stack = getattr(_batch, "stack", None)
    return stack[-1] if stack else None


@contextmanager
def control_recompute_deferred() -> Iterator[set[int]]:
    """Coalesce control recomputes over a batch of work done in this process (`manage.py
    ingest` without --async, the pipeline benchmark): inside the block, the recompute
    each committed transaction would queue is noted instead, and each noted place is
    recomputed once when the block ends, however many reports touched it. Nested blocks
    hand their places to the outermost one. Outside such a block nothing changes: each
    transaction queues its places' recomputes on commit (an idempotent task)."""
    stack = getattr(_batch, "stack", None)
    if stack is None:
        stack = _batch.stack = []
    places: set[int] = set()
    stack.append(places)
    failed = False
    try:
        yield places
    except BaseException:
        failed = True
        raise
    finally:
        stack.pop()
        if stack:
            stack[-1].update(places)
        elif places:
            from conflict.services.control import control_recompute_many

            try:
                control_recompute_many(place_ids=places)
            except Exception:
                if not failed:
                    raise
                log.exception("control recompute after a failed batch")


@transaction.atomic
def event_apply_change(
    *,
    event: Event,
    changes: dict[str, Any],
    action: str,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    expected_version: int | None = None,
    undoes: ChangeRecord | None = None,
) -> Event:
    """Apply field changes to an event, with history, change feed and recompute.

    With expected_version, raise EventVersionConflict when another write came first.
    """
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if expected_version is not None and locked.version != expected_version:
        raise EventVersionConflict(event=locked, expected_version=expected_version)
    before = event_snapshot(locked)
    old_place = locked.place_id
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    if action in {ChangeRecord.Action.ACCEPT} or (user is not None and locked.status == Event.Status.REVIEWED):
        locked.reviewed_by = user if user is not None and user.is_authenticated else None
        locked.reviewed_at = timezone.now()
    elif locked.status == Event.Status.AUTO:
        # Back to unreviewed (an undone accept): nobody stands behind it any more.
        locked.reviewed_by, locked.reviewed_at = None, None
    locked.save()
    after = event_snapshot(locked)
    change_record(object_type="event", object_id=locked.pk, action=action, before=before, after=after,
                  user=user, reason=reason, undoes=undoes)
    kind = EventChange.Kind.UPDATED
    if locked.merged_into_id and not before["merged_into_id"]:
        kind = EventChange.Kind.MERGED
    elif locked.status == Event.Status.REJECTED and before["status"] != Event.Status.REJECTED:
        kind = EventChange.Kind.REJECTED
    event_change_log(event=locked, kind=kind, merged_into=locked.merged_into)
    control_recompute_on_commit(place_ids=[old_place, locked.place_id])
    event.__dict__.update(locked.__dict__)
    return locked


class EventVersionConflict(Exception):
    def __init__(self, *, event: Event, expected_version: int) -> None:
        self.event = event
        self.expected_version = expected_version
        super().__init__(
            f"event {event.pk} was changed by someone else "
            f"(version {event.version}, you edited version {expected_version})"
        )


# --- claims into events -----------------------------------------------------------

def actor_parents() -> dict[int, int | None]:
    """Each actor's parent (a member group's coalition), read once per reference snapshot."""
    return snapshot_value("actor_parents", lambda: dict(Actor.objects.values_list("id", "parent_id")))


def _actors_compatible(a: int | None, b: int | None, parents: dict[int, int | None]) -> bool:
    if a is None or b is None or a == b:
        return True
    return parents.get(a) == b or parents.get(b) == a


def claim_fits_event(*, claim: Claim, event: Event, parents: dict[int, int | None]) -> bool:
    """Same type and place, compatible actors, and dates that do not contradict."""
    if claim.type != event.type or claim.place_id != event.place_id:
        return False
    if event.type == ClaimType.CLASH:
        pairs_ok = (
            _actors_compatible(claim.actor1_id, event.actor1_id, parents)
            and _actors_compatible(claim.actor2_id, event.actor2_id, parents)
        ) or (
            _actors_compatible(claim.actor1_id, event.actor2_id, parents)
            and _actors_compatible(claim.actor2_id, event.actor1_id, parents)
        )
    else:
        pairs_ok = _actors_compatible(claim.actor1_id, event.actor1_id, parents) and _actors_compatible(
            claim.actor2_id, event.actor2_id, parents
        )
    if not pairs_ok:
        return False
    return dates_compatible(claim.date, event.date)


# Two sources a day apart on a dated happening ("SOHR says Friday, the SDF says Thursday")
# tell one event with a disagreement (domain.md), not two; anything further apart, or
# vaguer than a couple of days, must overlap to join.
DATE_TOLERANCE_DAYS = 1
_TOLERANT_WIDTH_DAYS = 2


def dates_compatible(a: DateInterval, b: DateInterval) -> bool:
    if a.overlaps(b):
        return True
    if None in (a.start, a.end, b.start, b.end):
        return False
    if max(a.width_days or 0, b.width_days or 0) > _TOLERANT_WIDTH_DAYS:
        return False
    gap = max(a.start, b.start) - min(a.end, b.end)  # type: ignore[operator]
    return gap.days <= DATE_TOLERANCE_DAYS


def reconciled_date(dated: Sequence[DateInterval]) -> tuple[DateInterval, bool]:
    """An event's date from its claims' dates, and whether they disagree.

    Where every claim's interval overlaps, each bounds the event: their intersection.
    Where sources a day apart disagree, the event is the span of the precise dates (the
    vaguer ones narrow it where they can), whatever order the claims came in.
    """
    joined: DateInterval | None = dated[0]
    for other in dated[1:]:
        joined = joined.intersect(other) if joined is not None else None
    if joined is not None:
        return joined, False
    precise = [d for d in dated if (d.width_days or 10**6) <= _TOLERANT_WIDTH_DAYS]
    if not precise:
        return min(dated, key=lambda d: d.width_days or 10**6), True
    span = precise[0]
    for other in precise[1:]:
        span = date_hull(span, other)
    for vague in (d for d in dated if d not in precise):
        span = span.intersect(vague) or span
    return span, True


def date_hull(a: DateInterval, b: DateInterval) -> DateInterval:
    """The interval covering both: what two disagreeing sources support together."""
    return DateInterval(min(a.start, b.start), max(a.end, b.end), "day")  # type: ignore[type-var]


def _running_date(event_date: DateInterval, claim_date: DateInterval) -> DateInterval:
    joined = event_date.intersect(claim_date)
    if joined is not None:
        return joined
    return date_hull(event_date, claim_date) if dates_compatible(event_date, claim_date) else event_date


def _clash_sides(claims: Sequence[Claim], parents: dict[int, int | None]) -> dict[str, list[int | None]]:
    """A clash names its sides in either order ("SDF and ISIS clashed", "ISIS fought the
    SDF"): turn every claim the way the most named side comes first, so that counting
    roles does not pair a side with itself."""
    counts: dict[int, int] = {}
    for c in claims:
        for a in (c.actor1_id, c.actor2_id):
            if a:
                counts[a] = counts.get(a, 0) + 1
    first = max(counts, key=lambda a: (counts[a], parents.get(a) is None, -a)) if counts else None
    out: dict[str, list[int | None]] = {"actor1_id": [], "actor2_id": []}
    for c in claims:
        a1, a2 = c.actor1_id, c.actor2_id
        if first is not None and a2 is not None and _actors_compatible(a2, first, parents) and not (
            a1 is not None and _actors_compatible(a1, first, parents)
        ):
            a1, a2 = a2, a1
        out["actor1_id"].append(a1)
        out["actor2_id"].append(a2)
    return out


def _original_report_id(claim: Claim) -> int:
    report = claim.report
    return report.duplicate_of_id or report.near_duplicate_of_id or claim.report_id


def _source_weight(claim: Claim, sources: dict[int, Source]) -> float:
    source = sources.get(claim.report.source_id) if claim.report.source_id else None
    speaker = claim.speaker_actor_id
    affiliated = source.affiliation_id if source else None
    party = speaker or affiliated
    if party is not None and claim.actor1_id is not None and party == claim.actor1_id:
        return AFFILIATED_WEIGHT
    return INDEPENDENT_WEIGHT


def event_reconcile(
    *,
    event: Event,
    claims: Sequence[Claim],
    parents: dict[int, int | None] | None = None,
    sources: dict[int, Source] | None = None,
) -> dict[str, Any]:
    """Date, actors, confidence and disagreements of an event from its claims.

    The date is the intersection of the claims' intervals where they overlap (each
    claim bounds the event), else the narrowest; actors fill from any claim that names
    them; confidence grows with independent sources and shrinks with disagreement.
    """
    if parents is None:
        parents = actor_parents()
    if sources is None:
        sources = _sources_of(claims)
    dated = [c.date for c in claims if c.date.is_known]
    date = DateInterval.unknown()
    disagreements: list[dict[str, Any]] = []
    if dated:
        date, disagree = reconciled_date(dated)
        if disagree:
            distinct = sorted({(d.start, d.end) for d in dated}, key=lambda x: (x[0] or dt.date.min))
            disagreements.append({
                "field": "date",
                "values": [DateInterval(s, e, "day").to_json() for s, e in distinct],
            })
    changes: dict[str, Any] = {"date_start": date.start, "date_end": date.end, "date_precision": date.precision}
    sides = {"actor1_id": [c.actor1_id for c in claims], "actor2_id": [c.actor2_id for c in claims]}
    if event.type == ClaimType.CLASH:
        sides = _clash_sides(claims, parents)
    for role in ("actor1_id", "actor2_id"):
        named = [a for a in sides[role] if a]
        if named:
            # The most frequent non-null actor; a parent (SDF) beats its member (YPG) on ties.
            counts: dict[int, int] = {}
            for a in named:
                counts[a] = counts.get(a, 0) + 1
            best = max(counts, key=lambda a: (counts[a], parents.get(a) is None, -a))
            changes[role] = best
            others = [a for a in counts if a != best and not _actors_compatible(a, best, parents)]
            if others:
                disagreements.append({"field": role.removesuffix("_id"), "values": sorted(counts)})
        elif event.pk is None:
            changes[role] = None
    # One vote per independent report: a copy (the same text under another origin, or a
    # syndicated near-duplicate) speaks for its original, not as a second source.
    reports: dict[int, Claim] = {}
    for c in claims:
        original = _original_report_id(c)
        if c.report_id == original or reports.get(original, c).report_id != original:
            reports[original] = c
    weight = sum(_source_weight(c, sources) for c in reports.values())
    sources_seen = {c.report.source_id or -original for original, c in reports.items()}
    confidence = 1 - 0.5 ** (weight + 0.5 * (len(sources_seen) - 1))
    if disagreements:
        confidence *= 0.75
    if any(c.place and c.place.is_proposed for c in claims[:1]):
        confidence *= 0.8
    changes["confidence"] = round(min(confidence, 0.99), 3)
    changes["disagreements"] = disagreements
    flags = sorted({f for c in claims for f in c.flags})
    changes["flags"] = flags
    casualties: dict[str, int] = {}
    for c in claims:
        for key, value in (c.casualties or {}).items():
            if isinstance(value, int):
                casualties[key] = max(casualties.get(key, 0), value)
    changes["casualties"] = casualties
    return changes


def events_merge(*, claims: Iterable[Claim]) -> list[Event]:
    """events_merge_in_transaction in a transaction (a savepoint inside the caller's)."""
    with transaction.atomic():
        return events_merge_in_transaction(claims=claims)


def events_merge_in_transaction(
    *, claims: Iterable[Claim], txid: int | None = None, sources: dict[int, Source] | None = None,
    unsaved: list[Claim] | None = None, last_writes: Callable[[], Sequence[Write]] | None = None,
) -> list[Event]:
    """events_merge without its own savepoint, for a caller whose transaction is rolled
    back whole when this raises (reports.services.report_tag). `txid`, the current
    transaction's id when the caller has it already, and `sources` (id -> Source with
    its affiliation, as read in this transaction) save a query each. `unsaved`: new
    claims not inserted yet (claims_replace_in_transaction(save=False)), a superset of
    `claims` in their order: they are inserted once their events are known (new events
    first), with event_id set, instead of inserted and then updated. `last_writes`: the
    caller's own writes (the report's update), built as late as possible and sent with the
    merge's last statement.

    Attach each claim without an event to a matching event, or start a new one.

    Claims of type `held` support control periods directly and make no event.
    A claim that matches a rejected event joins it, and the event stays rejected:
    the editor's decision is not revived by new machine claims.

    Batched for the tagging pipeline (conflict.services.writes): one locking query for
    the candidate events of all the claims; the new events inserted together, already
    reconciled; their history and change-feed rows sent with the claims; one read of the
    touched events' claims; their update, history and change-feed rows sent together.
    """
    todo = [c for c in claims if not c.event_id and c.type != ClaimType.HELD and c.place_id is not None]
    if not todo:
        writes_send(inserts=[unsaved or []], writes=last_writes() if last_writes else ())
        return []
    parents = actor_parents()
    pairs = {(c.place_id, c.type) for c in todo}
    candidates: dict[tuple[int, str], list[Event | _Candidate]] = {}
    for candidate in _candidate_events(claims=todo, pairs=pairs):
        candidates.setdefault((candidate.place_id, candidate.type), []).append(candidate)
    # Keyed by id(event): new events have no primary key until they are saved together.
    touched: dict[int, Event | _Candidate] = {}
    joined: dict[int, list[Claim]] = {}
    new: list[Event] = []
    # What the claims joined so far in this call already say about each event (the stored
    # row is refreshed only at the end): the running date intersection and the actors
    # filled in, so a later claim cannot join an event it contradicts.
    state: dict[int, _EventState] = {}
    for claim in todo:
        events = candidates.setdefault((claim.place_id, claim.type), [])
        match = next((e for e in events if claim_fits_event(claim=claim, event=_state_of(e, state),  # type: ignore[arg-type]
                                                            parents=parents)), None)
        if match is None:
            match = Event(type=claim.type, place_id=claim.place_id, actor1_id=claim.actor1_id,
                          actor2_id=claim.actor2_id)
            match.set_date(claim.date)
            new.append(match)
            events.append(match)
        view = _state_of(match, state)
        a1, a2 = claim.actor1_id, claim.actor2_id
        if claim.type == ClaimType.CLASH and not (
            _actors_compatible(a1, view.actor1_id, parents) and _actors_compatible(a2, view.actor2_id, parents)
        ):
            a1, a2 = a2, a1  # a clash names its sides in either order
        state[id(match)] = _EventState(view.type, view.place_id, view.actor1_id or a1, view.actor2_id or a2,
                                       _running_date(view.date, claim.date))
        touched[id(match)] = match
        joined.setdefault(id(match), []).append(claim)
    # The stored events that took claims, as model instances (the rest never become one).
    for key, event in touched.items():
        if isinstance(event, _Candidate):
            touched[key] = event.model()
    # The transaction id, read once for both kinds of change-feed rows (unless given).
    txid_cache: list[int | None] = [txid] if txid is not None else []
    inserts: list[Sequence[Model]] = []
    writes: list[Write] = []
    if new:
        inserts += _events_create(events=new, claims={id(e): joined[id(e)] for e in new}, parents=parents,
                                  txid=txid_cache, known_sources=sources)
    for key, event in touched.items():
        for claim in joined[key]:
            claim.event = event
    if unsaved is not None:
        inserts.append(unsaved)
    else:
        writes.append(_claims_set_event(todo))
    existing = {e.pk: e for e in touched.values() if e not in new}
    if existing:
        # Reconciling reads the touched events' claims, the new ones too: written first.
        writes_send(inserts=inserts, writes=writes)
        inserts, writes = [], []
        by_event: dict[int, list[Claim]] = {pk: [] for pk in existing}
        for c in _reconcile_rows(event_ids=list(existing)):
            by_event[c.event_id].append(c)  # type: ignore[arg-type]
        sources = _sources_of(c for group in by_event.values() for c in group)
        inserts, writes = _events_refresh(events=list(existing.values()), claims=by_event, parents=parents,
                                          sources=sources, txid=txid_cache)
    writes_send(inserts=inserts, writes=[*writes, *(last_writes() if last_writes else ())])
    return list(touched.values())


def _candidate_events(*, claims: list[Claim], pairs: set[tuple[int, str]]) -> list[_Candidate]:
    """The events these claims could join, locked, by id: the ORM's
    `Event.objects.select_for_update().filter(<(place, type) one of pairs>,
    merged_into__isnull=True).filter(<dates near>).exclude(status=rejected,
    reviewed_by__isnull=True, reject_reason=RETIRED_REASON).order_by("id")`, as one
    prepared statement (every report runs it). An auto event retired because re-tagging
    left it no claims is no editor's decision, so it takes no claims.

    Dates near: events whose dates come within DATE_TOLERANCE_DAYS of the span of the
    claims' dates (a bound unknown in any claim is open). The first claim to join a
    stored event must fit its stored date (claim_fits_event), so an event further from
    every claim can join none; leaving it out changes no match."""
    slack = dt.timedelta(days=DATE_TOLERANCE_DAYS)
    ends = [c.date_end for c in claims]
    starts = [c.date_start for c in claims]
    latest = max(ends) + slack if all(d is not None for d in ends) else None  # type: ignore[type-var]
    earliest = min(starts) - slack if all(d is not None for d in starts) else None  # type: ignore[type-var]
    ordered = sorted(pairs)
    rows = fetch_prepared(_CANDIDATES_SQL, [
        sorted({p for p, _ in pairs}), [p for p, _ in ordered], [t for _, t in ordered],
        latest, latest, earliest, earliest, str(Event.Status.REJECTED), RETIRED_REASON,
    ])
    return [_Candidate(row) for row in rows]


_CANDIDATES_SQL = (
    f"SELECT {model_columns(Event, 'e')} FROM conflict_event e"
    " WHERE e.place_id = ANY(%s::bigint[])"
    " AND (e.place_id, e.type) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))"
    " AND e.merged_into_id IS NULL"
    " AND (%s::date IS NULL OR e.date_start IS NULL OR e.date_start <= %s::date)"
    " AND (%s::date IS NULL OR e.date_end IS NULL OR e.date_end >= %s::date)"
    " AND NOT (e.status = %s::text AND e.reviewed_by_id IS NULL AND e.reject_reason = %s::text)"
    " ORDER BY e.id FOR UPDATE"
)
_EVENT_ATTNAMES = [f.attname for f in Event._meta.concrete_fields]
_CANDIDATE_COLUMNS = {name: _EVENT_ATTNAMES.index(name) for name in
                      ("type", "place_id", "actor1_id", "actor2_id", "date_start", "date_end", "date_precision")}


class _Candidate:
    """A stored event the claims may join, as read: what matching reads of it, and its
    row, made a model instance only when a claim joins it (most candidates take none)."""

    __slots__ = ("type", "place_id", "actor1_id", "actor2_id", "date", "_row")

    def __init__(self, row: Sequence[Any]) -> None:
        at = _CANDIDATE_COLUMNS
        self.type, self.place_id = row[at["type"]], row[at["place_id"]]
        self.actor1_id, self.actor2_id = row[at["actor1_id"]], row[at["actor2_id"]]
        self.date = DateInterval(row[at["date_start"]], row[at["date_end"]], row[at["date_precision"]])
        self._row = row

    def model(self) -> Event:
        return model_from_row(Event, self._row)


def _events_refresh(*, events: list[Event], claims: dict[int, list[Claim]], parents: dict[int, int | None],
                    sources: dict[int, Source], txid: list[int | None] | None = None,
                    ) -> tuple[list[Sequence[Model]], list[Write]]:
    """event_refresh_from_claims for several events locked by the caller: the same version
    bump, history (a RETAG record each) and change-feed rows as event_apply_change,
    returned as rows to insert and writes (conflict.services.writes) for the caller to
    send together."""
    changed: list[tuple[Event, dict[str, Any]]] = []
    fields: set[str] = set()
    for event in events:
        changes = event_reconcile(event=event, claims=claims[event.pk], parents=parents, sources=sources)
        if event.status != Event.Status.AUTO:
            changes = {k: v for k, v in changes.items() if k in {"confidence", "disagreements", "flags", "casualties"}}
        if {k: getattr(event, k) for k in changes} == changes:
            continue
        before = event_snapshot(event)
        for name, value in changes.items():
            setattr(event, name, value)
        event.version += 1
        event.updated_at = timezone.now()
        fields.update(changes)
        changed.append((event, before))
    if not changed:
        return [], []
    update = _events_update(events=[e for e, _ in changed], fields=sorted(fields | {"version", "updated_at"}))
    records = [
        ChangeRecord(object_type="event", object_id=e.pk, action=ChangeRecord.Action.RETAG, before=before,
                     after=event_snapshot(e))
        for e, before in changed
    ]
    txid = _txid_once(txid)
    feed = [EventChange(event=e, kind=EventChange.Kind.UPDATED, txid=txid) for e, _ in changed]
    control_recompute_on_commit(place_ids=[e.place_id for e, _ in changed])
    return [records, feed], [update] if update else []


def _events_update(*, events: list[Event], fields: list[str]) -> Write | None:
    """The update of these fields of several events as one write (UPDATE ... FROM the rows
    as JSON), as one plain UPDATE each would; when a value has no exact JSON form, the
    events are updated here instead (UPDATE ... FROM VALUES) and None is returned."""
    write = update_write(events, fields)
    if write is not None:
        return write
    model_fields = [Event._meta.get_field(name) for name in fields]
    row = "(%s::bigint, " + ", ".join(f"%s::{f.db_type(connection)}" for f in model_fields) + ")"
    params: list[Any] = []
    for event in events:
        params.append(event.pk)
        params.extend(f.get_db_prep_save(getattr(event, f.attname), connection) for f in model_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}"
                            for f in model_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} AS e SET {assignments} FROM (VALUES {', '.join([row] * len(events))})"
            f" AS v(id, {columns}) WHERE e.id = v.id",
            params,
        )
    return None


def _claims_set_event(claims: list[Claim]) -> Write:
    """The write pointing each stored claim at its event."""
    return Write(
        f"UPDATE {Claim._meta.db_table} AS c SET event_id = v.event_id"
        " FROM jsonb_to_recordset(%s::text::jsonb) AS v(id bigint, event_id bigint) WHERE c.id = v.id",
        (json.dumps([{"id": c.pk, "event_id": c.event_id} for c in claims]),),
    )


def _state_of(event: Event, state: dict[int, _EventState]) -> _EventState:
    return state.get(id(event)) or _EventState(event.type, event.place_id, event.actor1_id, event.actor2_id,
                                               event.date)


def _events_create(*, events: list[Event], claims: dict[int, list[Claim]], parents: dict[int, int | None],
                   txid: list[int | None] | None = None, known_sources: dict[int, Source] | None = None,
                   ) -> list[Sequence[Model]]:
    """Create events reconciled from their (unsaved-event) claims, with the same history,
    change-feed rows and control recompute as one-by-one creation: the events are
    inserted here (their ids are needed), their history and change-feed rows returned
    for the caller to insert with its next write."""
    from conflict.models import Place

    # Reconciling reads only a place's status (is_proposed).
    places = {pk: Place.from_db(connection.alias, ["id", "status"], [pk, status]) for pk, status in fetch_prepared(
        "SELECT id, status FROM conflict_place WHERE id = ANY(%s::bigint[])", [sorted({e.place_id for e in events})])}
    all_claims = [c for group in claims.values() for c in group]
    for c in all_claims:
        if c.place_id in places:
            c.place = places[c.place_id]
    wanted = {c.report.source_id for c in all_claims if c.report.source_id}
    if known_sources is not None and wanted <= known_sources.keys():
        sources = {pk: known_sources[pk] for pk in wanted}
    else:
        sources = _sources_of(all_claims)
    for event in events:
        for name, value in event_reconcile(event=event, claims=claims[id(event)], parents=parents,
                                           sources=sources).items():
            setattr(event, name, value)
    insert_returning_ids(events)
    records = [
        ChangeRecord(object_type="event", object_id=e.pk, action=ChangeRecord.Action.CREATE, after=event_snapshot(e))
        for e in events
    ]
    txid = _txid_once(txid)
    feed = [EventChange(event=e, kind=EventChange.Kind.CREATED, txid=txid) for e in events]
    control_recompute_on_commit(place_ids=[e.place_id for e in events])
    return [records, feed]


@dataclass(frozen=True, slots=True)
class _EventState:
    """What claim_fits_event reads of an event, as the claims merged so far make it."""

    type: str
    place_id: int
    actor1_id: int | None
    actor2_id: int | None
    date: DateInterval


class _Ref:
    """Stands for a claim's report or place where reconciling reads one attribute of it."""

    __slots__ = ("source_id", "is_proposed", "duplicate_of_id", "near_duplicate_of_id")

    def __init__(self, source_id: int | None = None, is_proposed: bool = False, duplicate_of_id: int | None = None,
                 near_duplicate_of_id: int | None = None) -> None:
        self.source_id, self.is_proposed = source_id, is_proposed
        self.duplicate_of_id, self.near_duplicate_of_id = duplicate_of_id, near_duplicate_of_id


class _ReconcileClaim:
    """What event_reconcile reads of a stored claim, built from one row of values: an
    event a region's reports keep joining can have hundreds of claims, re-read each time
    one more joins, so no model instances are built for them."""

    __slots__ = ("id", "event_id", "report_id", "place_id", "type", "date_start", "date_end", "date_precision",
                 "actor1_id", "actor2_id", "speaker_actor_id", "flags", "casualties", "report", "place")

    @property
    def date(self) -> DateInterval:
        return DateInterval(self.date_start, self.date_end, self.date_precision)


_RECONCILE_COLUMNS = ("id", "event_id", "report_id", "place_id", "type", "date_start", "date_end", "date_precision",
                      "actor1_id", "actor2_id", "speaker_actor_id", "flags", "casualties", "report__source_id",
                      "place__status", "report__duplicate_of_id", "report__near_duplicate_of_id")


# Claims' own columns, then their report's and place's, for _RECONCILE_COLUMNS.
_RECONCILE_SQL = (
    "SELECT " + ", ".join(f"c.{name}" for name in _RECONCILE_COLUMNS[:13])
    + ", r.source_id, p.status, r.duplicate_of_id, r.near_duplicate_of_id"
    " FROM conflict_claim c JOIN reports_report r ON r.id = c.report_id"
    " LEFT JOIN conflict_place p ON p.id = c.place_id"
    " WHERE c.event_id = ANY(%s::bigint[]) ORDER BY c.report_id, c.span_start, c.id"
)


def _reconcile_rows(*, event_ids: list[int]) -> list[_ReconcileClaim]:
    """The claims of these events, as event_reconcile reads them (one prepared statement)."""
    from conflict.models import Place

    out = []
    names = _RECONCILE_COLUMNS[:13]
    flags_field, casualties_field = Claim._meta.get_field("flags"), Claim._meta.get_field("casualties")
    reports: dict[int, _Ref] = {}
    for values in fetch_prepared(_RECONCILE_SQL, [event_ids]):
        c = _ReconcileClaim()
        for name, value in zip(names, values[:13], strict=True):
            setattr(c, name, value)
        # JSON arrives as text from a raw statement, as the ORM would decode it.
        c.flags = flags_field.from_db_value(c.flags, None, connection)
        c.casualties = casualties_field.from_db_value(c.casualties, None, connection)
        report = reports.get(c.report_id)
        if report is None:
            report = reports[c.report_id] = _Ref(source_id=values[13], duplicate_of_id=values[15],
                                                 near_duplicate_of_id=values[16])
        c.report = report
        c.place = _Ref(is_proposed=values[14] == Place.Status.PROPOSED) if c.place_id is not None else None
        out.append(c)
    return out


def _claims_for_reconcile(qs):
    # Only what event_reconcile reads: an event a region's reports keep joining can have
    # hundreds of claims, re-read each time one more joins.
    return qs.select_related("report", "place").only(
        "id", "event_id", "report_id", "place_id", "type", "date_start", "date_end", "date_precision", "actor1_id",
        "actor2_id", "speaker_actor_id", "flags", "casualties", "report__source_id", "report__duplicate_of_id",
        "report__near_duplicate_of_id", "place__status",
    )


def _sources_of(claims: Iterable[Claim]) -> dict[int, Source]:
    ids = {c.report.source_id for c in claims if c.report.source_id}
    if not ids:
        return {}
    # Weighing reads only a source's affiliation (_source_weight).
    known = snapshot_value("sources_by_id", dict)
    if ids <= known.keys():
        return {pk: known[pk] for pk in ids}
    found = {s.id: s for s in Source.objects.filter(id__in=ids).only("id", "affiliation_id")}
    known.update(found)
    return found


def event_refresh_from_claims(
    *,
    event: Event,
    created: bool = False,
    claims: Sequence[Claim] | None = None,
    parents: dict[int, int | None] | None = None,
    sources: dict[int, Source] | None = None,
) -> Event:
    """Recompute an event's reconciled fields from its claims.

    A reviewed event keeps what the editor set (type, place, actors, dates); only its
    confidence and disagreements follow the claims. `claims`, `parents` and `sources`
    let a caller that has them already (events_merge) save the queries.
    """
    claims = list(claims) if claims is not None else list(_claims_for_reconcile(event.claims.all()))
    if not claims and not created:
        return event
    changes = event_reconcile(event=event, claims=claims, parents=parents, sources=sources)
    if event.status != Event.Status.AUTO:
        changes = {k: v for k, v in changes.items() if k in {"confidence", "disagreements", "flags", "casualties"}}
    if created:
        for name, value in changes.items():
            setattr(event, name, value)
        event.save()
        change_record(object_type="event", object_id=event.pk, action=ChangeRecord.Action.CREATE,
                      after=event_snapshot(event))
        event_change_log(event=event, kind=EventChange.Kind.CREATED)
        control_recompute_on_commit(place_ids=[event.place_id])
        return event
    current = {k: getattr(event, k) for k in changes}
    if current == changes:
        return event
    return event_apply_change(event=event, changes=changes, action=ChangeRecord.Action.RETAG)
