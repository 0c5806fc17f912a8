"""The bulk export builds chunks on several connections at once; with committed data
(a transactional test) the streamed feed must still be complete and in order."""

from __future__ import annotations

import json

import pytest

from conflict.models import Event
from conflict.selectors.feed import event_feed_record, events_for_feed
from conflict.tests.api.conftest import event_with_claims
from conflict.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("ordering", ["date", "-updated_at"])
def test_the_parallel_export_streams_every_event_once_in_order(api, monkeypatch, settings, ordering):
    from conflict.api import views

    monkeypatch.setattr(views, "STREAM_CHUNK", 3)
    settings.TIDEMARK_API_EXPORT_WORKERS = 3
    place = PlaceFactory()
    for _ in range(14):
        event_with_claims(2, place=place)
    response = api.get("/api/events/", {"format": "ndjson", "place": place.pk, "ordering": ordering})
    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    expected_order = Event.objects.filter(place=place).order_by(
        *(["date_start", "id"] if ordering == "date" else ["-updated_at", "-id"]))
    assert [r["id"] for r in records] == [e.pk for e in expected_order]
    assert records == [event_feed_record(e) for e in events_for_feed(expected_order)]
