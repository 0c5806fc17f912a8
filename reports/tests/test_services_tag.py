import datetime as dt

import pytest

from conflict.dates import DateInterval
from conflict.models import ChangeRecord, Claim, Event, Place, TaggerProposal
from conflict.services.events import event_apply_change
from conflict.services.reference import reference_version_bump
from conflict.tests.factories import ClaimFactory
from reports.models import Report
from reports.services import (
    NO_CLAIMS_REASON,
    report_ingest,
    report_retag,
    report_retry,
    report_tag,
    reports_to_retag,
)
from reports.tagging.types import ClaimDraft, TagResult

TWO_EVENTS = (
    "SDF take Hajin\n\n"
    "The Syrian Democratic Forces captured Hajin from ISIS on Thursday, 13 December 2018, an SDF spokesman said. "
    "Separately, ISIS fighters attacked SDF positions in Baghuz Fawqani on 10 November 2018, the monitor said.\n"
)


def _ingest(text: str, origin: str = "file:t.txt", **kw) -> Report:
    result = report_ingest(text=text, origin=origin, queue_tagging=False, **kw)
    assert result.outcome == "created", result.message
    return result.report


def _event_of(report: Report, type: str, place: str) -> Event:
    claim = Claim.objects.get(report=report, type=type, place__name=place, created_by__isnull=True)
    return claim.event


@pytest.mark.django_db
def test_tagging_stores_claims_events_spans_language_and_version(tagger):
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    assert report_tag(report_id=report.pk) == "tagged"
    report.refresh_from_db()
    assert report.status == "tagged"
    assert report.language == "en"
    assert report.tagger_version == tagger.TAGGER_VERSION
    assert report.tagged_at is not None
    assert report.attempts == 1
    assert any(s["kind"] == "place" and s["text"] == "Hajin" for s in report.spans)
    capture = Claim.objects.get(report=report, type="capture", place__name="Hajin")
    assert capture.tagger_version == tagger.TAGGER_VERSION
    assert capture.date == DateInterval.day(dt.date(2018, 12, 13))
    assert report.text[capture.span_start:capture.span_end] == capture.quote
    assert capture.event.type == "capture" and capture.event.place.name == "Hajin"
    assert capture.event.actor1.name == "SDF"


@pytest.mark.django_db
def test_tagging_twice_is_a_no_op(tagger):
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    report_tag(report_id=report.pk)
    claims = set(Claim.objects.filter(report=report).values_list("id", flat=True))
    events = Event.objects.count()
    assert report_tag(report_id=report.pk) == "skipped"
    assert set(Claim.objects.filter(report=report).values_list("id", flat=True)) == claims
    assert Event.objects.count() == events
    report.refresh_from_db()
    assert report.attempts == 1


@pytest.mark.django_db
def test_claims_about_the_same_happening_in_two_reports_make_one_event(tagger):
    one = _ingest("The SDF captured Hajin from ISIS on Thursday, 13 December 2018.\n", origin="file:1.txt")
    two = _ingest("Hajin was captured by the Syrian Democratic Forces from ISIS on 13 December 2018, "
                  "monitors said.\n", origin="file:2.txt")
    report_tag(report_id=one.pk)
    report_tag(report_id=two.pk)
    assert _event_of(one, "capture", "Hajin").pk == _event_of(two, "capture", "Hajin").pk


@pytest.mark.django_db
def test_a_publication_date_found_in_the_text_is_stored_as_inferred(tagger):
    report = _ingest("DEIR EZ-ZOR (November 25, 2018) - ISIS fighters attacked the town of Bahrah on Saturday.\n")
    report_tag(report_id=report.pk)
    report.refresh_from_db()
    assert report.published == dt.date(2018, 11, 25)
    assert report.published_inferred is True


@pytest.mark.django_db
def test_a_given_publication_date_is_not_marked_inferred(tagger):
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    report_tag(report_id=report.pk)
    report.refresh_from_db()
    assert (report.published, report.published_inferred) == (dt.date(2018, 12, 14), False)


