from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conflict.models import (
    ActorName,
    ChangeRecord,
    Claim,
    Event,
    EventChange,
    Place,
    PlaceName,
    ReferenceDataVersion,
    TaggerProposal,
)
from conflict.selectors.history import event_canonical, event_changes_since
from conflict.services import review
from conflict.services.accounts import AccountError, editor_create
from conflict.services.events import EventVersionConflict, events_merge
from conflict.tests.factories import (
    ActorFactory,
    ClaimFactory,
    EventFactory,
    PlaceFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2018, 12, 13)


def event_with_claims(n: int = 1, **event_kwargs) -> Event:
    event = EventFactory(**event_kwargs)
    for i in range(n):
        ClaimFactory(event=event, place=event.place, actor1=event.actor1, type=event.type,
                     date_start=event.date_start, date_end=event.date_end, span_start=i * 10, span_end=i * 10 + 5)
    return event


@pytest.fixture
def other_editor(db):
    return UserFactory(groups=["editor"])


# --- accept / reject / correct -----------------------------------------------------------------

def test_accept_marks_the_event_reviewed_and_records_who(editor):
    event = event_with_claims()
    review.event_accept(event=event, user=editor, expected_version=1)
    event.refresh_from_db()
    assert event.status == Event.Status.REVIEWED
    assert event.reviewed_by == editor
    assert event.version == 2
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    assert record.user == editor
    assert (record.before["status"], record.after["status"]) == ("auto", "reviewed")
    assert EventChange.objects.filter(event=event, kind="updated").exists()


def test_a_second_editor_saving_an_old_version_gets_a_conflict_not_an_overwrite(editor, other_editor):
    event = event_with_claims()
    seen_version = event.version
    review.event_correct(event=Event.objects.get(pk=event.pk), user=editor, expected_version=seen_version,
                         changes={"date_start": dt.date(2018, 12, 12), "date_end": dt.date(2018, 12, 12)})
    with pytest.raises(EventVersionConflict) as info:
        review.event_reject(event=Event.objects.get(pk=event.pk), user=other_editor, reason="wrong",
                            expected_version=seen_version)
    event.refresh_from_db()
    assert event.status == Event.Status.REVIEWED
    assert event.date_start == dt.date(2018, 12, 12)
    theirs = event_changes_since(event=info.value.event, version=seen_version)
    assert [h.user for h in theirs] == [editor.username]
    assert any(d.field == "date" and "12 Dec 2018" in d.after for d in theirs[0].diffs)


def test_correct_sets_fields_and_marks_reviewed(editor):
    event = event_with_claims()
    place, actor = PlaceFactory(), ActorFactory()
    review.event_correct(event=event, user=editor, expected_version=1, changes={
        "type": "withdrawal", "place_id": place.pk, "actor1_id": actor.pk,
        "date_start": dt.date(2018, 12, 1), "date_end": dt.date(2018, 12, 31), "date_precision": "month"})
    event.refresh_from_db()
    assert (event.type, event.place_id, event.actor1_id, event.status) == ("withdrawal", place.pk, actor.pk, "reviewed")
    assert str(event.date) == "Dec 2018"


def test_correct_refuses_the_same_actor_on_both_sides(editor):
    event = event_with_claims()
    with pytest.raises(review.ReviewError):
        review.event_correct(event=event, user=editor, changes={"actor2_id": event.actor1_id})


def test_correct_refuses_a_date_that_ends_before_it_starts(editor):
    event = event_with_claims()
    with pytest.raises(ValueError):
        review.event_correct(event=event, user=editor,
                             changes={"date_start": dt.date(2018, 12, 20), "date_end": dt.date(2018, 12, 1)})
    event.refresh_from_db()
    assert event.version == 1


def test_reject_needs_a_reason(editor):
    event = event_with_claims()
    with pytest.raises(review.ReviewError):
        review.event_reject(event=event, user=editor, reason="  ")
    assert Event.objects.get(pk=event.pk).status == "auto"


def test_a_rejected_event_stays_rejected_when_new_machine_claims_match_it(editor):
    event = event_with_claims()
    review.event_reject(event=event, user=editor, reason="the report is satire")
    claim = ClaimFactory(place=event.place, actor1=event.actor1, date_start=DAY, date_end=DAY)
    events_merge(claims=[claim])
    event.refresh_from_db()
    claim.refresh_from_db()
    assert claim.event_id == event.pk
    assert event.status == Event.Status.REJECTED
    assert event.reject_reason == "the report is satire"


