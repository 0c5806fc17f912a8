"""What editors do to events: accept, correct, reject, merge, split, undo, mark duplicates,
and resolve the tagger's proposals (new places, actor aliases).

Every event write goes through conflict.services.events.event_apply_change, so history,
the change feed and the control recompute stay in one place. Claims, places, actors and
reports are recorded with conflict.services.history.change_record.

Undo policy: undoing a change restores the `before` values of the fields that change
touched, as a new change (action=undo, undoes=the record). It is refused when a later
change to the same object touched any of those fields: undo the later change first
(newest first). That way an undo never silently throws away someone else's later work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from conflict.dates import DateInterval
from conflict.models import (
    Actor,
    ActorName,
    ChangeRecord,
    Claim,
    Event,
    EventChange,
    EventType,
    Place,
    PlaceKind,
    PlaceName,
    TaggerProposal,
)
from conflict.names import normalize_name
from conflict.services.events import (
    EVENT_FIELDS,
    EventVersionConflict,
    control_recompute_on_commit,
    event_apply_change,
    event_change_log,
    event_reconcile,
    event_snapshot,
)
from conflict.services.history import change_record
from conflict.services.reference import reference_version_bump
from reports.models import Report

__all__ = [
    "EventVersionConflict",
    "ReviewError",
    "UndoConflict",
    "event_accept",
    "event_correct",
    "event_reject",
    "event_merge",
    "claim_split",
    "change_undo",
    "events_bulk_review",
    "report_mark_duplicate",
    "proposal_place_create",
    "proposal_place_fold",
    "proposal_actor_alias_add",
    "proposal_dismiss",
]

CORRECTABLE_FIELDS = ("type", "place_id", "actor1_id", "actor2_id", "date_start", "date_end", "date_precision")
DATE_FIELDS = {"date_start", "date_end"}
# Fields an event's claims decide while it is unreviewed; see event_reconcile.
RECONCILED_FIELDS = ("date_start", "date_end", "date_precision", "actor1_id", "actor2_id", "confidence",
                     "disagreements", "flags", "casualties")


class ReviewError(ValueError):
    """An editor action that cannot be done, with a message meant for the editor."""


class UndoConflict(ReviewError):
    def __init__(self, message: str, *, later: Sequence[ChangeRecord]) -> None:
        super().__init__(message)
        self.later = list(later)


def _live(event: Event) -> None:
    if event.merged_into_id:
        raise ReviewError(f"Event {event.pk} was merged into event {event.merged_into_id}; edit that one instead.")


# --- single-event actions ---------------------------------------------------------------

@transaction.atomic
def event_accept(*, event: Event, user: AbstractBaseUser, expected_version: int | None = None) -> Event:
    """The editor agrees with the event as it stands."""
    _live(event)
    return event_apply_change(event=event, changes={"status": Event.Status.REVIEWED, "reject_reason": ""},
                              action=ChangeRecord.Action.ACCEPT, user=user, expected_version=expected_version)


@transaction.atomic
def event_correct(
    *,
    event: Event,
    user: AbstractBaseUser,
    changes: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Event:
    """Set type, place, actors or date; the event becomes reviewed, so re-tagging keeps it."""
    _live(event)
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ReviewError(f"These fields cannot be corrected here: {', '.join(sorted(unknown))}")
    if "type" in changes and changes["type"] not in EventType.values:
        raise ReviewError(f"Unknown event type {changes['type']!r}.")
    date = DateInterval(
        changes.get("date_start", event.date_start),
        changes.get("date_end", event.date_end),
        changes.get("date_precision", event.date_precision),
    )  # raises ValueError on an end before the start
    if date.precision != "unknown" and not date.is_known:
        raise ReviewError("A date with a precision needs a start or an end.")
    actor1 = changes.get("actor1_id", event.actor1_id)
    actor2 = changes.get("actor2_id", event.actor2_id)
    if actor1 is not None and actor1 == actor2:
        raise ReviewError("The acting side and the side acted on are the same actor.")
    place_id = changes.get("place_id", event.place_id)
    if place_id != event.place_id and Place.objects.filter(pk=place_id, status=Place.Status.MERGED).exists():
        raise ReviewError("That place was merged into another; pick the place it was merged into.")
    all_changes = {**changes, "status": Event.Status.REVIEWED, "reject_reason": ""}
    return event_apply_change(event=event, changes=all_changes, action=ChangeRecord.Action.UPDATE, user=user,
                              reason=reason, expected_version=expected_version)


@transaction.atomic
def event_reject(*, event: Event, user: AbstractBaseUser, reason: str, expected_version: int | None = None) -> Event:
    """Kept and marked, never shown as fact; later machine claims do not revive it."""
    _live(event)
    reason = reason.strip()
    if not reason:
        raise ReviewError("Say why the event is rejected.")
    return event_apply_change(event=event, changes={"status": Event.Status.REJECTED, "reject_reason": reason},
                              action=ChangeRecord.Action.REJECT, user=user, reason=reason,
                              expected_version=expected_version)


def _refresh_changes(event: Event, claims: list[Claim]) -> dict[str, Any]:
    """What the claims now say about an event; a reviewed event keeps the editor's fields."""
    if not claims:
        return {}
    changes = event_reconcile(event=event, claims=claims)
    if event.status != Event.Status.AUTO:
        changes = {k: v for k, v in changes.items() if k in {"confidence", "disagreements", "flags", "casualties"}}
    return {k: v for k, v in changes.items() if getattr(event, k) != v}


