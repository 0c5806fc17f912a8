"""GET /api/control/: who held every place on a date, as GeoJSON (the map page's data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from conflict.models import Actor
from conflict.services.control import control_recompute
from conflict.tests.factories import EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def town():
    sdf, isis = Actor.objects.get(slug="sdf"), Actor.objects.get(slug="isis")
    place = PlaceFactory(name="Testtown", slug="testtown", kind="town", lat=34.695, lon=40.831)
    EventFactory(place=place, actor1=sdf, actor2=isis, type="capture", date_start=D(2018, 12, 13),
                 date_end=D(2018, 12, 15), date_precision="day")
    control_recompute(place_id=place.id)
    return place


def test_it_gives_a_feature_collection_of_places_with_holder_state_and_confidence_on_the_date(api, town):
    response = api.get("/api/control/?at=2018-12-01")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert (data["at"], data["compare"], data["next_change"], data["previous_change"]) == (
        "2018-12-01", None, "2018-12-13", None)
    [feature] = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [40.831, 34.695]}
    props = feature["properties"]
    assert props["place"] == {"id": town.id, "name": "Testtown", "slug": "testtown", "kind": "town",
                              "admin1": "Deir ez-Zor"}
    assert props["holder"]["name"] == "ISIS" and props["state"] == "held" and props["uncertain"] is False
    assert 0 < props["confidence"] <= 1
    assert props["period"]["end"] == {"start": "2018-12-13", "end": "2018-12-15", "precision": "day"}


def test_it_compares_two_dates_and_names_the_events_that_changed_a_place(api, town):
    data = api.get("/api/control/?at=2018-12-31&compare=2018-11-01").json()
    props = data["features"][0]["properties"]
    assert props["holder"]["name"] == "SDF" and props["compare"]["holder"]["name"] == "ISIS"
    assert props["changed"] is True
    assert props["change_events"] == list(town.events.values_list("id", flat=True))


def test_it_answers_400_naming_the_bad_parameter(api, town):
    assert api.get("/api/control/?at=2018-12-32").json() == {"at": ["must be a date, YYYY-MM-DD"]}
    assert "compare" in api.get("/api/control/?compare=yesterday").json()
    assert "kind" in api.get("/api/control/?kind=castle").json()
    assert "holder" in api.get("/api/control/?holder=nobody-at-all").json()
    unknown = api.get("/api/control/?date=2018-12-01")
    assert unknown.status_code == 400 and "date" in unknown.json()


def test_it_answers_json_too_and_304_to_a_matching_etag(api, town):
    first = api.get("/api/control/?at=2018-12-01&format=json")
    assert first["Content-Type"] == "application/json"
    again = api.get("/api/control/?at=2018-12-01&format=json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_it_is_throttled_like_the_rest_of_the_api(api, town):
    from django.conf import settings

    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"}}
    with override_settings(REST_FRAMEWORK=rates):
        codes = [api.get("/api/control/?at=2018-12-01").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