# --- merge --------------------------------------------------------------------------------------

def test_merge_moves_the_claims_and_keeps_the_merged_event_resolving(editor):
    target = event_with_claims(1)
    other = event_with_claims(2, place=target.place, actor1=target.actor1)
    review.event_merge(event=other, into=target, user=editor, expected_version=1)
    other.refresh_from_db()
    assert other.merged_into_id == target.pk
    assert target.claims.count() == 3
    assert other.claims.count() == 0
    assert event_canonical(event_id=other.pk).pk == target.pk
    assert EventChange.objects.filter(event=other, kind="merged", merged_into=target).exists()
    assert ChangeRecord.objects.filter(object_type="claim", action="merge", after__event_id=target.pk).count() == 2


def test_merge_into_itself_is_refused(editor):
    event = event_with_claims()
    with pytest.raises(review.ReviewError):
        review.event_merge(event=event, into=event, user=editor)


def test_a_merged_event_cannot_be_accepted(editor):
    target = event_with_claims()
    other = event_with_claims(place=target.place)
    review.event_merge(event=other, into=target, user=editor)
    with pytest.raises(review.ReviewError, match="merged into"):
        review.event_accept(event=Event.objects.get(pk=other.pk), user=editor)


def test_after_a_merge_new_claims_of_the_same_thing_join_the_surviving_event(editor):
    target = event_with_claims()
    other = event_with_claims(place=target.place, actor1=target.actor1)
    review.event_merge(event=other, into=target, user=editor)
    review.event_accept(event=Event.objects.get(pk=target.pk), user=editor)
    # What a re-tag does: the report's claims come back as new machine claims and are merged.
    claim = ClaimFactory(place=target.place, actor1=target.actor1, date_start=DAY, date_end=DAY)
    events_merge(claims=[claim])
    claim.refresh_from_db()
    other.refresh_from_db()
    assert claim.event_id == target.pk
    assert other.merged_into_id == target.pk
    assert Event.objects.get(pk=target.pk).status == Event.Status.REVIEWED


# --- split --------------------------------------------------------------------------------------

def test_split_moves_one_claim_into_a_new_event(editor):
    event = event_with_claims(2)
    claim = event.claims.order_by("pk").last()
    claim.date_start = claim.date_end = dt.date(2018, 12, 1)
    claim.save()
    new = review.claim_split(claim=claim, user=editor, expected_version=1)
    claim.refresh_from_db()
    assert claim.event_id == new.pk
    assert new.pk != event.pk
    assert event.claims.count() == 1
    assert new.date_start == dt.date(2018, 12, 1)
    assert new.status == Event.Status.REVIEWED and new.reviewed_by == editor
    assert ChangeRecord.objects.filter(object_type="claim", object_id=claim.pk, action="split").exists()
    assert ChangeRecord.objects.filter(object_type="event", object_id=event.pk, action="split", user=editor).exists()


def test_splitting_the_only_claim_is_refused(editor):
    event = event_with_claims(1)
    with pytest.raises(review.ReviewError, match="only claim"):
        review.claim_split(claim=event.claims.get(), user=editor)


def test_split_with_an_old_version_conflicts(editor):
    event = event_with_claims(2)
    review.event_accept(event=event, user=editor)
    with pytest.raises(EventVersionConflict):
        review.claim_split(claim=event.claims.first(), user=editor, expected_version=1)


# --- undo ---------------------------------------------------------------------------------------

def test_undo_restores_the_fields_the_change_touched(editor, other_editor):
    event = event_with_claims()
    review.event_correct(event=event, user=editor, changes={"date_start": dt.date(2018, 12, 1),
                                                            "date_end": dt.date(2018, 12, 2)})
    record = ChangeRecord.objects.filter(object_type="event", object_id=event.pk).latest("id")
    undo = review.change_undo(record=record, user=other_editor)
    event.refresh_from_db()
    assert (event.date_start, event.date_end) == (DAY, DAY)
    assert event.status == Event.Status.AUTO
    assert undo.action == "undo" and undo.undoes == record and undo.user == other_editor


def test_undoing_an_accept_leaves_the_event_unreviewed_by_anyone(editor):
    event = event_with_claims()
    review.event_accept(event=event, user=editor)
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    review.change_undo(record=record, user=editor)
    event.refresh_from_db()
    assert event.status == Event.Status.AUTO
    assert (event.reviewed_by, event.reviewed_at) == (None, None)


