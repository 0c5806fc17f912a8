from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conflict.models import Event
from conflict.selectors.feed import event_feed_record, events_for_feed
from conflict.tests.api.conftest import event_with_claims
from conflict.tests.factories import (
    ActorFactory,
    ClaimFactory,
    EventFactory,
    PlaceFactory,
    ReportFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_it_lists_events_in_the_feed_shape(api):
    event = event_with_claims(2)
    body = api.get("/api/events/").json()
    [record] = [r for r in body["results"] if r["id"] == event.pk]
    assert record == event_feed_record(events_for_feed(Event.objects.filter(pk=event.pk)).get())
    assert record["claims"][0]["report"]["file_name"].startswith("report-")
    assert body["next"] is None


def test_it_leaves_out_merged_and_rejected_events_by_default(api):
    kept = EventFactory()
    target = EventFactory()
    EventFactory(merged_into=target)
    rejected = EventFactory(status="rejected")
    assert set(ids(api.get("/api/events/"))) == {kept.pk, target.pk}
    assert ids(api.get("/api/events/", {"status": "rejected"})) == [rejected.pk]
    assert set(ids(api.get("/api/events/", {"status": "auto,rejected"}))) == {kept.pk, target.pk, rejected.pk}


def test_it_filters_by_place_id_slug_or_any_spelling(api):
    hajin = PlaceFactory(name="Hajinville", slug="hajinville", spellings=["Hajeenville", "al-Hajinvil"])
    there = EventFactory(place=hajin)
    EventFactory()
    for value in (str(hajin.pk), "hajinville", "Hajeenville", "HAJEENVILLE", "Al Hajinvil"):
        assert ids(api.get("/api/events/", {"place": value})) == [there.pk], value


def test_it_rejects_a_place_that_names_nothing(api):
    response = api.get("/api/events/", {"place": "Atlantis"})
    assert response.status_code == 400
    assert "place" in response.json()
    assert "Atlantis" in response.json()["place"][0]


def test_it_filters_by_bounding_box(api):
    inside = EventFactory(place=PlaceFactory(lat=35.0, lon=40.0))
    EventFactory(place=PlaceFactory(lat=36.5, lon=40.0))
    EventFactory(place=PlaceFactory(lat=35.0, lon=42.5))
    assert ids(api.get("/api/events/", {"bbox": "39.5,34.5,40.5,35.5"})) == [inside.pk]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "39,34,200,35", "39,-95,40,35", "41,34,40,35"])
def test_it_rejects_a_bad_bounding_box(api, bbox):
    response = api.get("/api/events/", {"bbox": bbox})
    assert response.status_code == 400
    assert "bbox" in response.json()


def test_it_filters_by_governorate(api):
    raqqa = EventFactory(place=PlaceFactory(admin1="Raqqa"))
    EventFactory(place=PlaceFactory(admin1="Deir ez-Zor"))
    assert ids(api.get("/api/events/", {"admin1": "raqqa"})) == [raqqa.pk]
    assert api.get("/api/events/", {"admin1": "Narnia"}).status_code == 400


def test_it_filters_by_actor_on_either_side_or_by_role(api):
    sdf = ActorFactory(name="Testforce Alpha", slug="testforce-alpha", aliases=["TFA", "Alpha Force"])
    other = ActorFactory()
    acting = EventFactory(actor1=sdf, actor2=other)
    acted_on = EventFactory(actor1=other, actor2=sdf)
    EventFactory(actor1=other)
    for value in (str(sdf.pk), "testforce-alpha", "TFA", "alpha force"):
        assert set(ids(api.get("/api/events/", {"actor": value}))) == {acting.pk, acted_on.pk}, value
    assert ids(api.get("/api/events/", {"actor1": "TFA"})) == [acting.pk]
    assert ids(api.get("/api/events/", {"actor2": "TFA"})) == [acted_on.pk]
    assert api.get("/api/events/", {"actor": "Nobody Brigade"}).status_code == 400


def test_it_filters_by_type(api):
    siege = EventFactory(type="siege")
    EventFactory(type="capture")
    assert ids(api.get("/api/events/", {"type": "siege"})) == [siege.pk]
    response = api.get("/api/events/", {"type": "picnic"})
    assert response.status_code == 400
    assert "picnic" in response.json()["type"][0]


def test_it_filters_by_status(api):
    reviewed = EventFactory(status="reviewed")
    EventFactory(status="auto")
    assert ids(api.get("/api/events/", {"status": "reviewed"})) == [reviewed.pk]
    assert api.get("/api/events/", {"status": "maybe"}).status_code == 400


