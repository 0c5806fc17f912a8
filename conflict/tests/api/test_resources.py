from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from conflict.models import ControlPeriod
from conflict.tests.factories import (
    ActorFactory,
    ClaimFactory,
    EventFactory,
    PlaceFactory,
    ReportFactory,
    SourceFactory,
    UserFactory,
)
from reports.models import Report

pytestmark = pytest.mark.django_db


def all_pages(api, url, **params) -> list[dict]:
    out: list[dict] = []
    next_url: str | None = url
    while next_url:
        body = api.get(next_url, params or None).json()
        out.extend(body["results"])
        next_url, params = body["next"], {}
    return out


def test_places_list_every_place_with_its_spellings(api):
    place = PlaceFactory(name="Baghuzville", spellings=["Baghouzville"])
    records = all_pages(api, "/api/places/", page_size=500)
    [mine] = [r for r in records if r["id"] == place.pk]
    assert mine["names"] == ["Baghouzville", "Baghuzville"]
    assert len(records) == len({r["id"] for r in records})


def test_place_detail_and_its_control_feed(api):
    place = PlaceFactory()
    isis, sdf = ActorFactory(), ActorFactory()
    event = EventFactory(place=place, actor1=sdf)
    first = ControlPeriod.objects.create(place=place, holder=isis, state="held", end_start=dt.date(2018, 12, 13),
                                         end_end=dt.date(2018, 12, 14), end_precision="day", position=0,
                                         confidence=0.9)
    second = ControlPeriod.objects.create(place=place, holder=sdf, state="held", start_start=dt.date(2018, 12, 13),
                                          start_end=dt.date(2018, 12, 14), start_precision="day", position=1)
    second.events.add(event)
    assert api.get(f"/api/places/{place.pk}/").json()["slug"] == place.slug
    periods = api.get(f"/api/places/{place.pk}/control/").json()
    assert [p["holder"]["id"] for p in periods] == [isis.pk, sdf.pk]
    assert periods[0]["start"] is None
    assert periods[0]["end"] == {"start": "2018-12-13", "end": "2018-12-14", "precision": "day"}
    assert periods[1]["events"] == [event.pk]
    assert first.pk
    assert api.get("/api/places/987654321/control/").status_code == 404


def test_actors_and_sources_are_listed(api):
    actor = ActorFactory(aliases=["Alias One"])
    source = SourceFactory(affiliation=actor)
    actors = all_pages(api, "/api/actors/", page_size=500)
    assert "Alias One" in next(a for a in actors if a["id"] == actor.pk)["aliases"]
    sources = all_pages(api, "/api/sources/", page_size=500)
    assert next(s for s in sources if s["id"] == source.pk)["affiliation"] == {"id": actor.pk, "name": actor.name}


def test_reports_list_newest_first_and_detail_has_text_and_claims(api):
    older = ReportFactory()
    newer = ReportFactory(text="The SDF took Testville.", spans=[{"kind": "place", "start": 13, "end": 21}])
    ClaimFactory(report=newer, span_start=0, span_end=12, quote="The SDF took")
    listed = [r["id"] for r in api.get("/api/reports/").json()["results"]]
    assert listed.index(newer.pk) < listed.index(older.pk)
    body = api.get(f"/api/reports/{newer.pk}/").json()
    assert body["text"] == "The SDF took Testville."
    assert body["spans"] == [{"kind": "place", "start": 13, "end": 21}]
    assert body["claims"][0]["quote"] == "The SDF took"
    assert api.get("/api/reports/987654321/").status_code == 404


# --- submitting reports ------------------------------------------------------------------

REPORT = {
    "text": "DEIR EZZOR, Syria (Test) - The SDF captured the town of Hajin from ISIS on Thursday.",
    "title": "SDF takes Hajin",
    "outlet": "Test Wire",
    "published": "2018-12-14",
    "language": "en",
}


def submitter_client(api, group: str = "editor"):
    user = UserFactory(groups=[group])
    token = Token.objects.create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_reading_is_public_but_submitting_needs_a_token(api):
    assert api.get("/api/reports/").status_code == 200
    response = api.post("/api/reports/", REPORT, format="json")
    assert response.status_code == 401


def test_a_token_without_a_submitting_group_is_forbidden(api):
    response = submitter_client(api, group="reader").post("/api/reports/", REPORT, format="json")
    assert response.status_code == 403


def test_a_submitted_report_is_accepted_and_queued_for_tagging(api, django_capture_on_commit_callbacks):
    client = submitter_client(api)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/api/reports/", REPORT, format="json")
    assert response.status_code == 202
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert report.status == "pending" and report.title == "SDF takes Hajin"
    assert report.published == dt.date(2018, 12, 14)
    assert body["status_url"].endswith(f"/api/reports/{report.pk}/")
    assert response["Location"] == body["status_url"]
    assert len(callbacks) >= 1  # tagging goes to the worker once the report is committed
    assert api.get(body["status_url"]).json()["status"] == "pending"


def test_the_same_report_posted_twice_answers_200_with_the_same_id(api):
    client = submitter_client(api)
    first = client.post("/api/reports/", REPORT, format="json")
    again = client.post("/api/reports/", REPORT, format="json")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["outcome"] == "duplicate"


def test_a_report_needs_text_or_a_url(api):
    response = submitter_client(api).post("/api/reports/", {"title": "nothing"}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


@override_settings(TIDEMARK_MAX_REPORT_BYTES=1024)
def test_a_report_over_the_size_limit_is_a_413_naming_the_limit(api):
    response = submitter_client(api).post("/api/reports/", {**REPORT, "text": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert response.json()["detail"] == ("the report text is 2000 bytes, over the limit of 1024 bytes "
                                         "(TIDEMARK_MAX_REPORT_BYTES)")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_a_body_over_the_request_limit_is_a_413_before_it_is_read(api):
    response = submitter_client(api).post("/api/reports/", {**REPORT, "text": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert "over the limit of 4096 bytes (TIDEMARK_MAX_REQUEST_BYTES)" in response.json()["detail"]


def test_a_body_that_is_not_json_is_a_400(api):
    response = submitter_client(api).post("/api/reports/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    response = submitter_client(api).post("/api/reports/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_a_malformed_published_date_is_a_400_naming_it(api):
    response = submitter_client(api).post("/api/reports/", {**REPORT, "published": "last week"}, format="json")
    assert response.status_code == 400
    assert "published" in response.json()


# --- throttling -------------------------------------------------------------------------

def _rates(anon: str, user: str) -> dict:
    from django.conf import settings

    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}


def test_anonymous_clients_are_throttled_per_address_with_retry_after(api):
    with override_settings(REST_FRAMEWORK=_rates("3/min", "100/min")):
        codes = [api.get("/api/actors/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
        other_address = api.get("/api/actors/", REMOTE_ADDR="10.0.0.2")
    assert codes == [200, 200, 200, 429]
    assert other_address.status_code == 200


def test_throttled_answers_carry_retry_after(api):
    with override_settings(REST_FRAMEWORK=_rates("1/min", "100/min")):
        api.get("/api/sources/")
        response = api.get("/api/sources/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_token_clients_are_throttled_per_token_not_per_address(api):
    client = submitter_client(api)
    with override_settings(REST_FRAMEWORK=_rates("1/min", "2/min")):
        codes = [client.get("/api/actors/", REMOTE_ADDR=f"10.0.1.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]