@pytest.mark.django_db
def test_a_report_in_a_language_the_tagger_does_not_handle_is_stored_not_tagged(tagger):
    text = ("Les Forces démocratiques syriennes ont pris la ville de Hajin à l'État islamique jeudi, a déclaré un "
            "porte-parole. Les combats se poursuivent dans les villages voisins et des milliers de civils ont fui "
            "vers le nord, selon les informations de l'Observatoire syrien des droits de l'homme.\n")
    report = _ingest(text)
    assert report_tag(report_id=report.pk) == "not_tagged"
    report.refresh_from_db()
    assert report.status == "not_tagged"
    assert report.language == "fr"
    assert "not tagged" in report.error and "'fr'" in report.error
    assert not Claim.objects.filter(report=report).exists()
    assert report.text == text


@pytest.mark.django_db
def test_look_alike_letters_and_odd_spaces_are_tagged_and_the_text_kept(tagger):
    # A Greek omicron in "Deir ez-Zor", a Cyrillic i in "Hajin", no-break and thin spaces.
    text = ("The Syrian\u00a0Democratic Forces captured Haj\u0456n\u2009from ISIS on Thursday, 13 December 2018, "
            "in Deir ez-Z\u03bfr province.\n")
    report = _ingest(text)
    report_tag(report_id=report.pk)
    report.refresh_from_db()
    assert report.text == text
    claim = Claim.objects.get(report=report, type="capture")
    assert claim.place.name == "Hajin"
    assert report.text[claim.span_start:claim.span_end] == claim.quote


@pytest.mark.django_db
def test_a_tagger_crash_fails_the_report_with_its_error_and_a_retry_tags_it(tagger, monkeypatch):
    report = _ingest(TWO_EVENTS, published="2018-12-14")

    def broken(*args, **kwargs):
        raise RuntimeError("rule table corrupt")

    monkeypatch.setattr("reports.tagging.tag", broken)
    assert report_tag(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == "tagging failed: RuntimeError: rule table corrupt"
    assert not Claim.objects.filter(report=report).exists()
    monkeypatch.undo()
    assert report_retry(report_id=report.pk, in_process=True) == "tagged"
    report.refresh_from_db()
    assert (report.status, report.error, report.attempts) == ("tagged", "", 2)
    assert Claim.objects.filter(report=report).exists()


@pytest.mark.django_db
def test_a_failed_url_is_fetched_again_on_retry(tagger, site):
    from reports.tests.test_fetch_urls import ARTICLE_HTML

    url = site.add("/later", "busy", status=503)
    failed = report_ingest(url=url, queue_tagging=False)
    assert failed.outcome == "failed" and "HTTP 503" in failed.report.error
    site.add("/later", ARTICLE_HTML)
    assert report_retry(report_id=failed.report.pk, in_process=True) == "tagged"
    report = Report.objects.get(origin=url)
    assert report.pk == failed.report.pk
    assert report.status == "tagged" and "Hajin" in report.text
    assert Claim.objects.filter(report=report, place__name="Hajin").exists()


@pytest.mark.django_db
def test_retag_keeps_an_accepted_and_a_rejected_event_and_an_editors_claim(tagger, editor):
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    report_tag(report_id=report.pk)
    accepted = _event_of(report, "capture", "Hajin")
    rejected = _event_of(report, "attack", "Baghuz Fawqani")
    event_apply_change(event=accepted, changes={"status": Event.Status.REVIEWED}, action=ChangeRecord.Action.ACCEPT,
                       user=editor)
    event_apply_change(event=rejected, changes={"status": Event.Status.REJECTED, "reject_reason": "a raid, not news"},
                       action=ChangeRecord.Action.REJECT, user=editor)
    own = ClaimFactory(report=report, event=accepted, place=accepted.place, actor1=accepted.actor1,
                       tagger_version="", created_by=editor, quote="editor's claim")
    old_ids = set(Claim.objects.filter(report=report).exclude(pk=own.pk).values_list("id", flat=True))
    events_before = Event.objects.count()

    assert report_retag(report_id=report.pk) == "tagged"

    new_claims = Claim.objects.filter(report=report).exclude(pk=own.pk)
    assert not old_ids & set(new_claims.values_list("id", flat=True))  # machine claims were replaced
    assert _event_of(report, "capture", "Hajin").pk == accepted.pk
    assert _event_of(report, "attack", "Baghuz Fawqani").pk == rejected.pk
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.reviewed_by_id) == ("reviewed", editor.pk)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "a raid, not news")
    assert Claim.objects.filter(pk=own.pk, event=accepted).exists()
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_an_auto_event_left_without_claims_by_a_retag_is_retired(tagger, monkeypatch):
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    report_tag(report_id=report.pk)
    event = _event_of(report, "capture", "Hajin")
    monkeypatch.setattr("reports.tagging.tag", lambda text, **kw: TagResult(
        "en", True, kw["published"], False, [], [], [], [], "rules-test"))
    report_retag(report_id=report.pk)
    event.refresh_from_db()
    assert event.status == "rejected"
    assert event.reject_reason == NO_CLAIMS_REASON
    assert ChangeRecord.objects.filter(object_type="event", object_id=event.pk, action="reject").exists()
    monkeypatch.undo()
    report_retag(report_id=report.pk)
    # The retired event takes no new claims: a fresh event carries them.
    assert _event_of(report, "capture", "Hajin").pk != event.pk
    assert _event_of(report, "capture", "Hajin").status == "auto"


