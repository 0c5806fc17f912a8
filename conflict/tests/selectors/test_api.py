from __future__ import annotations

import datetime as dt
import json

import pytest

from conflict.models import Event
from conflict.selectors.api import EventFilter, event_json_lines, event_records_lean, events_filtered
from conflict.selectors.feed import event_feed_record, events_for_feed
from conflict.tests.factories import ActorFactory, ClaimFactory, EventFactory, PlaceFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_the_lean_bulk_records_equal_the_feed_records():
    """The NDJSON export builds records from plain rows for speed; they must be exactly
    what event_feed_record says, field for field."""
    a = EventFactory(actor2=ActorFactory(), casualties={"killed": 3}, flags=["weekday"],
                     disagreements=[{"field": "date", "values": []}])
    b = EventFactory(actor1=None, date_start=None, date_end=None, date_precision="unknown",
                     place=PlaceFactory(lat=None, lon=None, status="proposed"))
    for event in (a, b):
        for i, report in enumerate([ReportFactory(), ReportFactory(source=None, published=None)]):
            ClaimFactory(event=event, report=report, place=event.place, span_start=5 * i, span_end=5 * i + 3,
                         date_start=dt.date(2018, 12, 1), date_end=None, date_precision="month",
                         speaker="SOHR", flags=["inferred"])
    c = EventFactory()  # no claims
    qs = Event.objects.filter(pk__in=[a.pk, b.pk, c.pk]).order_by("id")
    lean = event_records_lean(qs)
    assert lean == [event_feed_record(e) for e in events_for_feed(qs)]
    assert [len(r["claims"]) for r in lean] == [2, 2, 0]
    # The export's SQL-built JSON says the same, in the order of the ids given.
    ids = [c.pk, a.pk, b.pk]
    from_sql = [json.loads(line) for line in event_json_lines(ids)]
    assert from_sql == [event_feed_record(e) for e in sorted(events_for_feed(qs), key=lambda e: ids.index(e.pk))]


def test_the_sql_built_json_keeps_whole_second_timestamps_as_python_writes_them():
    event = EventFactory()
    Event.objects.filter(pk=event.pk).update(updated_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    [line] = event_json_lines([event.pk])
    assert json.loads(line)["updated_at"] == "2026-01-02T03:04:05Z"
    assert event_feed_record(events_for_feed(Event.objects.filter(pk=event.pk)).get())["updated_at"] == (
        "2026-01-02T03:04:05Z")


def test_the_feed_excludes_merged_events_even_when_rejected_ones_are_asked_for():
    target = EventFactory(status="rejected")
    EventFactory(merged_into=target, status="rejected")
    got = events_filtered(EventFilter(statuses=["rejected"]))
    assert list(got.values_list("id", flat=True)) == [target.pk]
