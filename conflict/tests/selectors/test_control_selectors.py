import datetime as dt

import pytest

from conflict.models import Actor
from conflict.selectors.control import control_feed_for_place, current_holders, places_held_by_actor
from conflict.services.control import control_recompute
from conflict.tests.factories import EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def test_the_control_feed_of_a_place_has_the_domain_shape_in_time_order():
    town = PlaceFactory()
    sdf, isis = Actor.objects.get(slug="sdf"), Actor.objects.get(slug="isis")
    event = EventFactory(place=town, actor1=sdf, actor2=isis, date_start=dt.date(2018, 12, 13),
                         date_end=dt.date(2018, 12, 14))
    control_recompute(place_id=town.id)

    feed = control_feed_for_place(town.id)

    change = {"start": "2018-12-13", "end": "2018-12-14", "precision": "day"}
    assert [(r["holder"]["name"], r["state"], r["start"], r["end"], r["events"]) for r in feed] == [
        ("ISIS", "held", None, change, []),
        ("SDF", "held", change, None, [event.id]),
    ]
    assert feed[0]["place"] == {"id": town.id, "name": town.name}
    assert current_holders([town.id])[town.id].holder == sdf
    assert [p.place_id for p in places_held_by_actor(sdf.id)] == [town.id]