def test_undo_twice_is_refused(editor):
    event = event_with_claims()
    review.event_accept(event=event, user=editor)
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    review.change_undo(record=record, user=editor)
    with pytest.raises(review.ReviewError, match="already undone"):
        review.change_undo(record=record, user=editor)


def test_undo_is_refused_when_a_later_change_touched_the_same_fields(editor):
    event = event_with_claims()
    review.event_correct(event=event, user=editor, changes={"type": "clash"})
    first = ChangeRecord.objects.filter(object_type="event", object_id=event.pk).latest("id")
    review.event_correct(event=event, user=editor, changes={"type": "attack"})
    with pytest.raises(review.UndoConflict) as info:
        review.change_undo(record=first, user=editor)
    assert info.value.later
    assert Event.objects.get(pk=event.pk).type == "attack"


def test_undo_of_an_earlier_change_to_other_fields_is_allowed(editor):
    event = event_with_claims()
    review.event_correct(event=event, user=editor, changes={"type": "clash"})
    first = ChangeRecord.objects.filter(object_type="event", object_id=event.pk).latest("id")
    review.event_correct(event=event, user=editor, changes={"date_start": dt.date(2018, 12, 10)})
    review.change_undo(record=first, user=editor)
    event.refresh_from_db()
    assert event.type == "capture"
    assert event.date_start == dt.date(2018, 12, 10)


def test_undo_of_a_merge_takes_the_claims_back(editor):
    target = event_with_claims(1)
    other = event_with_claims(2, place=target.place)
    review.event_merge(event=other, into=target, user=editor)
    record = ChangeRecord.objects.get(object_type="event", object_id=other.pk, action="merge")
    review.change_undo(record=record, user=editor)
    other.refresh_from_db()
    assert other.merged_into_id is None
    assert other.claims.count() == 2
    assert target.claims.count() == 1


def test_undo_of_a_split_merges_the_split_off_event_back(editor):
    event = event_with_claims(2)
    claim = event.claims.order_by("pk").last()
    new = review.claim_split(claim=claim, user=editor)
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="split")
    review.change_undo(record=record, user=editor)
    claim.refresh_from_db()
    new.refresh_from_db()
    assert claim.event_id == event.pk
    assert new.merged_into_id == event.pk


def test_undo_of_an_undo_redoes_the_change(editor):
    event = event_with_claims()
    review.event_accept(event=event, user=editor)
    accept = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    undo = review.change_undo(record=accept, user=editor)
    review.change_undo(record=undo, user=editor)
    assert Event.objects.get(pk=event.pk).status == Event.Status.REVIEWED


# --- bulk ---------------------------------------------------------------------------------------

def test_bulk_accept_skips_events_changed_since_the_editor_saw_them(editor, other_editor):
    a, b = event_with_claims(), event_with_claims()
    review.event_correct(event=b, user=other_editor, changes={"type": "clash"})
    result = review.events_bulk_review(event_ids=[a.pk, b.pk], action="accept", user=editor,
                                       versions={a.pk: 1, b.pk: 1})
    assert result.done == [a.pk]
    assert b.pk in result.skipped
    assert Event.objects.get(pk=a.pk).status == "reviewed"
    assert Event.objects.get(pk=b.pk).type == "clash"


def test_bulk_reject_needs_a_reason(editor):
    event = event_with_claims()
    with pytest.raises(review.ReviewError):
        review.events_bulk_review(event_ids=[event.pk], action="reject", user=editor)


def test_bulk_reject_rejects_each_selected_event(editor):
    events = [event_with_claims() for _ in range(3)]
    result = review.events_bulk_review(event_ids=[e.pk for e in events], action="reject", user=editor,
                                       reason="not in Syria")
    assert sorted(result.done) == sorted(e.pk for e in events)
    assert set(Event.objects.filter(pk__in=result.done).values_list("status", flat=True)) == {"rejected"}


# --- duplicate reports --------------------------------------------------------------------------

