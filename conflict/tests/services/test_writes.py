import datetime as dt
import math

import pytest
from django.utils import timezone

from conflict.models import ChangeRecord, Claim, Event, EventChange
from conflict.services.writes import Write, insert_returning_ids, rows_as_json, update_write, writes_send
from conflict.tests.factories import ActorFactory, PlaceFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_it_inserts_rows_as_the_orm_would_and_sets_their_ids_in_order():
    place, actor = PlaceFactory(), ActorFactory()
    events = [Event(type="capture", place=place, actor1=actor, date_start=dt.date(2018, 12, d),
                    date_end=dt.date(2018, 12, d), date_precision="day", flags=["x"], casualties={"killed": d})
              for d in (3, 1, 2)]
    insert_returning_ids(events)
    assert [e.pk for e in events] == sorted(e.pk for e in events), "ids follow the order of the list"
    for event in events:
        stored = Event.objects.get(pk=event.pk)
        assert (stored.date_start, stored.actor1_id, stored.flags, stored.casualties) == (
            event.date_start, actor.pk, ["x"], {"killed": event.date_start.day})
        assert stored.created_at is not None and stored.created_at == event.created_at  # auto_now_add, as bulk_create
        assert not event._state.adding


def test_several_lists_and_writes_go_in_one_statement_with_each_list_given_its_ids():
    place = PlaceFactory()
    [event] = events = [Event(type="clash", place=place, date_precision="unknown")]
    insert_returning_ids(events)
    records = [ChangeRecord(object_type="event", object_id=event.pk, action="create", after={"n": n}) for n in (1, 2)]
    feed = [EventChange(event=event, kind="created", txid=1)]
    retitle = Write("UPDATE conflict_event SET reject_reason = %s WHERE id = %s",
                    ("set in the same statement", event.pk))
    writes_send(inserts=[records, [], feed], writes=[retitle])
    assert [ChangeRecord.objects.get(pk=r.pk).after for r in records] == [{"n": 1}, {"n": 2}]
    assert EventChange.objects.get(pk=feed[0].pk).event_id == event.pk
    assert Event.objects.get(pk=event.pk).reject_reason == "set in the same statement"


def test_a_value_json_cannot_carry_is_bound_on_its_own():
    place = PlaceFactory()
    event = Event(type="capture", place=place, date_precision="unknown", confidence=math.inf)
    assert rows_as_json([event]) is None
    insert_returning_ids([event])
    assert Event.objects.get(pk=event.pk).confidence == math.inf


def test_a_json_field_set_to_none_is_left_to_the_bound_insert_as_sql_null():
    # JSON would carry it as JSON null; the ORM stores None as SQL NULL.
    claim = Claim(report=ReportFactory(), type="capture", place=PlaceFactory(), span_start=0, span_end=1, quote="q",
                  tagger_version="t", evidence=None, date_precision="unknown")
    assert rows_as_json([claim]) is None


def test_an_update_write_sets_only_the_fields_named():
    place = PlaceFactory()
    event = Event(type="capture", place=place, date_precision="unknown", reject_reason="kept")
    insert_returning_ids([event])
    event.confidence, event.reject_reason, event.updated_at = 0.75, "not written", timezone.now()
    writes_send(writes=[update_write([event], ["confidence", "updated_at"])])
    stored = Event.objects.get(pk=event.pk)
    assert (stored.confidence, stored.reject_reason, stored.updated_at) == (0.75, "kept", event.updated_at)


def test_an_update_write_refuses_a_value_json_cannot_carry():
    place = PlaceFactory()
    event = Event(type="capture", place=place, date_precision="unknown")
    insert_returning_ids([event])
    event.confidence = math.nan
    assert update_write([event], ["confidence"]) is None