@pytest.mark.django_db
def test_stale_reports_are_those_of_another_tagger_version_or_older_reference_data(tagger):
    fresh = _ingest(TWO_EVENTS, published="2018-12-14")
    old = _ingest(TWO_EVENTS + "More.", origin="file:old.txt", published="2018-12-14")
    report_tag(report_id=fresh.pk)
    report_tag(report_id=old.pk)
    Report.objects.filter(pk=old.pk).update(tagger_version="rules-0.9")
    assert reports_to_retag(stale=True) == [old.pk]
    reference_version_bump(name="gazetteer")
    assert reports_to_retag(stale=True) == [fresh.pk, old.pk]


@pytest.mark.django_db
def test_a_place_the_gazetteer_lacks_becomes_a_proposed_place_with_a_proposal(tagger, monkeypatch):
    text = "The SDF captured the village of Kharab Zuwayn from ISIS on 3 December 2018.\n"
    report = _ingest(text, published="2018-12-14")
    draft = ClaimDraft(type="capture", span=(0, len(text) - 1), quote=text[:-1], proposed_place="Kharab Zuwayn",
                       proposed_place_kind="village", date=DateInterval.day(dt.date(2018, 12, 3)))
    monkeypatch.setattr("reports.tagging.tag", lambda t, **kw: TagResult(
        "en", True, kw["published"], False, [draft], [], [], [], "rules-test"))
    report_tag(report_id=report.pk)
    place = Place.objects.get(name="Kharab Zuwayn")
    assert place.status == "proposed" and place.slug == "kharab-zuwayn"
    assert place.names.filter(name="Kharab Zuwayn").exists()
    proposal = TaggerProposal.objects.get(kind="place", normalized="kharab zuwayn")
    assert proposal.place == place and list(proposal.reports.all()) == [report]
    claim = Claim.objects.get(report=report)
    assert claim.place == place and claim.event.place == place
    # A second report naming it links to the same proposed place.
    other = _ingest(text + "Again.", origin="file:2.txt", published="2018-12-14")
    report_tag(report_id=other.pk)
    assert Place.objects.filter(name="Kharab Zuwayn").count() == 1
    assert proposal.reports.count() == 2