def test_a_duplicate_report_stops_counting(editor):
    original, copy = ReportFactory(), ReportFactory(text="The same story again.")
    shared = EventFactory()
    ClaimFactory(event=shared, report=original, place=shared.place, actor1=shared.actor1)
    copied_claim = ClaimFactory(event=shared, report=copy, place=shared.place, actor1=shared.actor1)
    alone = EventFactory()
    ClaimFactory(event=alone, report=copy, place=alone.place, actor1=alone.actor1)
    touched = review.report_mark_duplicate(report=copy, duplicate_of=original, user=editor)
    copy.refresh_from_db()
    copied_claim.refresh_from_db()
    assert copy.duplicate_of_id == original.pk
    assert copied_claim.event_id is None
    assert shared.claims.count() == 1
    alone.refresh_from_db()
    assert alone.status == Event.Status.REJECTED
    assert "duplicate" in alone.reject_reason
    assert alone.pk in [e.pk for e in touched]
    assert ChangeRecord.objects.filter(object_type="report", object_id=copy.pk).exists()


def test_a_report_cannot_duplicate_itself(editor):
    report = ReportFactory()
    with pytest.raises(review.ReviewError):
        review.report_mark_duplicate(report=report, duplicate_of=report, user=editor)


# --- proposals ----------------------------------------------------------------------------------

def proposed_place(name: str = "Zzabadiya") -> tuple[TaggerProposal, Place]:
    place = Place.objects.create(name=name, slug=name.lower(), status=Place.Status.PROPOSED, lat=None, lon=None)
    proposal = TaggerProposal.objects.create(kind="place", name=name, normalized=name.lower(), place=place)
    proposal.reports.add(ReportFactory())
    return proposal, place


def version_of(name: str) -> int:
    row = ReferenceDataVersion.objects.filter(name=name).first()
    return row.version if row else 0


def test_a_proposed_place_can_be_created_with_coordinates(editor):
    proposal, place = proposed_place()
    before = version_of("gazetteer")
    review.proposal_place_create(proposal=proposal, user=editor, lat=34.9, lon=40.5, kind="village",
                                 admin1="Deir ez-Zor")
    place.refresh_from_db()
    proposal.refresh_from_db()
    assert (place.status, place.lat, place.lon, place.admin1) == ("confirmed", 34.9, 40.5, "Deir ez-Zor")
    assert proposal.status == "accepted" and proposal.resolved_by == editor
    assert version_of("gazetteer") > before
    assert PlaceName.objects.filter(place=place, normalized="zzabadiya").exists()


def test_a_proposed_place_can_be_folded_into_an_existing_place(editor):
    proposal, proposed = proposed_place("Hajeenn")
    existing = PlaceFactory(name="Hajinville")
    event = event_with_claims(place=proposed)
    before = version_of("gazetteer")
    review.proposal_place_fold(proposal=proposal, into=existing, user=editor)
    proposed.refresh_from_db()
    event.refresh_from_db()
    assert PlaceName.objects.filter(place=existing, name="Hajeenn").exists()
    assert proposed.status == Place.Status.MERGED and proposed.merged_into == existing
    assert event.place_id == existing.pk
    assert not Claim.objects.filter(place=proposed).exists()
    assert version_of("gazetteer") > before


def test_folding_a_proposed_place_retags_its_reports_once_committed(editor, django_capture_on_commit_callbacks):
    proposal, proposed = proposed_place("Zarqubiyet")
    report = proposal.reports.get()
    report.text = "On Thursday the SDF captured Zarqubiyet from ISIS."
    report.save()
    existing = PlaceFactory(name="Testtown Qubbeh")
    with django_capture_on_commit_callbacks(execute=True):
        review.proposal_place_fold(proposal=proposal, into=existing, user=editor)
    report.refresh_from_db()
    assert report.tagged_at is not None
    # The re-tag read the new spelling: the report's claim is now about the existing place.
    assert Claim.objects.filter(report=report, place=existing).exists()


def test_a_proposal_is_resolved_only_once(editor):
    proposal, _ = proposed_place()
    review.proposal_dismiss(proposal=proposal, user=editor)
    with pytest.raises(review.ReviewError):
        review.proposal_place_create(proposal=proposal, user=editor, lat=1, lon=1, kind="village", admin1="x")


def test_an_actor_alias_proposal_adds_the_alias(editor):
    actor = ActorFactory()
    proposal = TaggerProposal.objects.create(kind="actor_alias", name="Qasad", normalized="qasad")
    before = version_of("actors")
    review.proposal_actor_alias_add(proposal=proposal, actor=actor, user=editor)
    assert ActorName.objects.filter(actor=actor, normalized="qasad").exists()
    assert TaggerProposal.objects.get(pk=proposal.pk).status == "accepted"
    assert version_of("actors") > before