def _claims_move(*, claims: Iterable[Claim], to_event: Event | None, action: str, user: AbstractBaseUser | None,
                 reason: str) -> list[Claim]:
    moved = []
    for claim in claims:
        before = claim.event_id
        if before == (to_event.pk if to_event else None):
            continue
        claim.event = to_event
        claim.save(update_fields=["event"])
        change_record(object_type="claim", object_id=claim.pk, action=action, before={"event_id": before},
                      after={"event_id": claim.event_id}, user=user, reason=reason)
        moved.append(claim)
    return moved


def _event_claims(event: Event) -> list[Claim]:
    return list(event.claims.select_related("report", "place").exclude(report__duplicate_of__isnull=False))


@transaction.atomic
def event_merge(
    *,
    event: Event,
    into: Event,
    user: AbstractBaseUser,
    expected_version: int | None = None,
    into_expected_version: int | None = None,
) -> Event:
    """`event` describes the same thing as `into`: its claims join `into`, and it stays,
    marked merged, so its id keeps resolving to `into`."""
    _live(event)
    while into.merged_into_id:
        into = Event.objects.get(pk=into.merged_into_id)
    if into.pk == event.pk:
        raise ReviewError("An event cannot be merged into itself.")
    if into.status == Event.Status.REJECTED:
        raise ReviewError(f"Event {into.pk} is rejected; merge the other way round or reinstate it first.")
    # Lock both rows in id order so two editors merging a pair in opposite directions cannot deadlock.
    list(Event.objects.select_for_update().filter(pk__in=[event.pk, into.pk]).order_by("pk"))
    reason = f"merged into event {into.pk}"
    moved = _claims_move(claims=event.claims.all(), to_event=into, action=ChangeRecord.Action.MERGE, user=user,
                         reason=reason)
    merged = event_apply_change(event=event, changes={"merged_into_id": into.pk}, action=ChangeRecord.Action.MERGE,
                                user=user, reason=reason, expected_version=expected_version)
    into.refresh_from_db()
    changes = _refresh_changes(into, _event_claims(into))
    if moved or changes or into_expected_version is not None:
        event_apply_change(event=into, changes=changes, action=ChangeRecord.Action.MERGE, user=user,
                           reason=f"event {event.pk} merged into it", expected_version=into_expected_version)
    return merged


@transaction.atomic
def claim_split(*, claim: Claim, user: AbstractBaseUser, expected_version: int | None = None) -> Event:
    """Take one claim out of its event into a new event of its own (reviewed: the editor decided
    it). `expected_version` is the old event's version."""
    if claim.event_id is None:
        raise ReviewError("This claim belongs to no event.")
    old = Event.objects.select_for_update().get(pk=claim.event_id)
    _live(old)
    if expected_version is not None and old.version != expected_version:
        raise EventVersionConflict(event=old, expected_version=expected_version)
    if old.claims.count() < 2:
        raise ReviewError("This is the event's only claim; correct the event instead of splitting it.")
    if claim.place_id is None or claim.type not in EventType.values:
        raise ReviewError("Only a claim with an event type and a place can become an event.")
    # The split is the editor's decision about this claim, so the new event is reviewed: a re-tag
    # brings the claim back to it instead of folding it into the old event again.
    new = Event(type=claim.type, place_id=claim.place_id, actor1_id=claim.actor1_id, actor2_id=claim.actor2_id,
                status=Event.Status.REVIEWED, reviewed_by=user, reviewed_at=timezone.now())
    new.set_date(claim.date)
    new.save()
    _claims_move(claims=[claim], to_event=new, action=ChangeRecord.Action.SPLIT, user=user,
                 reason=f"split from event {old.pk} into event {new.pk}")
    claim.report = Report.objects.get(pk=claim.report_id)
    for name, value in event_reconcile(event=new, claims=[claim]).items():
        setattr(new, name, value)
    new.save()
    change_record(object_type="event", object_id=new.pk, action=ChangeRecord.Action.SPLIT, after=event_snapshot(new),
                  user=user, reason=f"split from event {old.pk}")
    event_change_log(event=new, kind=EventChange.Kind.CREATED)
    control_recompute_on_commit(place_ids=[new.place_id])
    event_apply_change(event=old, changes=_refresh_changes(old, _event_claims(old)), action=ChangeRecord.Action.SPLIT,
                       user=user, reason=f"claim {claim.pk} split off into event {new.pk}")
    return new


