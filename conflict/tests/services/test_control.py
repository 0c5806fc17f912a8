from __future__ import annotations

import datetime as dt

import pytest

from conflict.dates import DateInterval
from conflict.models import Actor, ChangeRecord, ControlPeriod, Event, Source
from conflict.selectors.control import control_periods_for_place
from conflict.services.control import control_recompute
from conflict.services.events import event_apply_change, events_merge
from conflict.tests.factories import ClaimFactory, EventFactory, PlaceFactory, ReportFactory

pytestmark = pytest.mark.django_db

D = dt.date


def actor(slug: str) -> Actor:
    return Actor.objects.get(slug=slug)


def capture(place, winner, loser=None, start=D(2018, 12, 13), end=None, **kwargs) -> Event:
    return EventFactory(place=place, type="capture", actor1=actor(winner), actor2=actor(loser) if loser else None,
                        date_start=start, date_end=end or start, date_precision="day" if start else "unknown",
                        **kwargs)


def periods(place) -> list[tuple]:
    return [
        (p.holder.slug if p.holder else None, p.state, p.start.to_json() if p.start else None,
         p.end.to_json() if p.end else None)
        for p in control_periods_for_place(place.id)
    ]


def day(d: dt.date) -> dict:
    return DateInterval.day(d).to_json()


def holder_on(place, when: dt.date) -> str | None:
    """Who holds the place on a date, the way the control scorer asks: the covering period that began last."""
    covering = []
    for p in control_periods_for_place(place.id):
        lower = (p.start.start or p.start.end) if p.start else D(1, 1, 1)
        upper = (p.end.end or p.end.start) if p.end else D(9999, 12, 31)
        if lower <= when <= upper:
            covering.append((lower, p))
    if not covering:
        return "no period"
    period = max(covering, key=lambda c: c[0])[1]
    return period.holder.slug if period.holder else None


def test_it_derives_a_capture_then_a_recapture_as_three_tiled_periods():
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2017, 3, 1))
    capture(town, "sdf", "isis", D(2018, 12, 13), D(2018, 12, 14))

    control_recompute(place_id=town.id)

    assert periods(town) == [
        ("sdf", "held", None, day(D(2017, 3, 1))),
        ("isis", "held", day(D(2017, 3, 1)), {"start": "2018-12-13", "end": "2018-12-14", "precision": "day"}),
        ("sdf", "held", {"start": "2018-12-13", "end": "2018-12-14", "precision": "day"}, None),
    ]
    assert holder_on(town, D(2018, 1, 1)) == "isis"
    assert holder_on(town, D(2019, 1, 1)) == "sdf"


def test_it_links_each_period_to_the_events_it_rests_on():
    town = PlaceFactory()
    first = capture(town, "isis", "sdf", D(2017, 3, 1))
    second = capture(town, "sdf", "isis", D(2018, 12, 13))

    control_recompute(place_id=town.id)

    linked = [sorted(e.id for e in p.events.all()) for p in control_periods_for_place(town.id)]
    assert linked == [[], [first.id], [second.id]]


def test_a_siege_marks_the_place_besieged_and_keeps_the_holder():
    town = PlaceFactory()
    capture(town, "isis", "syrian-government", D(2014, 6, 1))
    siege = EventFactory(place=town, type="siege", actor1=actor("sdf"), actor2=actor("isis"),
                         date_start=D(2018, 11, 1), date_end=D(2018, 11, 30), date_precision="month")

    control_recompute(place_id=town.id)

    rows = periods(town)
    assert [(h, s) for h, s, *_ in rows] == [
        ("syrian-government", "held"), ("isis", "held"), ("isis", "besieged"), ("isis", "held"),
    ]
    besieged = control_periods_for_place(town.id)[2]
    assert [e.id for e in besieged.events.all()] == [siege.id]
    assert holder_on(town, D(2018, 11, 15)) == "isis"


def test_fighting_that_names_the_holder_marks_the_place_contested_while_it_lasts():
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2018, 11, 1))
    EventFactory(place=town, type="attack", actor1=actor("sdf"), actor2=actor("isis"),
                 date_start=D(2018, 11, 20), date_end=D(2018, 11, 22), date_precision="day")
    EventFactory(place=town, type="clash", actor1=actor("sdf"), actor2=actor("isis"),
                 date_start=D(2018, 11, 25), date_end=D(2018, 11, 25), date_precision="day")
    # An attack between two sides that do not hold the place leaves it as it is.
    EventFactory(place=town, type="attack", actor1=actor("coalition"), actor2=actor("syrian-government"),
                 date_start=D(2019, 5, 1), date_end=D(2019, 5, 1), date_precision="day")

    control_recompute(place_id=town.id)

    rows = periods(town)
    assert [(h, s) for h, s, *_ in rows] == [("sdf", "held"), ("isis", "held"), ("isis", "contested"), ("isis", "held")]
    contested = rows[2]
    assert contested[2]["start"] == "2018-11-20" and contested[3] == day(D(2018, 11, 25))


