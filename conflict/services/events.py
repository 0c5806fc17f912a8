"""The one write path for events: claims in, events out, history kept.

Every change to an event goes through `event_apply_change` (or a function built on
it), which bumps the event's version, records the change in the history and the
change feed, and queues the control-period recompute of the places it touches once
the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from conflict.dates import DateInterval
from conflict.models import Actor, ChangeRecord, Claim, ClaimType, Event, EventChange, Source
from conflict.services.history import change_record

EVENT_FIELDS = ("type", "place_id", "actor1_id", "actor2_id", "date_start", "date_end", "date_precision",
                "status", "confidence", "merged_into_id", "reject_reason")
# Sources that speak for a party weigh less when they report that party's success.
AFFILIATED_WEIGHT = 0.4
INDEPENDENT_WEIGHT = 1.0


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


def event_change_log(*, event: Event, kind: str, merged_into: Event | None = None) -> EventChange:
    return EventChange.objects.create(event=event, kind=kind, merged_into=merged_into, txid=_current_txid())


def control_recompute_on_commit(*, place_ids: Iterable[int]) -> None:
    """Queue the control recompute of these places after the transaction commits."""
    from conflict.tasks import control_recompute_task

    for place_id in sorted(set(p for p in place_ids if p)):
        transaction.on_commit(lambda pid=place_id: control_recompute_task.delay(pid))


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
    return claim.date.overlaps(event.date)


def _source_weight(claim: Claim, sources: dict[int, Source]) -> float:
    source = sources.get(claim.report.source_id) if claim.report.source_id else None
    speaker = claim.speaker_actor_id
    affiliated = source.affiliation_id if source else None
    party = speaker or affiliated
    if party is not None and claim.actor1_id is not None and party == claim.actor1_id:
        return AFFILIATED_WEIGHT
    return INDEPENDENT_WEIGHT


def event_reconcile(*, event: Event, claims: Sequence[Claim]) -> dict[str, Any]:
    """Date, actors, confidence and disagreements of an event from its claims.

    The date is the intersection of the claims' intervals where they overlap (each
    claim bounds the event), else the narrowest; actors fill from any claim that names
    them; confidence grows with independent sources and shrinks with disagreement.
    """
    parents = dict(Actor.objects.values_list("id", "parent_id"))
    source_ids = {c.report.source_id for c in claims if c.report.source_id}
    sources = {s.id: s for s in Source.objects.filter(id__in=source_ids)}
    dated = [c.date for c in claims if c.date.is_known]
    date = DateInterval.unknown()
    disagreements: list[dict[str, Any]] = []
    if dated:
        date = dated[0]
        for other in dated[1:]:
            joined = date.intersect(other)
            if joined is None:
                date = min((date, other), key=lambda d: d.width_days or 10**6)
            else:
                date = joined
        distinct = sorted({(d.start, d.end) for d in dated}, key=lambda x: (x[0] or dt.date.min))
        if len(distinct) > 1:
            disagreements.append({
                "field": "date",
                "values": [DateInterval(s, e, "day").to_json() for s, e in distinct],
            })
    changes: dict[str, Any] = {"date_start": date.start, "date_end": date.end, "date_precision": date.precision}
    for role in ("actor1_id", "actor2_id"):
        named = [getattr(c, role) for c in claims if getattr(c, role)]
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
    reports = {c.report_id: c for c in claims}
    weight = sum(_source_weight(c, sources) for c in reports.values())
    sources_seen = {c.report.source_id or -c.report_id for c in claims}
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


@transaction.atomic
def events_merge(*, claims: Iterable[Claim]) -> list[Event]:
    """Attach each claim without an event to a matching event, or start a new one.

    Claims of type `held` support control periods directly and make no event.
    A claim that matches a rejected event joins it, and the event stays rejected:
    the editor's decision is not revived by new machine claims.
    """
    parents = dict(Actor.objects.values_list("id", "parent_id"))
    touched: dict[int, Event] = {}
    created: set[int] = set()
    for claim in claims:
        if claim.event_id or claim.type == ClaimType.HELD or claim.place_id is None:
            continue
        candidates = (
            Event.objects.select_for_update()
            .filter(place_id=claim.place_id, type=claim.type, merged_into__isnull=True)
            .order_by("id")
        )
        match = next((e for e in candidates if claim_fits_event(claim=claim, event=e, parents=parents)), None)
        if match is None:
            match = Event(type=claim.type, place_id=claim.place_id, actor1_id=claim.actor1_id,
                          actor2_id=claim.actor2_id)
            match.set_date(claim.date)
            match.save()
            created.add(match.pk)
        claim.event = match
        claim.save(update_fields=["event"])
        touched[match.pk] = match
    for event in touched.values():
        event_refresh_from_claims(event=event, created=event.pk in created)
    return list(touched.values())


def event_refresh_from_claims(*, event: Event, created: bool = False) -> Event:
    """Recompute an event's reconciled fields from its claims.

    A reviewed event keeps what the editor set (type, place, actors, dates); only its
    confidence and disagreements follow the claims.
    """
    claims = list(event.claims.select_related("report", "place"))
    if not claims and not created:
        return event
    changes = event_reconcile(event=event, claims=claims)
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