def test_it_filters_events_whose_interval_overlaps_the_range(api):
    def ev(start, end, precision="day"):
        return EventFactory(date_start=start, date_end=end, date_precision=precision)

    december = ev(dt.date(2018, 12, 1), dt.date(2018, 12, 31), "month")
    early = ev(dt.date(2018, 11, 2), dt.date(2018, 11, 2))
    late = ev(dt.date(2019, 1, 5), dt.date(2019, 1, 5))
    open_ended = ev(dt.date(2018, 12, 20), None)
    ev(None, None, "unknown")
    got = ids(api.get("/api/events/", {"date_from": "2018-12-10", "date_to": "2018-12-12"}))
    assert set(got) == {december.pk}
    got = ids(api.get("/api/events/", {"date_from": "2018-12-25"}))
    assert set(got) == {december.pk, late.pk, open_ended.pk}
    got = ids(api.get("/api/events/", {"date_to": "2018-11-30"}))
    assert set(got) == {early.pk}


@pytest.mark.parametrize("param", ["date_from", "date_to"])
def test_it_rejects_a_malformed_date(api, param):
    response = api.get("/api/events/", {param: "14/12/2018"})
    assert response.status_code == 400
    assert param in response.json()


def test_it_filters_by_minimum_confidence(api):
    sure = EventFactory(confidence=0.9)
    EventFactory(confidence=0.3)
    assert ids(api.get("/api/events/", {"min_confidence": "0.8"})) == [sure.pk]
    assert api.get("/api/events/", {"min_confidence": "2"}).status_code == 400
    assert api.get("/api/events/", {"min_confidence": "high"}).status_code == 400


def test_it_filters_by_source_id_or_slug(api):
    outlet = SourceFactory(slug="the-test-post")
    reported = EventFactory()
    ClaimFactory(event=reported, place=reported.place, report=ReportFactory(source=outlet))
    other = EventFactory()
    ClaimFactory(event=other, place=other.place)
    assert ids(api.get("/api/events/", {"source": "the-test-post"})) == [reported.pk]
    assert ids(api.get("/api/events/", {"source": str(outlet.pk)})) == [reported.pk]
    assert api.get("/api/events/", {"source": "no-such-outlet"}).status_code == 400