def test_two_sources_giving_different_dates_widen_the_boundary_and_lower_the_confidence():
    town, other_town = PlaceFactory(), PlaceFactory()
    capture(town, "sdf", "isis", D(2018, 12, 11), confidence=0.6)
    capture(town, "sdf", "isis", D(2018, 12, 16), confidence=0.6)
    capture(other_town, "sdf", "isis", D(2018, 12, 11), confidence=0.6)
    capture(other_town, "sdf", "isis", D(2018, 12, 11), confidence=0.6)

    control_recompute(place_id=town.id)
    control_recompute(place_id=other_town.id)

    first, after = control_periods_for_place(town.id)
    assert after.start.to_json() == {"start": "2018-12-11", "end": "2018-12-16", "precision": "week"}
    assert first.end == after.start
    dates = sorted(a["date"]["start"] for a in after.alternatives)
    assert dates == ["2018-12-11", "2018-12-16"]
    agreeing = control_periods_for_place(other_town.id)[1]
    assert after.confidence < agreeing.confidence


def test_a_reviewed_event_outweighs_an_unreviewed_one_on_the_date():
    town = PlaceFactory()
    capture(town, "sdf", "isis", D(2018, 12, 11), status="reviewed")
    late = capture(town, "sdf", "isis", D(2018, 12, 16))

    control_recompute(place_id=town.id)

    after = control_periods_for_place(town.id)[1]
    assert after.start == DateInterval.day(D(2018, 12, 11))
    assert [a["events"] for a in after.alternatives] == [[late.id]]


def test_two_sources_disagreeing_on_who_took_the_town_show_both_with_lower_confidence():
    town = PlaceFactory()
    capture(town, "sdf", "isis", D(2018, 12, 13), confidence=0.8)
    rival = capture(town, "syrian-government", "isis", D(2018, 12, 13), confidence=0.4)

    control_recompute(place_id=town.id)

    before, after = control_periods_for_place(town.id)
    assert before.holder.slug == "isis" and after.holder.slug == "sdf"
    assert after.confidence < 0.8
    assert [(a["holder"]["name"], a["events"]) for a in after.alternatives] == [("Syrian government", [rival.id])]


def test_a_partys_own_media_about_its_own_success_weighs_less_than_an_independent_report():
    town = PlaceFactory()
    amaq = Source.objects.get(slug="amaq")
    reuters = Source.objects.get(slug="reuters")
    boast = capture(town, "isis", "sdf", D(2018, 11, 20), confidence=0.6)
    ClaimFactory(event=boast, place=town, actor1=actor("isis"), report=ReportFactory(source=amaq))
    independent = capture(town, "sdf", "isis", D(2018, 11, 20), confidence=0.5)
    ClaimFactory(event=independent, place=town, actor1=actor("sdf"), report=ReportFactory(source=reuters))

    control_recompute(place_id=town.id)

    after = control_periods_for_place(town.id)[-1]
    assert after.holder.slug == "sdf"
    assert after.alternatives[0]["holder"]["name"] == "ISIS"


def test_a_report_about_an_earlier_year_arriving_late_slots_into_its_place_in_time():
    town = PlaceFactory()
    capture(town, "sdf", "isis", D(2018, 12, 13))
    control_recompute(place_id=town.id)
    assert [h for h, *_ in periods(town)] == ["isis", "sdf"]

    capture(town, "isis", "syrian-government", D(2017, 2, 1))
    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["syrian-government", "isis", "sdf"]
    assert holder_on(town, D(2017, 6, 1)) == "isis"


def test_claims_merged_into_events_recompute_the_periods_on_commit(django_capture_on_commit_callbacks):
    town = PlaceFactory()
    report = ReportFactory(published=D(2018, 12, 14))
    claim = ClaimFactory(report=report, place=town, actor1=actor("sdf"), actor2=actor("isis"),
                         date_start=D(2018, 12, 13), date_end=D(2018, 12, 13))

    with django_capture_on_commit_callbacks(execute=True):
        events_merge(claims=[claim])

    assert [h for h, *_ in periods(town)] == ["isis", "sdf"]


def test_a_rejected_event_is_removed_from_the_periods(django_capture_on_commit_callbacks):
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2017, 3, 1))
    wrong = capture(town, "syrian-government", "isis", D(2018, 1, 5))
    control_recompute(place_id=town.id)
    assert [h for h, *_ in periods(town)] == ["sdf", "isis", "syrian-government"]

    with django_capture_on_commit_callbacks(execute=True):
        event_apply_change(event=wrong, changes={"status": Event.Status.REJECTED}, action=ChangeRecord.Action.REJECT)

    assert [h for h, *_ in periods(town)] == ["sdf", "isis"]
    assert not ControlPeriod.objects.filter(events=wrong).exists()


def test_a_merged_event_counts_once_through_the_event_it_was_merged_into():
    town = PlaceFactory()
    kept = capture(town, "sdf", "isis", D(2018, 12, 13))
    capture(town, "isis", "sdf", D(2019, 2, 1), merged_into=kept)

    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["isis", "sdf"]


