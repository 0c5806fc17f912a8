from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conflict.models import ChangeRecord, Event, Place, TaggerProposal
from conflict.selectors.review import QueueFilters, review_counts
from conflict.services import review
from conflict.tests.factories import (
    ActorFactory,
    ClaimFactory,
    EventFactory,
    PlaceFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = ("Background paragraph. " * 20
        + "On Thursday the SDF captured <b>Qasr Testiyeh</b> from ISIS, a spokesman said. "
        + "More text follows here. " * 20)


@pytest.fixture
def ed(client, editor):
    client.force_login(editor)
    return client


def queued_event(text: str = TEXT, **kwargs) -> Event:
    event = EventFactory(**kwargs)
    report = ReportFactory(text=text)
    start = text.index("On Thursday")
    ClaimFactory(event=event, report=report, place=event.place, actor1=event.actor1, type=event.type,
                 span_start=start, span_end=text.index(", a spokesman"), quote=text[start:text.index(", a spokesman")])
    return event


# --- the queue ----------------------------------------------------------------------------------

def test_the_queue_shows_each_claim_in_its_context_with_the_span_highlighted_and_escaped(ed):
    event = queued_event()
    html = ed.get(reverse("review:queue")).content.decode()
    assert f'id="item-{event.pk}"' in html
    assert "<mark>On Thursday the SDF captured &lt;b&gt;Qasr Testiyeh&lt;/b&gt; from ISIS</mark>" in html
    assert "<b>Qasr" not in html
    # About 200 characters each side, not the whole report.
    assert html.count("Background paragraph.") <= 10
    assert f'value="{event.pk}:{event.version}"' in html


def test_the_queue_lists_only_unreviewed_events_by_default(ed, editor):
    waiting = queued_event()
    done = queued_event()
    review.event_accept(event=done, user=editor)
    html = ed.get(reverse("review:queue")).content.decode()
    assert f'id="item-{waiting.pk}"' in html
    assert f'id="item-{done.pk}"' not in html


def test_the_queue_filters_by_type_and_shows_counts_beside_the_options(ed):
    clash = queued_event(type="clash")
    capture = queued_event(type="capture")
    html = ed.get(reverse("review:queue"), {"type": "clash", "status": "auto"}).content.decode()
    assert f'id="item-{clash.pk}"' in html
    assert f'id="item-{capture.pk}"' not in html
    counts = review_counts(filters=QueueFilters(type="clash"))
    assert f'value="capture">capture ({counts.by_type["capture"]})' in html
    assert counts.by_type["clash"] >= 1 and counts.total == counts.by_type["clash"]


def test_the_queue_filters_by_a_place_typed_with_a_typo(ed):
    place = PlaceFactory(name="Qasr Testiyeh")
    here, elsewhere = queued_event(place=place), queued_event()
    html = ed.get(reverse("review:queue"), {"place": "Qasr Testiye"}).content.decode()
    assert f'id="item-{here.pk}"' in html
    assert f'id="item-{elsewhere.pk}"' not in html


def test_an_unknown_place_in_the_filter_is_reported_and_the_other_filters_still_apply(ed):
    clash, capture = queued_event(type="clash"), queued_event(type="capture")
    html = ed.get(reverse("review:queue"), {"place": "Xqzwvvy", "type": "clash", "status": "auto"}).content.decode()
    assert "No place is called anything like" in html
    assert f'id="item-{clash.pk}"' in html and f'id="item-{capture.pk}"' not in html


def test_the_queue_filters_by_source_and_actor(ed):
    a = queued_event()
    b = queued_event()
    source = a.claims.get().report.source
    html = ed.get(reverse("review:queue"), {"source": source.pk}).content.decode()
    assert f'id="item-{a.pk}"' in html and f'id="item-{b.pk}"' not in html
    html = ed.get(reverse("review:queue"), {"actor": f"{b.actor1.name} #{b.actor1.pk}"}).content.decode()
    assert f'id="item-{b.pk}"' in html and f'id="item-{a.pk}"' not in html


def test_the_queue_shows_the_newest_report_first(ed):
    older = queued_event()
    newer = queued_event()
    html = ed.get(reverse("review:queue")).content.decode()
    assert html.index(f'id="item-{newer.pk}"') < html.index(f'id="item-{older.pk}"')


def test_the_filter_counts_take_one_query(django_assert_num_queries):
    queued_event(type="clash")
    with django_assert_num_queries(1):
        counts = review_counts(filters=QueueFilters(type="clash", confidence="mid",
                                                    date_from=dt.date(2018, 1, 1)))
    assert counts.by_status["auto"] >= 1


# --- actions ------------------------------------------------------------------------------------

def test_accept_from_the_queue_redirects_back(ed):
    event = queued_event()
    queue = reverse("review:queue") + "?type=capture"
    response = ed.post(reverse("review:accept", args=[event.pk]), {"version": 1, "next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    assert Event.objects.get(pk=event.pk).status == "reviewed"


def test_accept_sent_by_the_script_answers_json(ed):
    event = queued_event()
    response = ed.post(reverse("review:accept", args=[event.pk]), {"version": 1}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.json()["ok"] is True
    assert response.json()["version"] == 2


def test_accept_of_a_changed_event_answers_409_with_the_conflict(ed):
    event = queued_event()
    review.event_correct(event=event, user=UserFactory(groups=["editor"]), changes={"type": "clash"})
    response = ed.post(reverse("review:accept", args=[event.pk]), {"version": 1}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 409 and response.json()["conflict"] is True
    assert Event.objects.get(pk=event.pk).status == "reviewed"  # the other editor's correction, not an accept


def test_a_stale_correction_shows_the_other_editors_change_and_keeps_mine(ed):
    event = queued_event()
    other = UserFactory(groups=["editor"], username="other_editor")
    review.event_correct(event=event, user=other, changes={"type": "siege"})
    response = ed.post(reverse("review:correct", args=[event.pk]), {
        "version": 1, "type": "withdrawal", "place": f"{event.place.name}", "actor1": "", "actor2": "",
        "date_start": "2018-12-10", "date_end": "2018-12-11", "date_precision": "day"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this event" in html
    assert "other_editor" in html and "siege" in html
    assert 'value="2018-12-10"' in html  # my input, kept for re-applying
    assert 'name="version" value="2"' in html
    assert Event.objects.get(pk=event.pk).type == "siege"


def test_after_a_conflict_the_fields_i_left_alone_take_the_other_editors_values(ed):
    event = queued_event()
    review.event_correct(event=event, user=UserFactory(groups=["editor"]), changes={"type": "siege"})
    response = ed.post(reverse("review:correct", args=[event.pk]), {
        "version": 1, "type": "capture", "place": event.place.name, "actor1": "", "actor2": "",
        "date_start": "2018-12-10", "date_end": "2018-12-10", "date_precision": "day"})
    html = response.content.decode()
    assert response.status_code == 409
    assert '<option value="siege" selected>' in html
    assert "with their type where you had left the old value" in html


def test_correct_resolves_a_misspelt_place_and_actor(ed):
    event = queued_event()
    place = PlaceFactory(name="Qasr Testiyeh")
    actor = ActorFactory(name="Testforce Brigade")
    response = ed.post(reverse("review:correct", args=[event.pk]), {
        "version": 1, "type": "capture", "place": "qasr testiye", "actor1": "Testforce Brigad", "actor2": "",
        "date_start": "2018-12-10", "date_end": "", "date_precision": "day"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.place_id, event.actor1_id, event.status) == (place.pk, actor.pk, "reviewed")
    assert event.date_end == dt.date(2018, 12, 10)


def test_correct_says_clearly_when_a_place_name_is_ambiguous(ed):
    event = queued_event()
    PlaceFactory(name="Twin Testville North", spellings=["Twintest"])
    PlaceFactory(name="Twin Testville South", spellings=["Twintest"])
    response = ed.post(reverse("review:correct", args=[event.pk]), {
        "version": 1, "type": "capture", "place": "Twintest", "actor1": "", "actor2": "",
        "date_start": "", "date_end": "", "date_precision": "unknown"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "names 2 places; pick one" in html
    assert "Twin Testville North" in html and "Twin Testville South" in html
    assert Event.objects.get(pk=event.pk).version == 1


def test_correct_says_clearly_when_a_place_is_unknown(ed):
    event = queued_event()
    response = ed.post(reverse("review:correct", args=[event.pk]), {
        "version": 1, "type": "capture", "place": "Xqzwvvy", "actor1": "", "actor2": "",
        "date_start": "", "date_end": "", "date_precision": "unknown"})
    assert response.status_code == 400
    assert "No place is called anything like" in response.content.decode()


def test_reject_without_a_reason_is_refused(ed):
    event = queued_event()
    response = ed.post(reverse("review:reject", args=[event.pk]), {"version": 1, "reason": ""})
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).status == "auto"


def test_merge_split_and_undo_through_the_pages(ed):
    target, other = queued_event(), None
    other = queued_event(place=target.place, actor1=target.actor1)
    page = ed.get(reverse("review:event", args=[other.pk])).content.decode()
    assert f'data-merge-into="{target.pk}"' in page  # proposed as a merge candidate
    response = ed.post(reverse("review:merge", args=[other.pk]), {"version": 1, "into": target.pk})
    assert response.status_code == 302 and response["Location"] == reverse("review:event", args=[target.pk])
    assert Event.objects.get(pk=other.pk).merged_into_id == target.pk
    page = ed.get(reverse("review:event", args=[other.pk])).content.decode()
    assert f"Merged into <a href=\"{reverse('review:event', args=[target.pk])}\">event {target.pk}</a>" in page

    target.refresh_from_db()
    claim = target.claims.order_by("pk").last()
    ed.post(reverse("review:split", args=[claim.pk]), {"version": target.version})
    claim.refresh_from_db()
    assert claim.event_id not in (target.pk, other.pk)

    record = ChangeRecord.objects.get(object_type="event", object_id=other.pk, action="merge")
    response = ed.post(reverse("review:undo", args=[record.pk]), {}, follow=True)
    assert "undone" in response.content.decode()
    assert Event.objects.get(pk=other.pk).merged_into_id is None


def test_an_undo_that_would_lose_a_later_change_is_refused_with_a_message(ed, editor):
    event = queued_event()
    review.event_correct(event=event, user=editor, changes={"type": "clash"})
    first = ChangeRecord.objects.filter(object_type="event", object_id=event.pk).latest("id")
    review.event_correct(event=event, user=editor, changes={"type": "attack"})
    response = ed.post(reverse("review:undo", args=[first.pk]), {}, follow=True)
    assert "undo those first" in response.content.decode()
    assert Event.objects.get(pk=event.pk).type == "attack"


def test_bulk_accept_of_the_selected_items(ed):
    a, b, c = queued_event(), queued_event(), queued_event()
    response = ed.post(reverse("review:bulk"), {"action": "accept", "selected": [f"{a.pk}:1", f"{b.pk}:1"]},
                       follow=True)
    assert "2 event(s) accepted" in response.content.decode()
    statuses = dict(Event.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "status"))
    assert statuses == {a.pk: "reviewed", b.pk: "reviewed", c.pk: "auto"}


def test_bulk_reject_without_a_reason_changes_nothing(ed):
    a = queued_event()
    response = ed.post(reverse("review:bulk"), {"action": "reject", "selected": [f"{a.pk}:1"]}, follow=True)
    assert "Say why" in response.content.decode()
    assert Event.objects.get(pk=a.pk).status == "auto"


def test_mark_a_report_as_a_duplicate(ed):
    event = queued_event()
    report = event.claims.get().report
    original = ReportFactory()
    ed.post(reverse("review:duplicate", args=[report.pk]), {"duplicate_of": original.pk})
    report.refresh_from_db()
    assert report.duplicate_of_id == original.pk
    assert Event.objects.get(pk=event.pk).status == "rejected"


def test_the_event_page_shows_the_history_with_undo_buttons(ed, editor):
    event = queued_event()
    review.event_accept(event=event, user=editor)
    html = ed.get(reverse("review:event", args=[event.pk])).content.decode()
    record = ChangeRecord.objects.get(object_type="event", object_id=event.pk, action="accept")
    assert f'action="/review/changes/{record.pk}/undo/"' in html
    assert editor.username in html


# --- lookups and proposals ----------------------------------------------------------------------

def test_place_lookup_finds_places_by_any_spelling(ed):
    place = PlaceFactory(name="Qasr Testiyeh", spellings=["Kasr Testiye"])
    data = ed.get(reverse("review:lookup_places"), {"q": "kasr testiy"}).json()
    assert data["results"][0]["id"] == place.pk
    assert data["results"][0]["value"].endswith(f"#{place.pk}")


def test_actor_lookup_finds_actors_by_alias(ed):
    actor = ActorFactory(name="Testforce Brigade", aliases=["TFB Testers"])
    data = ed.get(reverse("review:lookup_actors"), {"q": "tfb testers"}).json()
    assert data["results"][0]["id"] == actor.pk


def test_proposals_page_lists_open_proposals_and_creates_a_place(ed):
    place = Place.objects.create(name="Newtestabad", slug="newtestabad", status="proposed")
    proposal = TaggerProposal.objects.create(kind="place", name="Newtestabad", normalized="newtestabad", place=place)
    assert "Newtestabad" in ed.get(reverse("review:proposals")).content.decode()
    response = ed.post(reverse("review:proposal_create_place", args=[proposal.pk]),
                       {"lat": "35.1", "lon": "40.2", "kind": "village", "admin1": "Deir ez-Zor", "name": ""})
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.status, place.lat) == ("confirmed", 35.1)


def test_an_actor_alias_proposal_is_resolved_by_a_typed_actor_name(ed):
    actor = ActorFactory(name="Testforce Brigade")
    proposal = TaggerProposal.objects.create(kind="actor_alias", name="Testforce", normalized="testforce")
    ed.post(reverse("review:proposal_actor_alias", args=[proposal.pk]), {"actor": "testforce brigade"})
    assert actor.names.filter(name="Testforce").exists()


def test_the_queue_page_takes_the_same_number_of_queries_for_more_items(ed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        queued_event()
    with CaptureQueriesContext(connection) as few:
        ed.get(reverse("review:queue"))
    for _ in range(12):
        queued_event()
    with CaptureQueriesContext(connection) as many:
        response = ed.get(reverse("review:queue"))
    assert response.content.decode().count('class="rv-item ') >= 15
    assert len(many) == len(few)


@pytest.mark.parametrize("rank_all_below", [0, 20_000], ids=["walking the claims", "ranking every event"])
def test_both_ways_of_ordering_the_queue_agree(monkeypatch, rank_all_below):
    from conflict.selectors import review as selectors

    monkeypatch.setattr(selectors, "RANK_ALL_BELOW", rank_all_below)
    place = PlaceFactory()
    old, mid, new = (queued_event(place=place) for _ in range(3))
    ClaimFactory(event=old, place=place, report=ReportFactory())  # a newer report about the oldest event
    bare = EventFactory(place=place)  # no claims left: last
    page = selectors.review_queue(filters=QueueFilters(place=place), per_page=10).page
    assert [e.pk for e in page.object_list] == [old.pk, new.pk, mid.pk, bare.pk]
    oldest = selectors.review_queue(filters=QueueFilters(place=place, sort="oldest"), per_page=2).page
    assert [e.pk for e in oldest.object_list] == [old.pk, mid.pk]
    assert oldest.paginator.count == 4
