"""Forms of the review pages: they parse and validate input, nothing more.

Names typed for places and actors are resolved to records here (any spelling, typo-tolerant)
so a form is valid only when every name means exactly one thing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from conflict.dates import PRECISIONS, DateInterval
from conflict.models import Actor, Event, EventType, Place, PlaceKind, Source
from conflict.selectors.review import (
    CONFIDENCE_BUCKETS,
    SORTS,
    NameNotResolved,
    QueueFilters,
    actor_resolve,
    place_resolve,
)


def _not_resolved(exc: NameNotResolved) -> ValidationError:
    message = str(exc)
    if exc.candidates:
        message += " " + "; ".join(m.label for m in exc.candidates)
    return ValidationError(message)


def resolve_place(text: str) -> Place:
    try:
        return place_resolve(text=text)
    except NameNotResolved as exc:
        raise _not_resolved(exc) from exc


def resolve_actor(text: str) -> Actor:
    try:
        return actor_resolve(text=text)
    except NameNotResolved as exc:
        raise _not_resolved(exc) from exc


def name_with_id(obj: Place | Actor | None) -> str:
    return f"{obj.name} #{obj.pk}" if obj is not None else ""


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "any status"), *Event.Status.choices], required=False)
    type = forms.ChoiceField(choices=[("", "any type"), *EventType.choices], required=False)
    confidence = forms.ChoiceField(choices=[("", "any")] + [(b, b) for b in CONFIDENCE_BUCKETS], required=False)
    place = forms.CharField(required=False, max_length=200)
    actor = forms.CharField(required=False, max_length=200)
    source = forms.ModelChoiceField(queryset=Source.objects.order_by("name"), required=False, empty_label="any source")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False)

    def clean_place(self) -> Place | None:
        text = self.cleaned_data["place"].strip()
        return resolve_place(text) if text else None

    def clean_actor(self) -> Actor | None:
        text = self.cleaned_data["actor"].strip()
        return resolve_actor(text) if text else None

    def filters(self) -> QueueFilters:
        """The filters as given; a filter that did not validate (an unknown place) is left out."""
        self.is_valid()
        data = self.cleaned_data
        return QueueFilters(
            status=data.get("status", "auto") if "status" in self.data else "auto",
            type=data.get("type") or "",
            confidence=data.get("confidence") or "",
            place=data.get("place"),
            actor=data.get("actor"),
            source=data.get("source"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or "newest",
        )


class VersionedForm(forms.Form):
    """The event version the editor saw, so a save never silently overwrites another's."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AcceptForm(VersionedForm):
    pass


class RejectForm(VersionedForm):
    reason = forms.CharField(max_length=1000, strip=True)


class CorrectForm(VersionedForm):
    type = forms.ChoiceField(choices=EventType.choices)
    place = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"list": "place-options",
                                                                          "autocomplete": "off"}))
    actor1 = forms.CharField(max_length=200, required=False, label="Actor 1 (acts)",
                             widget=forms.TextInput(attrs={"list": "actor-options", "autocomplete": "off"}))
    actor2 = forms.CharField(max_length=200, required=False, label="Actor 2 (acted on)",
                             widget=forms.TextInput(attrs={"list": "actor-options", "autocomplete": "off"}))
    date_start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_precision = forms.ChoiceField(choices=[(p, p) for p in PRECISIONS])
    reason = forms.CharField(max_length=1000, required=False, label="Note")

    @classmethod
    def for_event(cls, event: Event, **kwargs: Any) -> CorrectForm:
        initial = {
            "version": event.version, "type": event.type, "place": name_with_id(event.place),
            "actor1": name_with_id(event.actor1), "actor2": name_with_id(event.actor2),
            "date_start": event.date_start, "date_end": event.date_end, "date_precision": event.date_precision,
        }
        return cls(initial=initial, **kwargs)

    def clean_place(self) -> Place:
        return resolve_place(self.cleaned_data["place"])

    def clean_actor1(self) -> Actor | None:
        text = self.cleaned_data["actor1"].strip()
        return resolve_actor(text) if text else None

    def clean_actor2(self) -> Actor | None:
        text = self.cleaned_data["actor2"].strip()
        return resolve_actor(text) if text else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end, precision = data.get("date_start"), data.get("date_end"), data.get("date_precision")
        if start and not end and precision == "day":
            data["date_end"] = end = start
        if precision == "unknown" and (start or end):
            self.add_error("date_precision", "A date with a start or end needs a precision other than unknown.")
        if precision and precision != "unknown" and not (start or end):
            self.add_error("date_start", "Give a start or an end, or set the precision to unknown.")
        if start and end and start > end:
            self.add_error("date_end", "The end is before the start.")
        a1, a2 = data.get("actor1"), data.get("actor2")
        if a1 is not None and a1 == a2:
            self.add_error("actor2", "Actor 2 is the same as actor 1.")
        return data

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        DateInterval(d["date_start"], d["date_end"], d["date_precision"])  # the one date rule
        return {
            "type": d["type"],
            "place_id": d["place"].pk,
            "actor1_id": d["actor1"].pk if d["actor1"] else None,
            "actor2_id": d["actor2"].pk if d["actor2"] else None,
            "date_start": d["date_start"],
            "date_end": d["date_end"],
            "date_precision": d["date_precision"],
        }