@pytest.mark.django_db(transaction=True)  # commits for real: the on-commit hooks run
def test_a_failure_after_the_tagging_is_committed_leaves_the_report_tagged(monkeypatch):
    from conflict import tasks as conflict_tasks

    def broken(place_id):
        raise RuntimeError("recompute broke")

    monkeypatch.setattr(conflict_tasks.control_recompute_task, "delay", broken)
    report = _ingest(TWO_EVENTS, published="2018-12-14")
    assert report_tag(report_id=report.pk) == Report.Status.TAGGED
    report.refresh_from_db()
    assert report.status == Report.Status.TAGGED
    assert report.error == ""
    assert report.attempts == 1
    assert Claim.objects.filter(report=report).exists()


@pytest.mark.django_db(transaction=True)  # two connections, each committing for real
def test_a_report_being_tagged_elsewhere_is_skipped_once_that_tagging_commits(tagger):
    import threading

    import psycopg
    from django.db import connection

    report = _ingest(TWO_EVENTS, published="2018-12-14")
    # Another worker has claimed the report: its transaction holds the row lock.
    other = psycopg.connect(**connection.get_connection_params())
    other.execute("SELECT id FROM reports_report WHERE id = %s FOR NO KEY UPDATE", [report.pk])
    outcome: list[str] = []

    def second_delivery() -> None:
        try:
            outcome.append(report_tag(report_id=report.pk))
        finally:
            connection.close()

    waiting = threading.Thread(target=second_delivery)
    waiting.start()
    waiting.join(timeout=1.5)
    assert waiting.is_alive(), "the second delivery waits for the first tagging's lock"
    other.execute("UPDATE reports_report SET status = 'tagged' WHERE id = %s", [report.pk])
    other.commit()
    other.close()
    waiting.join(timeout=30)
    assert outcome == ["skipped"]
    assert not Claim.objects.filter(report=report).exists(), "the second delivery wrote nothing"


@pytest.mark.django_db
def test_a_proposed_place_whose_proposal_is_gone_gets_a_new_one_from_the_next_report(tagger, monkeypatch):
    text = "The SDF captured the village of Kharab Zuwayn from ISIS on 3 December 2018.\n"
    draft = ClaimDraft(type="capture", span=(0, len(text) - 1), quote=text[:-1], proposed_place="Kharab Zuwayn",
                       proposed_place_kind="village", date=DateInterval.day(dt.date(2018, 12, 3)))
    monkeypatch.setattr("reports.tagging.tag", lambda t, **kw: TagResult(
        "en", True, kw["published"], False, [draft], [], [], [], "rules-test"))
    first = _ingest(text, published="2018-12-14")
    report_tag(report_id=first.pk)
    place = Place.objects.get(name="Kharab Zuwayn")
    TaggerProposal.objects.filter(place=place).delete()
    second = _ingest(text + "Again.", origin="file:2.txt", published="2018-12-14")
    report_tag(report_id=second.pk)
    proposal = TaggerProposal.objects.get(kind="place", normalized="kharab zuwayn")
    assert proposal.place == place and list(proposal.reports.all()) == [second]
    assert Claim.objects.get(report=second).place == place


@pytest.mark.django_db
def test_a_confirmed_place_named_by_a_proposal_is_linked_without_a_proposal(tagger, monkeypatch):
    text = "The SDF captured the village of Kharab Zuwayn from ISIS on 3 December 2018.\n"
    draft = ClaimDraft(type="capture", span=(0, len(text) - 1), quote=text[:-1], proposed_place="Kharab Zuwayn",
                       proposed_place_kind="village", date=DateInterval.day(dt.date(2018, 12, 3)))
    monkeypatch.setattr("reports.tagging.tag", lambda t, **kw: TagResult(
        "en", True, kw["published"], False, [draft], [], [], [], "rules-test"))
    first = _ingest(text, published="2018-12-14")
    report_tag(report_id=first.pk)
    place = Place.objects.get(name="Kharab Zuwayn")
    Place.objects.filter(pk=place.pk).update(status=Place.Status.CONFIRMED)
    second = _ingest(text + "Again.", origin="file:2.txt", published="2018-12-14")
    report_tag(report_id=second.pk)
    assert Claim.objects.get(report=second).place == place
    assert list(TaggerProposal.objects.get(place=place).reports.all()) == [first], "a confirmed place needs no proposal"