# --- undo ------------------------------------------------------------------------------

def _touched(record: ChangeRecord) -> list[str]:
    keys = set(record.before) | set(record.after)
    return sorted(k for k in keys if record.before.get(k) != record.after.get(k))


def _field_value(name: str, value: Any) -> Any:
    if name in DATE_FIELDS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _later_conflicts(record: ChangeRecord, fields: list[str]) -> list[ChangeRecord]:
    later = ChangeRecord.objects.filter(object_type=record.object_type, object_id=record.object_id, id__gt=record.id)
    return [r for r in later.order_by("id") if set(_touched(r)) & set(fields)]


@transaction.atomic
def change_undo(*, record: ChangeRecord, user: AbstractBaseUser, expected_version: int | None = None) -> ChangeRecord:
    """Undo one change to an event: restore the `before` values of the fields it touched.

    A merge's undo also takes back the claims it moved; a split's undo (on the event the
    claim was split from) merges the split-off event back. Refused when a later change
    touched the same fields, or when the change was already undone.
    """
    record = ChangeRecord.objects.select_for_update().get(pk=record.pk)
    if record.object_type != "event":
        raise ReviewError("Only event changes can be undone here; place, actor and claim changes are undone "
                          "through the event or proposal they belong to.")
    if record.undone_by.exists():
        raise ReviewError(f"Change {record.pk} was already undone (by change {record.undone_by.first().pk}).")
    event = Event.objects.get(pk=record.object_id)
    if record.action == ChangeRecord.Action.SPLIT and not record.before:
        raise ReviewError("This event was made by a split; undo the split on the event it came from.")
    if record.action == ChangeRecord.Action.SPLIT:
        return _split_undo(record=record, event=event, user=user, expected_version=expected_version)
    fields = [f for f in _touched(record) if f in EVENT_FIELDS]
    if not fields:
        raise ReviewError(f"Change {record.pk} changed no event field, so there is nothing to undo.")
    later = _later_conflicts(record, fields)
    if later:
        ids = ", ".join(str(r.pk) for r in later)
        raise UndoConflict(f"Later changes ({ids}) touched the same fields ({', '.join(fields)}); undo those first.",
                           later=later)
    changes = {f: _field_value(f, record.before.get(f)) for f in fields}
    moved_back: list[Claim] = []
    if record.action == ChangeRecord.Action.MERGE and "merged_into_id" in fields:
        target_id = record.after["merged_into_id"]
        # The claims this merge moved, still on the event they were moved to.
        claim_ids = ChangeRecord.objects.filter(
            object_type="claim", action=ChangeRecord.Action.MERGE, id__lt=record.id,
            before__event_id=event.pk, after__event_id=target_id,
        ).values_list("object_id", flat=True)
        moved_back = _claims_move(claims=Claim.objects.filter(pk__in=list(claim_ids), event_id=target_id),
                                  to_event=event, action=ChangeRecord.Action.UNDO, user=user,
                                  reason=f"undo of change {record.pk}")
    event_apply_change(event=event, changes=changes, action=ChangeRecord.Action.UNDO, user=user,
                       reason=f"undo of change {record.pk} ({record.action})", expected_version=expected_version,
                       undoes=record)
    if moved_back:
        target = Event.objects.get(pk=record.after["merged_into_id"])
        event_apply_change(event=target, changes=_refresh_changes(target, _event_claims(target)),
                           action=ChangeRecord.Action.UNDO, user=user,
                           reason=f"event {event.pk} taken out again (undo of change {record.pk})")
    return ChangeRecord.objects.filter(undoes=record).latest("id")


