"""Who held what on a date: the rule at period boundaries, uncertain boundaries, no data,
filters, comparisons and the days on which places changed hands. Periods are made the
way the app makes them, by conflict.services.control from events."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conflict.models import Actor, ControlPeriod
from conflict.selectors.front import (
    FrontQuery,
    control_on,
    front_geojson,
    front_view,
    holder_on_date,
    timeline,
)
from conflict.services.control import control_recompute
from conflict.tests.factories import ActorFactory, EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def sdf():
    return Actor.objects.get(slug="sdf")


@pytest.fixture
def isis():
    return Actor.objects.get(slug="isis")


def captured(place, winner, loser, start, end=None, **kwargs):
    EventFactory(place=place, actor1=winner, actor2=loser, type="capture", date_start=start, date_end=end or start,
                 date_precision="day" if (end or start) == start else "week", **kwargs)
    control_recompute(place_id=place.id)


def periods(place):
    return list(ControlPeriod.objects.filter(place=place).select_related("holder").order_by("position"))


def on(place, day):
    found = holder_on_date(periods(place), day)
    return None if found is None else (found.period.holder.name if found.period.holder else None, found.uncertain)


def query(**params):
    return FrontQuery.parse({k: v for k, v in params.items()}, today=D(2019, 6, 1))


# --- holder on a date ----------------------------------------------------------------

def test_it_gives_the_old_holder_up_to_the_day_before_a_capture_known_to_the_day_and_the_new_one_from_it(sdf, isis):
    town = PlaceFactory(kind="town")
    captured(town, sdf, isis, D(2018, 12, 13))

    assert on(town, D(2010, 1, 1)) == ("ISIS", False)  # the first period runs from before the first report
    assert on(town, D(2018, 12, 12)) == ("ISIS", False)
    assert on(town, D(2018, 12, 13)) == ("SDF", False)
    assert on(town, D(2018, 12, 14)) == ("SDF", False)
    assert on(town, D(2030, 1, 1)) == ("SDF", False)  # the last period is still current


def test_it_marks_the_holder_uncertain_on_every_day_of_an_uncertain_boundary_and_names_the_new_one(sdf, isis):
    town = PlaceFactory(kind="town")
    captured(town, sdf, isis, D(2018, 12, 13), D(2018, 12, 15))

    assert on(town, D(2018, 12, 12)) == ("ISIS", False)
    # Inside "between 13 and 15 December" the period that began last answers, as the control scorer reads it.
    assert on(town, D(2018, 12, 13)) == ("SDF", True)
    assert on(town, D(2018, 12, 14)) == ("SDF", True)
    assert on(town, D(2018, 12, 15)) == ("SDF", True)
    assert on(town, D(2018, 12, 16)) == ("SDF", False)


def test_it_is_not_uncertain_when_fighting_inside_a_period_keeps_the_holder(sdf, isis):
    town = PlaceFactory(kind="town")
    EventFactory(place=town, actor1=sdf, actor2=isis, type="siege", date_start=D(2018, 11, 30),
                 date_end=D(2018, 12, 6), date_precision="week")
    captured(town, sdf, isis, D(2018, 12, 20))

    found = holder_on_date(periods(town), D(2018, 12, 2))
    assert (found.period.holder.name, found.period.state, found.uncertain) == ("ISIS", "besieged", False)
    assert holder_on_date(periods(town), D(2018, 12, 10)).period.state == "held"


def test_it_answers_none_for_a_place_without_periods_and_an_empty_map_without_data():
    assert holder_on_date([], D(2018, 12, 1)) is None
    view = front_view(query(at="2018-12-01"))
    assert view.places == []
    assert (view.timeline.first, view.timeline.last, view.timeline.change_days) == (None, None, [])
    assert (view.previous_change, view.next_change) == (None, None)
    assert json.loads(front_geojson(view))["features"] == []


# --- every place on a date -----------------------------------------------------------

def test_it_reads_every_place_on_a_date_in_one_query_whatever_their_number(sdf, isis):
    for i in range(12):
        captured(PlaceFactory(kind="town", lat=34 + i / 10), sdf, isis, D(2018, 12, 1 + i))

    with CaptureQueriesContext(connection) as queries:
        places = control_on(D(2018, 12, 6), query())

    assert len(queries) == 1
    assert [p.holder_name for p in places].count("SDF") == 6
    assert [p.holder_name for p in places].count("ISIS") == 6
    assert all(p.holder_color.startswith("#") for p in places)


def test_it_agrees_with_the_rule_for_one_place_on_every_day_around_a_change(sdf, isis):
    town = PlaceFactory(kind="town")
    captured(town, sdf, isis, D(2018, 12, 13), D(2018, 12, 15))
    for day in range(10, 19):
        [row] = control_on(D(2018, 12, day), query())
        assert (row.holder_name, row.uncertain) == on(town, D(2018, 12, day))


def test_it_filters_by_governorate_holder_and_kind_and_leaves_regions_out_unless_asked(sdf, isis):
    ypg = Actor.objects.get(slug="ypg")
    deir = PlaceFactory(kind="town", admin1="Deir ez-Zor")
    raqqa = PlaceFactory(kind="village", admin1="Ar-Raqqah")
    region = PlaceFactory(kind="region", admin1="Deir ez-Zor")
    captured(deir, sdf, isis, D(2018, 1, 1))
    captured(raqqa, ypg, isis, D(2018, 1, 1))  # a unit of the SDF
    captured(region, isis, sdf, D(2018, 1, 1))

    def names(**params):
        return {p.name for p in control_on(D(2018, 6, 1), query(**params))}

    assert names() == {deir.name, raqqa.name}
    assert names(admin1="ar-raqqah") == {raqqa.name}
    assert names(holder="sdf") == {deir.name, raqqa.name}
    assert names(holder="isis") == set()
    assert names(kind="town") == {deir.name}
    assert names(kind="region") == {region.name}


def test_it_names_each_bad_parameter_and_keeps_the_rest():
    q = FrontQuery.parse({"at": "1 Dec 2018", "compare": "2018-02-30", "admin1": "Atlantis", "holder": "nobody",
                          "kind": "castle"}, today=D(2019, 6, 1))
    assert set(q.errors) == {"at", "compare", "admin1", "holder", "kind"}
    assert "admin1" in FrontQuery.parse({"admin1": "Deir\x00"}, today=D(2019, 6, 1)).errors
    assert q.at == D(2019, 6, 1) and q.compare is None
    assert FrontQuery.parse({"at": "2018-12-01"}, today=D(2019, 6, 1)).errors == {}


# --- comparing two dates and stepping through changes -------------------------------

def test_it_lists_the_places_that_changed_hands_between_two_dates_with_the_events_that_changed_them(sdf, isis):
    hajin, bahrah, quiet = (PlaceFactory(kind="town") for _ in range(3))
    captured(hajin, sdf, isis, D(2018, 12, 13), D(2018, 12, 15))
    captured(bahrah, isis, sdf, D(2018, 11, 20))
    captured(quiet, sdf, isis, D(2017, 1, 1))
    capture = hajin.events.get()

    view = front_view(query(at="2018-12-31", compare="2018-11-01"))

    assert [(c.place.name, c.before.holder_name, c.after.holder_name) for c in view.changes] == sorted(
        [(bahrah.name, "SDF", "ISIS"), (hajin.name, "ISIS", "SDF")])
    assert [e.id for c in view.changes if c.place.name == hajin.name for e in c.events] == [capture.id]
    assert (view.earlier, view.later) == (D(2018, 11, 1), D(2018, 12, 31))
    feature = {f["properties"]["place"]["name"]: f["properties"] for f in json.loads(front_geojson(view))["features"]}
    assert feature[hajin.name]["changed"] is True and feature[hajin.name]["change_events"] == [capture.id]
    assert feature[hajin.name]["holder"]["name"] == "SDF" and feature[hajin.name]["compare"]["holder"]["name"] == "ISIS"
    assert feature[quiet.name]["changed"] is False


def test_it_steps_to_the_previous_and_next_day_on_which_any_place_changed_hands(sdf, isis):
    a, b = PlaceFactory(kind="town"), PlaceFactory(kind="town")
    captured(a, sdf, isis, D(2018, 12, 13), D(2018, 12, 15))
    captured(b, isis, sdf, D(2018, 11, 20))
    # Fighting that keeps the holder is no change of hands.
    EventFactory(place=b, actor1=sdf, actor2=isis, type="clash", date_start=D(2018, 12, 1), date_end=D(2018, 12, 1))
    control_recompute(place_id=b.id)

    line = timeline(query())
    assert line.change_days == [D(2018, 11, 20), D(2018, 12, 13)]
    assert (line.previous_change(D(2018, 12, 1)), line.next_change(D(2018, 12, 1))) == (D(2018, 11, 20),
                                                                                       D(2018, 12, 13))
    assert (line.previous_change(D(2018, 12, 13)), line.next_change(D(2018, 12, 13))) == (D(2018, 11, 20), None)
    assert line.previous_change(D(2018, 11, 20)) is None
    # With a holder filter, only the days that side gained or lost a place.
    other = ActorFactory()
    assert timeline(query(holder=str(other.id))).change_days == []


def test_a_place_without_coordinates_is_in_the_geojson_with_no_geometry_and_is_not_drawn(sdf, isis):
    lost = PlaceFactory(kind="village", lat=None, lon=None)
    captured(lost, sdf, isis, D(2018, 1, 1))

    view = front_view(query(at="2018-06-01"))

    assert (len(view.places), len(view.located), view.unlocated_count) == (1, 0, 1)
    [feature] = json.loads(front_geojson(view))["features"]
    assert feature["geometry"] is None and feature["properties"]["holder"]["name"] == "SDF"
