from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conflict.services.events import event_apply_change
from conflict.tests.factories import EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_the_reviewed_feed_lists_newly_reviewed_events_newest_first(client, editor):
    place = PlaceFactory(name="Feedtown", slug="feedtown")
    first, second = EventFactory(place=place), EventFactory(place=place)
    EventFactory(place=place)  # never reviewed
    for event in (first, second):
        event_apply_change(event=event, changes={"status": "reviewed"}, action="accept", user=editor)
    found = entries(client.get("/feeds/reviewed.atom"))
    links = [e.find(f"{ATOM}link").get("href") for e in found]
    assert links[:2] == [f"http://testserver/api/events/{second.pk}/", f"http://testserver/api/events/{first.pk}/"]
    assert "Feedtown" in found[0].find(f"{ATOM}title").text


def test_the_place_feed_has_only_that_places_events(client, editor):
    here, elsewhere = PlaceFactory(slug="here-town"), PlaceFactory(slug="there-town")
    mine, other = EventFactory(place=here), EventFactory(place=elsewhere)
    for event in (mine, other):
        event_apply_change(event=event, changes={"status": "reviewed"}, action="accept", user=editor)
    found = entries(client.get("/feeds/places/here-town/reviewed.atom"))
    assert [e.find(f"{ATOM}link").get("href") for e in found] == [f"http://testserver/api/events/{mine.pk}/"]
    assert client.get("/feeds/places/no-such-town/reviewed.atom").status_code == 404
