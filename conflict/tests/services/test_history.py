"""The history selectors (conflict/selectors/history.py) as editors see them."""

from __future__ import annotations

import datetime as dt

import pytest

from conflict.models import ChangeRecord
from conflict.selectors.history import event_canonical, event_changes_since, event_history
from conflict.services import review
from conflict.tests.factories import ClaimFactory, EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def test_event_history_names_who_changed_what_newest_first(editor):
    event = EventFactory()
    ClaimFactory(event=event, place=event.place)
    new_place = PlaceFactory(name="Gharanij Test")
    review.event_correct(event=event, user=editor, changes={"place_id": new_place.pk})
    review.event_correct(event=event, user=editor, changes={"date_start": dt.date(2018, 12, 10),
                                                            "date_end": dt.date(2018, 12, 14)})
    history = event_history(event_id=event.pk)
    assert [h.action for h in history] == ["update", "update"]
    assert history[0].user == editor.username
    assert [(d.label, d.after) for d in history[0].diffs if d.field == "date"] == [("date", "10-14 Dec 2018")]
    assert ("place", "Gharanij Test") in [(d.label, d.after) for d in history[1].diffs]
    assert all(h.undoable for h in history)


def test_event_history_includes_claims_that_joined_or_left(editor):
    target, other = EventFactory(), EventFactory()
    ClaimFactory(event=target, place=target.place)
    ClaimFactory(event=other, place=target.place)
    review.event_merge(event=other, into=target, user=editor)
    kinds = [(h.object_type, h.action) for h in event_history(event_id=target.pk)]
    assert ("claim", "merge") in kinds
    assert ("claim", "merge") in [(h.object_type, h.action) for h in event_history(event_id=other.pk)]


def test_an_undone_change_is_marked_and_no_longer_undoable(editor):
    event = EventFactory()
    review.event_accept(event=event, user=editor)
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    review.change_undo(record=record, user=editor)
    entries = {h.record.pk: h for h in event_history(event_id=event.pk)}
    assert entries[record.pk].undone_by is not None
    assert not entries[record.pk].undoable


def test_changes_since_a_version_are_the_ones_the_editor_missed(editor):
    event = EventFactory()
    review.event_correct(event=event, user=editor, changes={"type": "clash"})
    review.event_correct(event=event, user=editor, changes={"type": "attack"})
    missed = event_changes_since(event=event, version=2)
    assert len(missed) == 1
    assert [(d.before, d.after) for d in missed[0].diffs if d.field == "type"] == [("clash", "attack")]
    assert event_changes_since(event=event, version=event.version) == []


def test_a_merged_event_id_leads_to_the_event_it_was_merged_into(editor):
    a, b, c = EventFactory(), EventFactory(), EventFactory()
    review.event_merge(event=a, into=b, user=editor)
    review.event_merge(event=b, into=c, user=editor)
    assert event_canonical(event_id=a.pk).pk == c.pk