# --- accounts -----------------------------------------------------------------------------------

def test_editor_create_puts_the_user_in_the_editor_group(db):
    user = editor_create(username="rania", password="a long enough passphrase")
    assert user.groups.filter(name="editor").exists()
    assert user.check_password("a long enough passphrase")


def test_editor_create_refuses_a_weak_password(db):
    with pytest.raises(AccountError):
        editor_create(username="weak", password="password")


def test_createeditor_noinput_reads_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("TIDEMARK_EDITOR_PASSWORD", "tidal flats at dawn")
    call_command("createeditor", "samir", "--noinput")
    from django.contrib.auth.models import User

    assert User.objects.get(username="samir").check_password("tidal flats at dawn")


def test_createeditor_noinput_without_a_password_fails(db, monkeypatch):
    monkeypatch.delenv("TIDEMARK_EDITOR_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        call_command("createeditor", "nopass", "--noinput")


# --- editor decisions survive re-tagging ---------------------------------------------------------

RETAG_TEXT = ("On Thursday, the SDF captured the town of Hajin from ISIS, a spokesman said. "
              "Separately, clashes between the SDF and ISIS continued in Gharanij on Friday.")


@pytest.fixture
def tagged_report(db):
    from reports.services import report_tag

    report = ReportFactory(text=RETAG_TEXT, published=dt.date(2018, 12, 14), status="pending")
    assert report_tag(report_id=report.pk) == "tagged"
    return report


def retag(report) -> None:
    from reports.services import report_tag

    assert report_tag(report_id=report.pk, force=True) == "tagged"


def event_at(report, place_name: str) -> Event:
    return Event.objects.get(claims__report=report, place__name=place_name, merged_into__isnull=True)


def test_an_accepted_event_stays_accepted_after_a_retag(editor, tagged_report):
    event = event_at(tagged_report, "Hajin")
    review.event_accept(event=event, user=editor)
    retag(tagged_report)
    event.refresh_from_db()
    assert event.status == Event.Status.REVIEWED
    assert event.claims.filter(report=tagged_report).exists()


def test_a_corrected_event_keeps_the_correction_after_a_retag(editor, tagged_report):
    event = event_at(tagged_report, "Hajin")
    review.event_correct(event=event, user=editor, changes={
        "date_start": dt.date(2018, 12, 12), "date_end": dt.date(2018, 12, 13), "date_precision": "day"})
    retag(tagged_report)
    event.refresh_from_db()
    assert (event.date_start, event.date_end, event.status) == (dt.date(2018, 12, 12), dt.date(2018, 12, 13),
                                                                "reviewed")
    assert Event.objects.filter(place=event.place, type="capture", claims__report=tagged_report).get() == event


def test_a_rejected_event_is_not_revived_by_a_retag(editor, tagged_report):
    event = event_at(tagged_report, "Gharanij")
    review.event_reject(event=event, user=editor, reason="fighting was elsewhere")
    retag(tagged_report)
    event.refresh_from_db()
    assert event.status == Event.Status.REJECTED
    assert not Event.objects.filter(claims__report=tagged_report, place=event.place).exclude(pk=event.pk).exists()


def test_a_merge_survives_a_retag(editor, tagged_report):
    hajin = event_at(tagged_report, "Hajin")
    other = EventFactory(place=hajin.place, actor1=hajin.actor1, type="capture")
    ClaimFactory(event=other, place=hajin.place, actor1=hajin.actor1)
    review.event_merge(event=other, into=hajin, user=editor)
    retag(tagged_report)
    other.refresh_from_db()
    assert other.merged_into_id == hajin.pk
    assert not Claim.objects.filter(event=other).exists()
    assert Claim.objects.filter(event=hajin, report=tagged_report).exists()


def test_a_split_survives_a_retag(editor, tagged_report):
    hajin = event_at(tagged_report, "Hajin")
    second = ReportFactory(text=RETAG_TEXT, published=dt.date(2018, 12, 14), status="pending")
    from reports.services import report_tag

    report_tag(report_id=second.pk)
    hajin.refresh_from_db()
    assert hajin.claims.count() == 2
    claim = hajin.claims.get(report=second)
    new = review.claim_split(claim=claim, user=editor)
    retag(second)
    assert Claim.objects.get(report=second, place=hajin.place, type="capture").event_id == new.pk
    assert Claim.objects.get(report=tagged_report, place=hajin.place, type="capture").event_id == hajin.pk