def test_it_filters_by_updated_since(api):
    old = EventFactory()
    new = EventFactory()
    Event.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(api.get("/api/events/", {"updated_since": since})) == [new.pk]
    response = api.get("/api/events/", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_it_rejects_unknown_query_parameters_naming_them(api):
    response = api.get("/api/events/", {"plcae": "Hajin"})
    assert response.status_code == 400
    assert list(response.json()) == ["plcae"]


@pytest.mark.parametrize("size", ["0", "501", "many"])
def test_it_rejects_a_bad_page_size(api, size):
    response = api.get("/api/events/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_it_rejects_a_forged_cursor_and_an_unknown_ordering(api):
    from conflict.api.pagination import encode_cursor

    assert "cursor" in api.get("/api/events/", {"cursor": "not-a-cursor"}).json()
    assert "cursor" in api.get("/api/events/", {"cursor": encode_cursor("date", "2018-01-01", 10**30)}).json()
    assert "cursor" in api.get("/api/events/", {"cursor": encode_cursor("-date", "2018-01-01", 5)}).json()
    assert "cursor" in api.get("/api/events/", {"cursor": encode_cursor("date", 12, 5)}).json()
    assert "ordering" in api.get("/api/events/", {"ordering": "place"}).json()
    assert "format" in api.get("/api/events/", {"format": "xml"}).json()


@pytest.mark.parametrize("ordering", ["date", "-date", "updated_at", "-updated_at"])
def test_it_pages_through_every_event_once_in_order(api, ordering):
    for i in range(7):
        start = None if i == 3 else dt.date(2018, 12, 1 + i % 3)
        EventFactory(date_start=start, date_end=start, date_precision="day" if start else "unknown")
    seen: list[dict] = []
    url, params = "/api/events/", {"page_size": 2, "ordering": ordering}
    while url:
        body = api.get(url, params).json()
        seen.extend(body["results"])
        url, params = body["next"], None
    assert len(seen) == 7 and len({r["id"] for r in seen}) == 7
    if ordering.endswith("date"):
        key = [(r["date"]["start"] is None, r["date"]["start"] or "", r["id"]) for r in seen]
        assert key == sorted(key, reverse=ordering.startswith("-"))
    else:
        key = [(r["updated_at"], r["id"]) for r in seen]
        assert key == sorted(key, reverse=ordering.startswith("-"))


def test_the_cursor_never_skips_or_repeats_while_events_arrive(api):
    """New events with the same date as the page boundary arrive between pages: an
    offset-based cursor repeats or skips there; the (date, id) keyset does not."""
    day = dt.date(2018, 12, 13)
    original = {EventFactory(date_start=day, date_end=day).pk for _ in range(9)}
    seen: list[int] = []
    url, params = "/api/events/", {"page_size": 3}
    while url:
        body = api.get(url, params).json()
        seen.extend(r["id"] for r in body["results"])
        # Concurrent writers: same date (ties), earlier dates, later dates.
        EventFactory(date_start=day, date_end=day)
        EventFactory(date_start=day - dt.timedelta(days=1), date_end=day - dt.timedelta(days=1))
        url, params = body["next"], None
        if len(seen) > 100:
            break
    assert len(seen) == len(set(seen)), "an event was repeated"
    assert original <= set(seen), "an event that existed at the start was skipped"


def test_the_query_count_does_not_grow_with_the_page_size(api):
    for _ in range(30):
        event_with_claims(2)
    counts = []
    for size in (2, 25):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/events/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_it_answers_geojson_with_each_events_point(api):
    event = EventFactory(place=PlaceFactory(lat=34.69, lon=40.83))
    response = api.get("/api/events/", {"format": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [40.83, 34.69]}
    assert feature["properties"]["id"] == event.pk


@pytest.fixture
def one_export_connection(settings):
    # Extra export connections cannot see this test's uncommitted rows; the parallel path
    # is tested with committed data in test_export.py.
    settings.TIDEMARK_API_EXPORT_WORKERS = 1


def test_it_streams_csv_with_acled_style_columns(api, one_export_connection):
    event = event_with_claims(1, place=PlaceFactory(name="Gharanij Test", lat=34.9, lon=40.6))
    response = api.get("/api/events/", {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    for column in ("event_date", "time_precision", "event_type", "actor1", "actor2", "location", "latitude",
                   "longitude", "admin1", "source", "notes"):
        assert column in rows[0]
    [row] = rows
    assert row["event_id"] == str(event.pk) and row["location"] == "Gharanij Test"
    assert row["event_date"] == "2018-12-13" and row["time_precision"] == "1"


def test_it_streams_ndjson_of_the_whole_filtered_feed_past_one_chunk(api, monkeypatch, one_export_connection):
    from conflict.api import views

    monkeypatch.setattr(views, "STREAM_CHUNK", 4)
    place = PlaceFactory()
    made = [event_with_claims(1, place=place).pk for _ in range(10)]
    EventFactory()  # elsewhere: filtered out
    response = api.get("/api/events/", {"format": "ndjson", "place": place.pk, "page_size": 2})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == sorted(made)
    expected = [event_feed_record(e) for e in events_for_feed(Event.objects.filter(pk__in=made)).order_by("id")]
    assert records == expected


def test_errors_are_json_whatever_format_was_asked(api):
    response = api.get("/api/events/", {"format": "csv", "place": "Atlantis"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "place" in response.json()


def test_event_detail_has_claims_and_history(api, editor):
    from conflict.services.events import event_apply_change

    event = event_with_claims(2)
    event_apply_change(event=event, changes={"status": "reviewed"}, action="accept", user=editor, reason="checked")
    body = api.get(f"/api/events/{event.pk}/").json()
    assert body["id"] == event.pk and len(body["claims"]) == 2
    assert body["status"] == "reviewed"
    assert body["history"]["count"] == 1
    assert body["history"]["changes"][0] == {
        "action": "accept", "at": body["history"]["changes"][0]["at"], "user": editor.username, "reason": "checked",
    }


def test_a_merged_events_id_redirects_to_the_event_it_was_merged_into(api):
    final = EventFactory()
    middle = EventFactory(merged_into=final)
    first = EventFactory(merged_into=middle)
    response = api.get(f"/api/events/{first.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/api/events/{final.pk}/"
    assert api.get(response["Location"]).json()["id"] == final.pk


def test_an_unknown_event_is_a_404(api):
    assert api.get("/api/events/987654321/").status_code == 404


def test_list_answers_304_until_something_changes(api):
    event = EventFactory()
    first = api.get("/api/events/", {"type": "capture"})
    etag = first["ETag"]
    assert etag
    again = api.get("/api/events/", {"type": "capture"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    # Another query string is another resource.
    assert api.get("/api/events/", {"type": "siege"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    Event.objects.filter(pk=event.pk).update(confidence=0.99, updated_at=timezone.now())
    assert api.get("/api/events/", {"type": "capture"}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_detail_answers_304_until_the_event_changes(api):
    event = EventFactory()
    etag = api.get(f"/api/events/{event.pk}/")["ETag"]
    assert api.get(f"/api/events/{event.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    ClaimFactory(event=event, place=event.place)
    assert api.get(f"/api/events/{event.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200
