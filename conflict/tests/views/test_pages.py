from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conflict.models import Actor, Event
from conflict.services.control import control_recompute
from conflict.tests.factories import ClaimFactory, EventFactory, PlaceFactory, ReportFactory
from reports.models import Report

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def demo(settings, django_capture_on_commit_callbacks):
    # The control recompute is queued on commit; run those callbacks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(settings.BASE_DIR / "data" / "demo_reports"), "--no-progress")


def actor(slug: str) -> Actor:
    return Actor.objects.get(slug=slug)


def test_the_home_page_shows_places_with_new_events_and_a_map_with_the_demo_data(client, demo):
    response = client.get("/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/places/hajin/"' in body
    assert "<svg" in body and "<circle" in body
    assert "https://" not in body.split("<footer")[0].replace("https://www.w3.org", "")


@pytest.mark.parametrize("spelling", ["Hajeen", "hajin", "Hjain", "HAJIN "])
def test_search_finds_hajin_by_any_spelling_or_a_typo(client, spelling):
    response = client.get("/search/", {"q": spelling})

    assert response.status_code == 200
    assert response.context["hits"][0].slug == "hajin"


def test_search_finds_actors_by_alias(client):
    response = client.get("/", {"q": "Daesh"})

    assert [h.slug for h in response.context["hits"]][:1] == ["isis"]


def test_search_sees_a_place_added_after_the_cache_was_built(client):
    client.get("/search/", {"q": "Hajin"})
    PlaceFactory(name="Zzyzx Village")

    response = client.get("/search/", {"q": "Zzyzx Vilage"})

    assert response.context["hits"][0].name == "Zzyzx Village"


def test_the_town_page_shows_control_bands_events_claims_and_report_links(client, demo):
    response = client.get("/places/hajin/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="control-band"' in body and 'class="band-seg"' in body
    assert "Control periods of Hajin" in body
    event = Event.objects.filter(place__slug="hajin", merged_into__isnull=True).exclude(status="rejected").first()
    assert f'id="event-{event.id}"' in body
    claim = event.claims.first()
    assert f'/reports/{claim.report_id}/#claim-{claim.id}' in body


def test_the_town_page_marks_auto_events_and_leaves_rejected_ones_out(client):
    town = PlaceFactory()
    EventFactory(place=town, status="auto")
    rejected = EventFactory(place=town, status="rejected", type="clash")

    body = client.get(f"/places/{town.slug}/").content.decode()

    assert "auto · unreviewed" in body
    assert f'id="event-{rejected.id}"' not in body


def test_the_town_page_writes_dates_the_way_people_read_them(client):
    town = PlaceFactory()
    EventFactory(place=town, date_start=D(2018, 12, 13), date_end=D(2018, 12, 14))
    EventFactory(place=town, date_start=D(2018, 11, 1), date_end=D(2018, 11, 30), date_precision="month")
    EventFactory(place=town, date_start=None, date_end=None, date_precision="unknown")

    body = client.get(f"/places/{town.slug}/").content.decode()

    assert "13-14 Dec 2018" in body and "Nov 2018" in body and "date unknown" in body


def test_the_town_page_shows_where_sources_disagree(client):
    town = PlaceFactory()
    EventFactory(place=town, disagreements=[{"field": "date", "values": [
        {"start": "2018-12-13", "end": "2018-12-13", "precision": "day"},
        {"start": "2018-12-14", "end": "2018-12-14", "precision": "day"}]}])
    EventFactory(place=town, actor1=actor("syrian-government"), confidence=0.2)
    control_recompute(place_id=town.id)

    body = client.get(f"/places/{town.slug}/").content.decode()

    assert "Sources disagree" in body and "13 Dec 2018 / 14 Dec 2018" in body
    assert "another source names another side" in body


def test_the_town_page_filters_events_by_type_actor_and_date(client):
    town = PlaceFactory()
    sdf_capture = EventFactory(place=town, actor1=actor("sdf"), date_start=D(2018, 12, 13), date_end=D(2018, 12, 13))
    isis_clash = EventFactory(place=town, type="clash", actor1=actor("isis"), date_start=D(2017, 1, 1),
                              date_end=D(2017, 1, 1))

    def shown(**params) -> set[int]:
        return {e.id for e in client.get(f"/places/{town.slug}/", params).context["p"].events}

    assert shown(type="clash") == {isis_clash.id}
    assert shown(actor="sdf") == {sdf_capture.id}
    assert shown(date_from="2018-01-01") == {sdf_capture.id}
    assert shown(date_to="2017-12-31") == {isis_clash.id}
    assert client.get(f"/places/{town.slug}/", {"date_from": "soon"}).status_code == 200


def _events_with_claims(town, count: int) -> None:
    for i in range(count):
        event = EventFactory(place=town, actor1=actor("sdf" if i % 2 else "isis"), actor2=actor("isis"),
                             type="capture" if i % 5 == 0 else "clash",
                             date_start=D(2015, 1, 1) + dt.timedelta(days=10 * i),
                             date_end=D(2015, 1, 1) + dt.timedelta(days=10 * i))
        ClaimFactory(event=event, place=town, actor1=event.actor1)
    control_recompute(place_id=town.id)


def test_the_number_of_queries_for_a_town_page_does_not_grow_with_its_events(client):
    small, large = PlaceFactory(), PlaceFactory()
    _events_with_claims(small, 3)
    _events_with_claims(large, 30)
    for town in (small, large):
        client.get(f"/places/{town.slug}/")  # warm the session and the band cache, as a running site has

    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/places/{small.slug}/").status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/places/{large.slug}/").status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 12


def test_an_unknown_place_gets_the_not_found_page(client):
    response = client.get("/places/no-such-town/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "conflict/404.html" in [t.name for t in response.templates] or "404.html" in [
        t.name for t in response.templates
    ]


def test_an_event_permalink_shows_the_event_with_its_claims(client):
    event = EventFactory()
    claim = ClaimFactory(event=event, place=event.place, quote="The SDF captured the village")

    body = client.get(f"/events/{event.id}/").content.decode()

    assert "The SDF captured the village" in body
    assert f"#claim-{claim.id}" in body


def test_a_merged_events_permalink_redirects_to_the_event_it_was_merged_into(client):
    kept = EventFactory()
    middle = EventFactory(place=kept.place, merged_into=kept)
    merged = EventFactory(place=kept.place, merged_into=middle)

    response = client.get(f"/events/{merged.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/events/{kept.id}/"


def test_a_rejected_event_stays_visible_on_its_own_page_marked(client):
    event = EventFactory(status="rejected", reject_reason="wrong town")

    body = client.get(f"/events/{event.id}/").content.decode()

    assert "Rejected event." in body and "wrong town" in body


def test_an_unknown_event_is_not_found(client):
    assert client.get("/events/999999999/").status_code == 404


def test_the_report_page_highlights_spans_and_anchors_each_claim(client):
    text = "The SDF captured Hajin from ISIS on Thursday."
    report = ReportFactory(text=text, spans=[
        {"kind": "actor", "start": 4, "end": 7, "text": "SDF", "ref": 1},
        {"kind": "trigger", "start": 8, "end": 16, "text": "captured", "ref": "capture"},
        {"kind": "place", "start": 17, "end": 22, "text": "Hajin", "ref": 7},
        {"kind": "date", "start": 33, "end": 44, "text": "on Thursday", "ref": None},
    ])
    claim = ClaimFactory(report=report, span_start=0, span_end=len(text), quote=text)

    body = client.get(f"/reports/{report.id}/").content.decode()

    assert f'<mark class="claim" id="claim-{claim.id}"' in body
    assert '<span class="tag tag-place" title="place">Hajin</span>' in body
    assert '<span class="tag tag-trigger" title="trigger">captured</span>' in body
    assert '<span class="tag tag-date" title="date">on Thursday</span>' in body


def test_a_report_containing_html_or_script_shows_it_as_text(client):
    evil = '<script>alert("x")</script><b>bold</b>'
    report = ReportFactory(title=evil, text=f"Hajin {evil} end", spans=[
        {"kind": "place", "start": 0, "end": 5, "text": "Hajin", "ref": 7},
        {"kind": "actor", "start": 6, "end": 14, "text": "<script>", "ref": 1},
    ])
    ClaimFactory(report=report, span_start=6, span_end=20, quote=evil)

    body = client.get(f"/reports/{report.id}/").content.decode()

    assert "<script>alert" not in body and "<b>bold</b>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_a_claim_quote_with_html_is_escaped_on_the_town_page(client):
    event = EventFactory()
    ClaimFactory(event=event, place=event.place, quote='<img src=x onerror="alert(1)">')

    body = client.get(f"/places/{event.place.slug}/").content.decode()

    assert "<img src=x" not in body and "&lt;img src=x" in body


def test_the_actor_page_shows_the_places_it_held_and_its_events(client):
    town = PlaceFactory(name="Heldtown")
    EventFactory(place=town, actor1=actor("sdf"), actor2=actor("isis"))
    control_recompute(place_id=town.id)

    response = client.get("/actors/sdf/")

    body = response.content.decode()
    assert response.status_code == 200 and "Heldtown" in body
    assert response.context["p"].events.paginator.count >= 1
    assert client.get("/actors/no-such-actor/").status_code == 404


def test_the_source_page_shows_its_reports_and_affiliation(client):
    from conflict.models import Source

    amaq = Source.objects.get(slug="amaq")
    ReportFactory(source=amaq, title="Amaq statement")

    body = client.get("/sources/amaq/").content.decode()

    assert "Amaq statement" in body and 'href="/actors/isis/"' in body


def test_the_town_events_download_as_csv_and_geojson(client):
    event = EventFactory()
    ClaimFactory(event=event, place=event.place, quote="the SDF captured it")

    csv_response = client.get(f"/places/{event.place.slug}/events.csv")
    geo_response = client.get(f"/places/{event.place.slug}/events.geojson")

    csv_text = b"".join(csv_response.streaming_content).decode()
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_text.splitlines()[0].startswith("event_id,event_date")
    assert str(event.id) in csv_text.splitlines()[1]
    geo = json.loads(b"".join(geo_response.streaming_content))
    assert geo["type"] == "FeatureCollection"
    assert [f["id"] for f in geo["features"]] == [event.id]
    assert geo["features"][0]["geometry"]["type"] == "Point"


def test_a_report_page_for_a_missing_report_is_not_found(client):
    assert client.get("/reports/999999999/").status_code == 404
    assert Report.objects.count() >= 0


def test_a_merged_places_page_redirects_to_the_place_it_was_folded_into(client):
    kept = PlaceFactory()
    folded = PlaceFactory(status="merged", merged_into=kept)

    response = client.get(f"/places/{folded.slug}/")

    assert response.status_code == 301 and response["Location"] == f"/places/{kept.slug}/"


def test_the_town_page_pages_through_many_events(client):
    from conflict.selectors.pages import EVENTS_PER_PAGE

    town = PlaceFactory()
    for i in range(EVENTS_PER_PAGE + 3):
        EventFactory(place=town, type="clash", date_start=D(2016, 1, 1) + dt.timedelta(days=i),
                     date_end=D(2016, 1, 1) + dt.timedelta(days=i))

    first = client.get(f"/places/{town.slug}/", {"type": "clash"})
    second = client.get(f"/places/{town.slug}/", {"type": "clash", "page": 2})

    assert len(first.context["p"].events) == EVENTS_PER_PAGE and len(second.context["p"].events) == 3
    assert "type=clash&amp;page=2" in first.content.decode()
