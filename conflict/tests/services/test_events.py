import datetime as dt

import pytest

from conflict.models import ChangeRecord, Claim, Event, EventChange
from conflict.services.events import RETIRED_REASON, event_apply_change, events_merge
from conflict.tests.factories import (
    ActorFactory,
    ClaimFactory,
    EventFactory,
    PlaceFactory,
    ReportFactory,
    SourceFactory,
)

D = dt.date


@pytest.fixture
def sdf(db):
    return ActorFactory(name="Test SDF")


@pytest.fixture
def isis(db):
    return ActorFactory(name="Test ISIS")


@pytest.fixture
def place(db):
    return PlaceFactory(name="Testhajin")


def claim(place, actor1=None, actor2=None, start=D(2018, 12, 13), end=None, precision="day", type="capture",
          report=None, **kw) -> Claim:
    return ClaimFactory(place=place, actor1=actor1, actor2=actor2, type=type, date_start=start,
                        date_end=end or start if start else None, date_precision=precision if start else "unknown",
                        report=report or ReportFactory(), **kw)


def test_claims_of_one_happening_from_two_reports_make_one_event(place, sdf, isis):
    a = claim(place, sdf, isis)
    b = claim(place, sdf, None, start=D(2018, 12, 1), end=D(2018, 12, 31), precision="month")
    [event] = events_merge(claims=[a, b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.event_id == b.event_id == event.pk
    event.refresh_from_db()
    assert (event.date_start, event.date_end, event.date_precision) == (D(2018, 12, 13), D(2018, 12, 13), "day")
    assert (event.actor1, event.actor2) == (sdf, isis)
    assert event.status == "auto"


def test_more_independent_sources_raise_the_confidence(place, sdf):
    one = claim(place, sdf)
    events_merge(claims=[one])
    alone = Event.objects.get(pk=Claim.objects.get(pk=one.pk).event_id).confidence
    two = claim(place, sdf, report=ReportFactory(source=SourceFactory()))
    events_merge(claims=[two])
    assert Event.objects.get(pk=Claim.objects.get(pk=two.pk).event_id).confidence > alone


def test_a_claim_never_joins_an_event_whose_date_it_contradicts(place, sdf):
    a = claim(place, sdf, start=D(2018, 12, 13))
    b = claim(place, sdf, start=D(2018, 12, 20))
    events_merge(claims=[a, b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.event_id != b.event_id


def test_two_sources_a_day_apart_make_one_event_that_shows_both_dates(place, sdf, isis):
    # "The SDF says Thursday, SOHR says Friday": one capture, the disagreement kept.
    thursday = claim(place, sdf, isis, start=D(2018, 12, 13))
    friday = claim(place, sdf, isis, start=D(2018, 12, 14), report=ReportFactory(source=SourceFactory()))
    [event] = events_merge(claims=[thursday, friday])
    event.refresh_from_db()
    assert Claim.objects.get(pk=friday.pk).event_id == Claim.objects.get(pk=thursday.pk).event_id == event.pk
    assert (event.date_start, event.date_end) == (D(2018, 12, 13), D(2018, 12, 14))
    [disagreement] = [d for d in event.disagreements if d["field"] == "date"]
    assert [v["start"] for v in disagreement["values"]] == ["2018-12-13", "2018-12-14"]


def test_a_day_claim_two_days_off_a_dated_event_stays_apart(place, sdf):
    a = claim(place, sdf, start=D(2018, 12, 13))
    b = claim(place, sdf, start=D(2018, 12, 15))
    events_merge(claims=[a, b])
    assert Claim.objects.get(pk=a.pk).event_id != Claim.objects.get(pk=b.pk).event_id


def test_the_running_date_of_an_event_is_checked_within_one_merge(place, sdf):
    # The month claim first: the event is "December" until the day claims narrow it.
    month = claim(place, sdf, start=D(2018, 12, 1), end=D(2018, 12, 31), precision="month")
    day13 = claim(place, sdf, start=D(2018, 12, 13))
    day20 = claim(place, sdf, start=D(2018, 12, 20))
    events_merge(claims=[month, day13, day20])
    ids = {c.pk: Claim.objects.get(pk=c.pk).event_id for c in (month, day13, day20)}
    assert ids[month.pk] == ids[day13.pk]
    assert ids[day20.pk] != ids[day13.pk]
    for event in Event.objects.filter(pk__in=ids.values()):
        dates = [c.date for c in event.claims.all()]
        assert all(x.overlaps(y) for x in dates for y in dates)


def test_an_undated_claim_joins_a_dated_event(place, sdf):
    dated = claim(place, sdf)
    undated = claim(place, sdf, start=None)
    events_merge(claims=[dated, undated])
    assert Claim.objects.get(pk=undated.pk).event_id == Claim.objects.get(pk=dated.pk).event_id


def test_other_places_types_and_opposed_actors_make_other_events(place, sdf, isis):
    base = claim(place, sdf, isis)
    elsewhere = claim(PlaceFactory(), sdf, isis)
    other_type = claim(place, sdf, isis, type="siege")
    opposite = claim(place, isis, sdf)
    events_merge(claims=[base, elsewhere, other_type, opposite])
    assert len({Claim.objects.get(pk=c.pk).event_id for c in (base, elsewhere, other_type, opposite)}) == 4


def test_a_member_is_compatible_with_its_parent(place, sdf):
    ypg = ActorFactory(name="Test YPG", parent=sdf)
    a = claim(place, sdf)
    b = claim(place, ypg)
    events_merge(claims=[a, b])
    assert Claim.objects.get(pk=a.pk).event_id == Claim.objects.get(pk=b.pk).event_id


def test_a_clash_matches_its_sides_in_either_order_but_not_a_third_party(place, sdf, isis):
    other = ActorFactory(name="Test Regime")
    a = claim(place, sdf, isis, type="clash")
    b = claim(place, isis, sdf, type="clash")
    c = claim(place, isis, None, type="clash")
    d = claim(place, other, sdf, type="clash")  # sides: regime and SDF, not ISIS
    events_merge(claims=[a, b, c, d])
    ids = [Claim.objects.get(pk=x.pk).event_id for x in (a, b, c, d)]
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] != ids[0]


def test_an_actor_named_by_one_claim_fills_the_event_for_the_next(place, sdf, isis):
    bare = claim(place, None, None)
    named = claim(place, sdf, None)
    opposed = claim(place, isis, None)
    events_merge(claims=[bare, named, opposed])
    ids = [Claim.objects.get(pk=x.pk).event_id for x in (bare, named, opposed)]
    assert ids[0] == ids[1] != ids[2]


def test_held_claims_and_claims_without_a_place_make_no_event(place, sdf):
    held = claim(place, sdf, type="held")
    nowhere = ClaimFactory(place=None, actor1=sdf)
    assert events_merge(claims=[held, nowhere]) == []
    assert Claim.objects.get(pk=held.pk).event_id is None
    assert not Event.objects.exists()


def test_a_new_event_is_recorded_in_history_and_the_change_feed(place, sdf):
    [event] = events_merge(claims=[claim(place, sdf)])
    assert ChangeRecord.objects.filter(object_type="event", object_id=event.pk, action="create").exists()
    assert EventChange.objects.filter(event=event, kind="created").exists()


def test_a_claim_joining_a_rejected_event_leaves_it_rejected(place, sdf, editor):
    event = EventFactory(place=place, actor1=sdf)
    event_apply_change(event=event, changes={"status": "rejected", "reject_reason": "propaganda"}, action="reject",
                       user=editor)
    c = claim(place, sdf)
    events_merge(claims=[c])
    event.refresh_from_db()
    assert Claim.objects.get(pk=c.pk).event_id == event.pk
    assert (event.status, event.reject_reason) == ("rejected", "propaganda")


def test_a_reviewed_event_keeps_the_editors_date_and_actors_when_claims_join(place, sdf, isis, editor):
    event = EventFactory(place=place, actor1=sdf, actor2=None, date_start=D(2018, 12, 1), date_end=D(2018, 12, 31),
                         date_precision="month")
    event_apply_change(event=event, changes={"status": "reviewed"}, action="accept", user=editor)
    events_merge(claims=[claim(place, sdf, isis, start=D(2018, 12, 13))])
    event.refresh_from_db()
    assert (event.date_start, event.date_end, event.actor2_id) == (D(2018, 12, 1), D(2018, 12, 31), None)
    assert event.status == "reviewed"
    assert event.claims.count() == 1


def test_merged_and_retired_events_take_no_new_claims(place, sdf):
    target = EventFactory(place=place, actor1=sdf)
    merged = EventFactory(place=place, actor1=sdf, merged_into=target)
    retired = EventFactory(place=place, actor1=sdf, status="rejected", reject_reason=RETIRED_REASON)
    c = claim(place, sdf)
    events_merge(claims=[c])
    assert Claim.objects.get(pk=c.pk).event_id == target.pk
    assert not merged.claims.exists() and not retired.claims.exists()


def test_a_claim_already_in_an_event_is_left_where_it_is(place, sdf):
    event = EventFactory(place=place, actor1=sdf)
    c = claim(place, sdf, event=event)
    assert events_merge(claims=[c]) == []
    assert Claim.objects.get(pk=c.pk).event_id == event.pk


def test_a_clash_told_in_both_orders_keeps_two_different_sides(place, sdf, isis):
    a = claim(place, sdf, isis, type="clash", start=None)
    b = claim(place, isis, sdf, type="clash", start=None)
    [event] = events_merge(claims=[a, b])
    event.refresh_from_db()
    assert {event.actor1_id, event.actor2_id} == {sdf.pk, isis.pk}
    assert not [d for d in event.disagreements if d["field"].startswith("actor")]


def test_the_control_recompute_of_a_place_is_queued_once_per_transaction(place, sdf, isis,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        events_merge(claims=[claim(place, sdf, isis), claim(place, sdf, isis, type="siege", start=None)])
        events_merge(claims=[claim(place, sdf, None, report=ReportFactory())])
    assert [c.control_place_id for c in callbacks] == [place.pk]


def test_an_event_a_claim_joins_is_updated_with_history_and_a_version_bump(place, sdf):
    [event] = events_merge(claims=[claim(place, sdf, start=D(2018, 12, 1), end=D(2018, 12, 31), precision="month")])
    event.refresh_from_db()
    version = event.version
    events_merge(claims=[claim(place, sdf, report=ReportFactory(source=SourceFactory()))])
    event.refresh_from_db()
    assert (event.date_start, event.date_end, event.version) == (D(2018, 12, 13), D(2018, 12, 13), version + 1)
    record = ChangeRecord.objects.filter(object_type="event", object_id=event.pk, action="retag").get()
    assert record.before["date_start"] == "2018-12-01" and record.after["date_start"] == "2018-12-13"
    assert EventChange.objects.filter(event=event, kind="updated").count() == 1


def test_a_stored_event_a_day_off_one_claim_is_joined_though_other_claims_are_far(place, sdf):
    stored = claim(place, sdf, start=D(2018, 12, 14))
    events_merge(claims=[stored])
    report = ReportFactory()
    far = claim(place, sdf, start=D(2018, 9, 1), report=report)
    near = claim(place, sdf, start=D(2018, 12, 15), report=report)
    events_merge(claims=[far, near])
    event_id = Claim.objects.get(pk=stored.pk).event_id
    assert Claim.objects.get(pk=near.pk).event_id == event_id
    assert Claim.objects.get(pk=far.pk).event_id != event_id


def test_a_stored_undated_event_is_joined_by_a_dated_claim(place, sdf):
    undated = claim(place, sdf, start=None)
    events_merge(claims=[undated])
    dated = claim(place, sdf, start=D(2018, 12, 13))
    events_merge(claims=[dated])
    assert Claim.objects.get(pk=dated.pk).event_id == Claim.objects.get(pk=undated.pk).event_id


def test_claims_of_two_places_and_two_types_join_only_their_own_pair(place, sdf):
    other = PlaceFactory(name="Testsusah")
    capture_here = claim(place, sdf, type="capture")
    clash_there = claim(other, sdf, type="clash")
    events_merge(claims=[capture_here, clash_there])
    # A clash here and a capture there: same places and types, other pairs.
    report = ReportFactory()
    clash_here = claim(place, sdf, type="clash", report=report)
    capture_there = claim(other, sdf, type="capture", report=report)
    events_merge(claims=[clash_here, capture_there])
    events = {c.pk: Claim.objects.get(pk=c.pk).event_id for c in (capture_here, clash_there, clash_here, capture_there)}
    assert len(set(events.values())) == 4


@pytest.mark.parametrize("link", ["duplicate_of", "near_duplicate_of"])
def test_a_copy_of_a_report_does_not_count_as_a_second_source(place, sdf, link):
    original = ReportFactory(source=SourceFactory(name="Wire one"))
    copy = ReportFactory(source=SourceFactory(name="Wire two"), **{link: original})
    independent = ReportFactory(source=SourceFactory(name="Wire three"))
    first = claim(place, sdf, report=original)
    events_merge(claims=[first])
    event = Claim.objects.get(pk=first.pk).event
    alone = event.confidence
    events_merge(claims=[claim(place, sdf, report=copy)])
    event.refresh_from_db()
    assert event.claims.count() == 2
    assert event.confidence == alone
    events_merge(claims=[claim(place, sdf, report=independent)])
    event.refresh_from_db()
    assert event.confidence > alone
