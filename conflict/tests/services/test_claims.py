import datetime as dt

import pytest

from conflict.dates import DateInterval
from conflict.models import Claim
from conflict.services.claims import claims_replace
from conflict.tests.factories import ActorFactory, ClaimFactory, EventFactory, PlaceFactory, ReportFactory
from reports.tagging.types import ClaimDraft

D = dt.date


@pytest.fixture
def report(db):
    return ReportFactory(text="The SDF captured Testtown from ISIS on Thursday. Clashes went on in Othertown.")


def draft(place, actor=None, span=(0, 48), type="capture", **kw) -> ClaimDraft:
    return ClaimDraft(type=type, span=span, quote="The SDF captured Testtown from ISIS on Thursday.", place_id=place.pk,
                      actor1_id=actor.pk if actor else None, date=DateInterval.day(D(2018, 12, 13)), **kw)


def test_machine_claims_are_replaced_and_keep_the_tagger_version(report):
    place, sdf = PlaceFactory(), ActorFactory()
    old = ClaimFactory(report=report, place=place, tagger_version="rules-0.9")
    result = claims_replace(report=report, drafts=[draft(place, sdf, evidence={"place": [17, 25]})],
                            tagger_version="rules-1.0")
    assert result.deleted == 1
    assert not Claim.objects.filter(pk=old.pk).exists()
    [new] = Claim.objects.filter(report=report)
    assert new.tagger_version == "rules-1.0"
    assert (new.span_start, new.span_end, new.actor1_id, new.place_id) == (0, 48, sdf.pk, place.pk)
    assert new.date == DateInterval.day(D(2018, 12, 13))
    assert new.evidence == {"place": [17, 25]}
    assert new.event_id is None  # merging is the caller's next step


def test_an_editors_claim_is_never_touched(report, editor):
    place = PlaceFactory()
    mine = ClaimFactory(report=report, place=place, tagger_version="", created_by=editor)
    claims_replace(report=report, drafts=[], tagger_version="rules-1.0")
    assert Claim.objects.filter(pk=mine.pk).exists()


def test_a_claim_of_a_reviewed_or_rejected_event_goes_back_to_that_event(report):
    place, other_place = PlaceFactory(), PlaceFactory()
    reviewed = EventFactory(place=place, status="reviewed")
    rejected = EventFactory(place=other_place, type="clash", status="rejected")
    auto = EventFactory(place=place, type="siege", status="auto")
    ClaimFactory(report=report, place=place, event=reviewed, span_start=0, span_end=48)
    ClaimFactory(report=report, place=other_place, event=rejected, type="clash", span_start=49, span_end=80)
    ClaimFactory(report=report, place=place, event=auto, type="siege", span_start=49, span_end=80)
    result = claims_replace(report=report, drafts=[
        draft(place, span=(4, 48)),  # overlaps the old span
        draft(other_place, span=(49, 79), type="clash"),
        draft(place, span=(49, 80), type="siege"),  # an auto event: merged afresh later
    ], tagger_version="rules-1.0")
    by_type = {c.type: c for c in result.created}
    assert by_type["capture"].event_id == reviewed.pk
    assert by_type["clash"].event_id == rejected.pk
    assert by_type["siege"].event_id is None
    assert result.touched_event_ids == {reviewed.pk, rejected.pk, auto.pk}
    assert {c.pk for c in result.kept_in_reviewed} == {by_type["capture"].pk, by_type["clash"].pk}


def test_a_claim_that_moved_elsewhere_in_the_text_does_not_return_to_the_event(report):
    place = PlaceFactory()
    reviewed = EventFactory(place=place, status="reviewed")
    ClaimFactory(report=report, place=place, event=reviewed, span_start=0, span_end=20)
    result = claims_replace(report=report, drafts=[draft(place, span=(30, 48))], tagger_version="rules-1.0")
    assert result.created[0].event_id is None


def test_a_proposed_place_name_is_resolved_to_its_place(report):
    proposed = PlaceFactory(status="proposed")
    d = ClaimDraft(type="capture", span=(0, 10), quote="x", proposed_place="Newvillage")
    [claim] = claims_replace(report=report, drafts=[d], tagger_version="v", proposed_places={"Newvillage": proposed.pk}
                             ).created
    assert claim.place_id == proposed.pk


def test_machine_claims_need_a_tagger_version(report):
    with pytest.raises(ValueError):
        claims_replace(report=report, drafts=[], tagger_version="")