def correction_rebase(
    *, data: Any, mine: dict[str, Any], theirs: dict[str, tuple[Any, Any]], event: Event
) -> list[str]:
    """After a conflict, keep the other editor's value in every field this editor left as it was,
    so re-applying adds this editor's changes to theirs instead of reverting them. Edits `data`
    (the re-bound form data) in place and returns the labels of the fields taken from theirs."""
    form_names = {"type": "type", "place_id": "place", "actor1_id": "actor1", "actor2_id": "actor2",
                  "date_start": "date_start", "date_end": "date_end", "date_precision": "date_precision"}
    current = {"type": event.type, "place_id": name_with_id(event.place), "actor1_id": name_with_id(event.actor1),
               "actor2_id": name_with_id(event.actor2),
               "date_start": event.date_start.isoformat() if event.date_start else "",
               "date_end": event.date_end.isoformat() if event.date_end else "",
               "date_precision": event.date_precision}
    kept = []
    for name, (before, _after) in theirs.items():
        if name not in form_names:
            continue
        value = mine.get(name)
        value = value.isoformat() if hasattr(value, "isoformat") else value
        if value == before:
            data[form_names[name]] = current[name]
            kept.append(form_names[name].replace("_", " "))
    return kept


class MergeForm(VersionedForm):
    into = forms.IntegerField(min_value=1, label="Merge into event")
    into_version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class SplitForm(VersionedForm):
    pass


class UndoForm(forms.Form):
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    """Selected items arrive as `id:version` so a bulk action also respects optimistic locking."""

    action = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    reason = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected: dict[int, int] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for raw in self.data.getlist("selected") if hasattr(self.data, "getlist") else []:
            event_id, _, version = raw.partition(":")
            if not event_id.isdigit() or (version and not version.isdigit()):
                raise ValidationError(f"Bad selection {raw!r}.")
            self.selected[int(event_id)] = int(version) if version else 0
        if not self.selected:
            raise ValidationError("Select at least one event.")
        if data.get("action") == "reject" and not data.get("reason"):
            self.add_error("reason", "Say why the selected events are rejected.")
        return data

    def versions(self) -> dict[int, int]:
        return {k: v for k, v in self.selected.items() if v}


class DuplicateForm(forms.Form):
    duplicate_of = forms.IntegerField(min_value=1, label="Duplicate of report")


class ProposalPlaceCreateForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
    kind = forms.ChoiceField(choices=PlaceKind.choices, initial=PlaceKind.VILLAGE)
    admin1 = forms.CharField(max_length=100, label="Governorate")
    admin2 = forms.CharField(max_length=100, required=False, label="District")


class ProposalPlaceFoldForm(forms.Form):
    place = forms.CharField(max_length=200, label="Spelling of",
                            widget=forms.TextInput(attrs={"list": "place-options", "autocomplete": "off"}))

    def clean_place(self) -> Place:
        return resolve_place(self.cleaned_data["place"])


class ProposalActorAliasForm(forms.Form):
    actor = forms.CharField(max_length=200, label="Alias of",
                            widget=forms.TextInput(attrs={"list": "actor-options", "autocomplete": "off"}))

    def clean_actor(self) -> Actor:
        return resolve_actor(self.cleaned_data["actor"])