def _split_undo(*, record: ChangeRecord, event: Event, user: AbstractBaseUser,
                expected_version: int | None) -> ChangeRecord:
    claim_moves = ChangeRecord.objects.filter(object_type="claim", action=ChangeRecord.Action.SPLIT,
                                              before__event_id=event.pk, id__lt=record.id).order_by("-id")
    split_off = next((Event.objects.get(pk=m.after["event_id"]) for m in claim_moves
                      if m.reason.endswith(f"split from event {event.pk} into event {m.after['event_id']}")), None)
    if split_off is None:
        raise ReviewError("The event this split made cannot be found.")
    if split_off.merged_into_id:
        raise ReviewError(f"Event {split_off.pk} made by this split was already merged into event "
                          f"{split_off.merged_into_id}.")
    list(Event.objects.select_for_update().filter(pk__in=[event.pk, split_off.pk]).order_by("pk"))
    reason = f"undo of change {record.pk} (split)"
    _claims_move(claims=split_off.claims.all(), to_event=event, action=ChangeRecord.Action.UNDO, user=user,
                 reason=reason)
    event_apply_change(event=split_off, changes={"merged_into_id": event.pk}, action=ChangeRecord.Action.MERGE,
                       user=user, reason=f"merged back into event {event.pk} ({reason})")
    event.refresh_from_db()
    event_apply_change(event=event, changes=_refresh_changes(event, _event_claims(event)),
                       action=ChangeRecord.Action.UNDO, user=user, reason=reason, undoes=record,
                       expected_version=expected_version)
    return ChangeRecord.objects.filter(undoes=record).latest("id")


# --- bulk ------------------------------------------------------------------------------

@dataclass
class BulkResult:
    done: list[int]
    skipped: dict[int, str]


@transaction.atomic
def events_bulk_review(
    *, event_ids: Sequence[int], action: str, user: AbstractBaseUser, reason: str = "",
    versions: dict[int, int] | None = None,
) -> BulkResult:
    """Accept or reject many events. One that changed since the editor saw it (its version
    in `versions` no longer matches) or that was merged is skipped and reported, not overwritten."""
    if action not in {"accept", "reject"}:
        raise ReviewError("Bulk actions are accept and reject.")
    if action == "reject" and not reason.strip():
        raise ReviewError("Say why the selected events are rejected.")
    versions = versions or {}
    result = BulkResult(done=[], skipped={})
    for event in Event.objects.filter(pk__in=event_ids).order_by("pk"):
        try:
            with transaction.atomic():
                if action == "accept":
                    event_accept(event=event, user=user, expected_version=versions.get(event.pk))
                else:
                    event_reject(event=event, user=user, reason=reason, expected_version=versions.get(event.pk))
        except (ReviewError, EventVersionConflict) as exc:
            result.skipped[event.pk] = str(exc)
        else:
            result.done.append(event.pk)
    for missing in set(event_ids) - set(result.done) - set(result.skipped):
        result.skipped[missing] = "no such event"
    return result


# --- duplicate reports -------------------------------------------------------------------

@transaction.atomic
def report_mark_duplicate(*, report: Report, duplicate_of: Report, user: AbstractBaseUser) -> list[Event]:
    """The report repeats another: its claims leave their events (they stay on the report,
    with history) and the events they supported are recomputed. An unreviewed event left
    with no claims is rejected, with the reason, rather than deleted."""
    if report.pk == duplicate_of.pk:
        raise ReviewError("A report cannot be a duplicate of itself.")
    while duplicate_of.duplicate_of_id:
        duplicate_of = Report.objects.get(pk=duplicate_of.duplicate_of_id)
        if duplicate_of.pk == report.pk:
            raise ReviewError("That would make the two reports duplicates of each other.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    change_record(object_type="report", object_id=report.pk, action=ChangeRecord.Action.UPDATE,
                  before={"duplicate_of_id": report.duplicate_of_id}, after={"duplicate_of_id": duplicate_of.pk},
                  user=user, reason=f"duplicate of report {duplicate_of.pk}")
    report.duplicate_of = duplicate_of
    report.save(update_fields=["duplicate_of", "updated_at"])
    claims = list(report.claims.filter(event__isnull=False))
    event_ids = sorted({c.event_id for c in claims})
    _claims_move(claims=claims, to_event=None, action=ChangeRecord.Action.UPDATE, user=user,
                 reason=f"report {report.pk} is a duplicate of report {duplicate_of.pk}")
    touched = []
    for event in Event.objects.filter(pk__in=event_ids).order_by("pk"):
        remaining = _event_claims(event)
        reason = f"report {report.pk} marked as a duplicate of report {duplicate_of.pk}"
        if not remaining and event.status == Event.Status.AUTO and not event.merged_into_id:
            event_apply_change(event=event, changes={"status": Event.Status.REJECTED,
                                                     "reject_reason": f"its only report ({report.pk}) is a duplicate"},
                               action=ChangeRecord.Action.REJECT, user=user, reason=reason)
        else:
            changes = _refresh_changes(event, remaining)
            if not changes:
                continue
            event_apply_change(event=event, changes=changes, action=ChangeRecord.Action.UPDATE, user=user,
                               reason=reason)
        touched.append(event)
    return touched


