"""Reads of the change history: an event's history for its page, the changes another editor
made since a version, and where a merged event's id leads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from conflict.dates import DateInterval, format_interval
from conflict.models import Actor, ChangeRecord, Event, Place

FIELD_LABELS = {
    "type": "type",
    "place_id": "place",
    "actor1_id": "actor 1",
    "actor2_id": "actor 2",
    "status": "status",
    "confidence": "confidence",
    "merged_into_id": "merged into",
    "reject_reason": "reject reason",
    "event_id": "event",
    "duplicate_of_id": "duplicate of report",
}
DATE_KEYS = ("date_start", "date_end", "date_precision")
EDITOR_FIELDS = {"type", "place_id", "actor1_id", "actor2_id", "date_start", "date_end", "date_precision", "status",
                 "merged_into_id", "reject_reason"}


@dataclass
class FieldDiff:
    field: str
    label: str
    before: str
    after: str


@dataclass
class EventHistoryEntry:
    record: ChangeRecord
    object_type: str
    action: str
    user: str
    diffs: list[FieldDiff] = field(default_factory=list)
    undone_by: int | None = None
    undoable: bool = False


def _touched(record: ChangeRecord) -> list[str]:
    keys = set(record.before) | set(record.after)
    return sorted(k for k in keys if record.before.get(k) != record.after.get(k))


def _display(name: str, value: Any, places: dict[int, str], actors: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name == "place_id":
        return places.get(value, f"place {value}")
    if name in {"actor1_id", "actor2_id"}:
        return actors.get(value, f"actor {value}")
    if name in {"merged_into_id", "event_id"}:
        return f"event {value}"
    if name == "duplicate_of_id":
        return f"report {value}"
    if name == "confidence" and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _date_of(snapshot: dict[str, Any]) -> str:
    if not any(k in snapshot for k in DATE_KEYS):
        return "—"
    try:
        return format_interval(DateInterval.from_json({"start": snapshot.get("date_start"),
                                                       "end": snapshot.get("date_end"),
                                                       "precision": snapshot.get("date_precision")}))
    except ValueError:
        return f"{snapshot.get('date_start')}–{snapshot.get('date_end')}"


def history_entries(records: list[ChangeRecord]) -> list[EventHistoryEntry]:
    """Records made readable: names instead of ids, one date line instead of three fields."""
    place_ids: set[int] = set()
    actor_ids: set[int] = set()
    for r in records:
        for snap in (r.before, r.after):
            if isinstance(snap.get("place_id"), int):
                place_ids.add(snap["place_id"])
            for k in ("actor1_id", "actor2_id"):
                if isinstance(snap.get(k), int):
                    actor_ids.add(snap[k])
    places = dict(Place.objects.filter(pk__in=place_ids).values_list("pk", "name"))
    actors = dict(Actor.objects.filter(pk__in=actor_ids).values_list("pk", "name"))
    undone = dict(ChangeRecord.objects.filter(undoes__in=[r.pk for r in records]).values_list("undoes_id", "pk"))
    entries = []
    for r in records:
        touched = _touched(r)
        diffs = []
        if any(k in DATE_KEYS for k in touched):
            diffs.append(FieldDiff("date", "date", _date_of(r.before), _date_of(r.after)))
        for k in touched:
            if k in DATE_KEYS or k in {"disagreements", "flags", "casualties"}:
                continue
            diffs.append(FieldDiff(k, FIELD_LABELS.get(k, k.replace("_", " ")),
                                   _display(k, r.before.get(k), places, actors),
                                   _display(k, r.after.get(k), places, actors)))
        # Only an editor's own decisions are offered for undo: a record that merely recomputed
        # what the claims say (confidence) is undone through the change that caused it.
        decided = set(touched) & EDITOR_FIELDS
        undoable = (r.object_type == "event" and r.pk not in undone and bool(r.before)
                    and r.action != ChangeRecord.Action.CREATE
                    and (bool(decided) or r.action == ChangeRecord.Action.SPLIT))
        entries.append(EventHistoryEntry(record=r, object_type=r.object_type, action=r.action,
                                         user=r.user.username if r.user_id else "tagger",
                                         diffs=diffs, undone_by=undone.get(r.pk), undoable=undoable))
    return entries


def event_history(*, event_id: int) -> list[EventHistoryEntry]:
    """Every change to the event, and every claim that joined or left it, newest first."""
    records = list(
        ChangeRecord.objects.filter(
            Q(object_type="event", object_id=event_id)
            | Q(object_type="claim", before__event_id=event_id)
            | Q(object_type="claim", after__event_id=event_id)
        )
        .select_related("user")
        .order_by("-at", "-id")
    )
    return history_entries(records)


def event_changes_since(*, event: Event, version: int) -> list[EventHistoryEntry]:
    """The changes made after the editor loaded `version`: each event write bumps the version
    by one and writes one record, so they are the newest (current - version) writes."""
    missed = max(event.version - version, 0)
    if not missed:
        return []
    records = list(
        ChangeRecord.objects.filter(object_type="event", object_id=event.pk)
        .exclude(action=ChangeRecord.Action.CREATE)
        .exclude(action=ChangeRecord.Action.SPLIT, before={})
        .select_related("user")
        .order_by("-id")[:missed]
    )
    return history_entries(records)


def event_canonical(*, event_id: int) -> Event:
    """The event an id stands for now: a merged event leads to the one it was merged into."""
    event = Event.objects.get(pk=event_id)
    seen = {event.pk}
    while event.merged_into_id and event.merged_into_id not in seen:
        seen.add(event.merged_into_id)
        event = Event.objects.get(pk=event.merged_into_id)
    return event


def change_get(*, record_id: int) -> ChangeRecord:
    return ChangeRecord.objects.get(pk=record_id)


def event_fields_changed_since(*, event: Event, version: int) -> dict[str, tuple[Any, Any]]:
    """Each event field the missed changes touched: (value when the editor loaded it, value now)."""
    missed = max(event.version - version, 0)
    if not missed:
        return {}
    records = list(
        ChangeRecord.objects.filter(object_type="event", object_id=event.pk)
        .exclude(action=ChangeRecord.Action.CREATE)
        .exclude(action=ChangeRecord.Action.SPLIT, before={})
        .order_by("-id")[:missed]
    )
    out: dict[str, tuple[Any, Any]] = {}
    for r in reversed(records):  # oldest first, so `before` is what the editor saw
        for k in _touched(r):
            first = out.get(k, (r.before.get(k), None))[0]
            out[k] = (first, r.after.get(k))
    return out