def test_recomputing_twice_gives_the_same_periods():
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2017, 3, 1))
    capture(town, "sdf", "isis", D(2018, 12, 13))

    control_recompute(place_id=town.id)
    once = periods(town)
    control_recompute(place_id=town.id)

    assert periods(town) == once
    assert ControlPeriod.objects.filter(place=town).count() == 3


def test_a_withdrawal_by_the_holder_leaves_the_holder_unknown_and_by_anyone_else_changes_nothing():
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2017, 3, 1))
    EventFactory(place=town, type="withdrawal", actor1=actor("sdf"), date_start=D(2017, 6, 1),
                 date_end=D(2017, 6, 1), date_precision="day")
    EventFactory(place=town, type="withdrawal", actor1=actor("isis"), date_start=D(2018, 6, 1),
                 date_end=D(2018, 6, 1), date_precision="day")

    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["sdf", "isis", None]
    assert holder_on(town, D(2018, 1, 1)) == "isis"
    assert holder_on(town, D(2018, 7, 1)) is None


def test_an_undated_event_is_bounded_by_its_reports_publication_date():
    town = PlaceFactory()
    event = capture(town, "sdf", "isis", None)
    ClaimFactory(event=event, place=town, actor1=actor("sdf"), date_start=None, date_end=None,
                 date_precision="unknown", report=ReportFactory(published=D(2018, 12, 20)))

    control_recompute(place_id=town.id)

    before, after = control_periods_for_place(town.id)
    assert after.start == DateInterval(None, D(2018, 12, 20), "unknown")
    assert holder_on(town, D(2018, 12, 21)) == "sdf"
    assert before.holder.slug == "isis"


def test_an_undated_capture_says_who_held_it_at_some_point_when_nothing_dated_contradicts():
    town = PlaceFactory()
    capture(town, "sdf", "isis", None)

    control_recompute(place_id=town.id)

    assert periods(town) == [("sdf", "held", None, None)]


def test_a_statement_of_holding_without_an_event_supports_a_period():
    town = PlaceFactory(name="Bahrah Test")
    ClaimFactory(type="held", event=None, place=town, actor1=actor("sdf"), date_start=None, date_end=None,
                 date_precision="unknown", report=ReportFactory(published=D(2018, 10, 1)))
    capture(town, "isis", "sdf", D(2018, 11, 20))

    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["sdf", "isis"]
    assert holder_on(town, D(2018, 10, 2)) == "sdf"


def test_a_statement_of_holding_after_an_unknown_holder_names_it():
    town = PlaceFactory()
    EventFactory(place=town, type="withdrawal", actor1=actor("isis"), date_start=D(2017, 6, 1),
                 date_end=D(2017, 6, 1), date_precision="day")
    ClaimFactory(type="held", event=None, place=town, actor1=actor("sdf"), date_start=D(2017, 9, 1),
                 date_end=D(2017, 9, 1), date_precision="day")

    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["isis", None, "sdf"]
    assert holder_on(town, D(2017, 10, 1)) == "sdf"


def test_a_place_with_no_control_events_has_no_periods():
    town = PlaceFactory()
    EventFactory(place=town, type="airstrike", actor1=actor("coalition"), actor2=actor("isis"))

    assert control_recompute(place_id=town.id) == []


def test_a_holding_named_as_the_loser_of_a_capture_in_the_same_report_describes_the_time_before_it():
    # "IS captured the SDF-held town of Bahrah" (report of 25 Nov): SDF held it before, not after.
    town = PlaceFactory()
    report = ReportFactory(published=D(2018, 11, 25))
    event = capture(town, "isis", "sdf", D(2018, 10, 25), D(2018, 11, 25))
    ClaimFactory(event=event, report=report, place=town, actor1=actor("isis"), actor2=actor("sdf"),
                 date_start=D(2018, 10, 25), date_end=D(2018, 11, 25), date_precision="month")
    ClaimFactory(type="held", event=None, report=report, place=town, actor1=actor("sdf"), date_start=None,
                 date_end=None, date_precision="unknown")

    control_recompute(place_id=town.id)

    assert [h for h, *_ in periods(town)] == ["sdf", "isis"]
    assert holder_on(town, D(2018, 11, 26)) == "isis"


def test_a_later_statement_of_holding_by_another_side_marks_a_change_no_report_dates():
    town = PlaceFactory()
    capture(town, "isis", "sdf", D(2016, 3, 1))
    ClaimFactory(type="held", event=None, place=town, actor1=actor("sdf"), date_start=D(2018, 5, 1),
                 date_end=D(2018, 5, 1), date_precision="day")

    control_recompute(place_id=town.id)

    rows = control_periods_for_place(town.id)
    assert [p.holder.slug for p in rows] == ["sdf", "isis", "sdf"]
    assert rows[2].start == DateInterval(D(2016, 3, 1), D(2018, 5, 1), "unknown")
    assert rows[2].alternatives and rows[2].confidence < rows[1].confidence