# --- tagger proposals ------------------------------------------------------------------

def _reports_retag_on_commit(report_ids: Iterable[int]) -> None:
    """Re-tag the reports that named the new spelling, once the new names are committed.

    Uses the ingestion work's queueing service when there is one, else its task directly.
    """
    ids = sorted(set(report_ids))
    if not ids:
        return
    try:
        from reports.services import report_retag_queue  # type: ignore[attr-defined]
    except ImportError:
        report_retag_queue = None
    if report_retag_queue is not None:
        transaction.on_commit(lambda: report_retag_queue(report_ids=ids))
        return
    try:
        from reports.tasks import tag_report  # type: ignore[attr-defined]
    except ImportError:
        return
    for rid in ids:
        transaction.on_commit(lambda rid=rid: tag_report.delay(rid, force=True))


def _open_proposal(proposal: TaggerProposal, kind: str) -> TaggerProposal:
    locked = TaggerProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.kind != kind:
        raise ReviewError(f"Proposal {locked.pk} is a {locked.kind} proposal.")
    if locked.status != TaggerProposal.Status.OPEN:
        raise ReviewError(f"Proposal {locked.pk} was already {locked.status}.")
    return locked


def _proposal_close(proposal: TaggerProposal, *, user: AbstractBaseUser, status: str) -> None:
    proposal.status = status
    proposal.resolved_by = user
    proposal.resolved_at = timezone.now()
    proposal.save(update_fields=["status", "resolved_by", "resolved_at"])


def _place_snapshot(place: Place) -> dict[str, Any]:
    return {k: getattr(place, k) for k in ("name", "status", "kind", "lat", "lon", "admin1", "admin2",
                                           "merged_into_id")}


def _unique_place_slug(name: str, exclude: int | None = None) -> str:
    base = slugify(name) or "place"
    slug, n = base, 2
    while Place.objects.filter(slug=slug).exclude(pk=exclude).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def proposal_place_create(
    *, proposal: TaggerProposal, user: AbstractBaseUser, lat: float, lon: float, kind: str, admin1: str,
    admin2: str = "", name: str = "",
) -> Place:
    """The proposed place is real: it becomes a confirmed place with coordinates."""
    proposal = _open_proposal(proposal, TaggerProposal.Kind.PLACE)
    if kind not in PlaceKind.values:
        raise ReviewError(f"Unknown place kind {kind!r}.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ReviewError("Latitude must be within -90..90 and longitude within -180..180.")
    name = (name or proposal.name).strip()
    place = proposal.place
    if place is None:
        place = Place.objects.create(name=name, slug=_unique_place_slug(name), status=Place.Status.PROPOSED)
        change_record(object_type="place", object_id=place.pk, action=ChangeRecord.Action.CREATE,
                      after=_place_snapshot(place), user=user, reason=f"from proposal {proposal.pk}")
    place = Place.objects.select_for_update().get(pk=place.pk)
    if place.status == Place.Status.MERGED:
        raise ReviewError(f"The proposed place was already merged into place {place.merged_into_id}.")
    before = _place_snapshot(place)
    place.name, place.lat, place.lon, place.kind = name, lat, lon, kind
    place.admin1, place.admin2, place.status = admin1.strip(), admin2.strip(), Place.Status.CONFIRMED
    place.data_source = "editor"
    place.save()
    PlaceName.objects.get_or_create(place=place, name=proposal.name,
                                    defaults={"normalized": normalize_name(proposal.name)})
    if name != proposal.name:
        PlaceName.objects.get_or_create(place=place, name=name, defaults={"normalized": normalize_name(name)})
    change_record(object_type="place", object_id=place.pk, action=ChangeRecord.Action.ACCEPT, before=before,
                  after=_place_snapshot(place), user=user, reason=f"proposal {proposal.pk} confirmed")
    proposal.place = place
    proposal.save(update_fields=["place"])
    _proposal_close(proposal, user=user, status=TaggerProposal.Status.ACCEPTED)
    reference_version_bump(name="gazetteer")
    # Events on a proposed place were marked down in confidence; they are re-derived on re-tag.
    _reports_retag_on_commit(proposal.reports.values_list("pk", flat=True))
    return place


@transaction.atomic
def proposal_place_fold(*, proposal: TaggerProposal, into: Place, user: AbstractBaseUser) -> Place:
    """The proposed place is another spelling of `into`: the spelling is added there, and the
    claims and events on the proposed place move to it."""
    proposal = _open_proposal(proposal, TaggerProposal.Kind.PLACE)
    while into.merged_into_id:
        into = Place.objects.get(pk=into.merged_into_id)
    if proposal.place_id == into.pk:
        raise ReviewError("That is the proposed place itself.")
    if into.status == Place.Status.PROPOSED:
        raise ReviewError(f"{into.name} is itself only proposed; confirm it first.")
    spelling, created = PlaceName.objects.get_or_create(
        place=into, name=proposal.name, defaults={"normalized": normalize_name(proposal.name)})
    change_record(object_type="place", object_id=into.pk, action=ChangeRecord.Action.UPDATE,
                  before={}, after={"spelling_added": spelling.name} if created else {},
                  user=user, reason=f"proposal {proposal.pk}: {proposal.name} is a spelling of {into.name}")
    old = proposal.place
    if old is not None:
        old = Place.objects.select_for_update().get(pk=old.pk)
        reason = f"place {old.pk} ({old.name}) is a spelling of place {into.pk} ({into.name})"
        for claim in Claim.objects.filter(place=old).order_by("pk"):
            change_record(object_type="claim", object_id=claim.pk, action=ChangeRecord.Action.UPDATE,
                          before={"place_id": old.pk}, after={"place_id": into.pk}, user=user, reason=reason)
        Claim.objects.filter(place=old).update(place=into)
        for event in Event.objects.filter(place=old).order_by("pk"):
            event_apply_change(event=event, changes={"place_id": into.pk}, action=ChangeRecord.Action.UPDATE,
                               user=user, reason=reason)
        before = _place_snapshot(old)
        old.status, old.merged_into = Place.Status.MERGED, into
        old.save(update_fields=["status", "merged_into", "updated_at"])
        change_record(object_type="place", object_id=old.pk, action=ChangeRecord.Action.MERGE, before=before,
                      after=_place_snapshot(old), user=user, reason=reason)
    proposal.place = into
    proposal.save(update_fields=["place"])
    _proposal_close(proposal, user=user, status=TaggerProposal.Status.ACCEPTED)
    reference_version_bump(name="gazetteer")
    _reports_retag_on_commit(proposal.reports.values_list("pk", flat=True))
    return into


@transaction.atomic
def proposal_actor_alias_add(*, proposal: TaggerProposal, actor: Actor, user: AbstractBaseUser) -> ActorName:
    """The proposed name is an alias of `actor`."""
    proposal = _open_proposal(proposal, TaggerProposal.Kind.ACTOR_ALIAS)
    alias, created = ActorName.objects.get_or_create(
        actor=actor, name=proposal.name, defaults={"normalized": normalize_name(proposal.name)})
    change_record(object_type="actor", object_id=actor.pk, action=ChangeRecord.Action.UPDATE, before={},
                  after={"alias_added": alias.name} if created else {}, user=user,
                  reason=f"proposal {proposal.pk}: {proposal.name} is an alias of {actor.name}")
    proposal.actor = actor
    proposal.save(update_fields=["actor"])
    _proposal_close(proposal, user=user, status=TaggerProposal.Status.ACCEPTED)
    reference_version_bump(name="actors")
    _reports_retag_on_commit(proposal.reports.values_list("pk", flat=True))
    return alias


@transaction.atomic
def proposal_dismiss(*, proposal: TaggerProposal, user: AbstractBaseUser) -> TaggerProposal:
    proposal = TaggerProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != TaggerProposal.Status.OPEN:
        raise ReviewError(f"Proposal {proposal.pk} was already {proposal.status}.")
    _proposal_close(proposal, user=user, status=TaggerProposal.Status.DISMISSED)
    change_record(object_type="proposal", object_id=proposal.pk, action=ChangeRecord.Action.REJECT,
                  before={"status": "open"}, after={"status": "dismissed"}, user=user)
    return proposal
