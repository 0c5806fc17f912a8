"""An editor in a real headless Chromium: logs in, accepts one event with the keyboard, corrects
the date of another, merges two, and sees the town page change. Screenshots go to
artifacts/screenshots/review/."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings

from conflict.models import Event
from conflict.tests.factories import ActorFactory, ClaimFactory, EventFactory, PlaceFactory, ReportFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots" / "review"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def reload_reference_after(django_db_blocker):
    """transactional_db empties every table when the test ends; put the reference data back for
    the tests that follow. Requested before live_server, so it runs after the flush."""
    yield
    from conflict.services.reference import reference_setup

    with django_db_blocker.unblock():
        reference_setup()
    try:
        from reports.lexicon import lexicon_reset
    except ImportError:
        return
    lexicon_reset()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def event_with_claim(place, actor1, actor2, type_: str, day: dt.date, sentence: str) -> Event:
    event = EventFactory(place=place, actor1=actor1, actor2=actor2, type=type_, date_start=day, date_end=day)
    text = "Earlier context about the front line. " * 4 + sentence + " Later context about the area. " * 4
    start = text.index(sentence)
    ClaimFactory(event=event, place=place, actor1=actor1, actor2=actor2, type=type_, date_start=day, date_end=day,
                 report=ReportFactory(text=text), span_start=start, span_end=start + len(sentence), quote=sentence)
    return event


def test_an_editor_reviews_events_and_the_town_page_follows(reload_reference_after, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    editor = UserFactory(groups=["editor"], username="browser_editor")
    town = PlaceFactory(name="Browsertown", slug="browsertown", kind="town")
    sdf, isis = ActorFactory(name="Browser SDF"), ActorFactory(name="Browser ISIS")
    accept_me = event_with_claim(town, sdf, isis, "capture", dt.date(2018, 12, 10),
                                 "The SDF captured Browsertown from ISIS on Monday.")
    redate_me = event_with_claim(town, sdf, isis, "clash", dt.date(2018, 12, 13),
                                 "Clashes between the SDF and ISIS went on in Browsertown.")
    keep = event_with_claim(town, isis, sdf, "attack", dt.date(2018, 12, 15),
                            "ISIS attacked SDF positions in Browsertown on Saturday.")
    dupe = event_with_claim(town, isis, sdf, "attack", dt.date(2018, 12, 15),
                            "An ISIS assault on the SDF in Browsertown was repelled.")

    page = browser.new_page(viewport={"width": 1360, "height": 900})
    town_url = f"{live_server.url}/places/browsertown/"
    page.goto(town_url)
    assert page.locator(f"#event-{dupe.pk}").count() == 1
    page.screenshot(path=str(SHOTS / "01_town_before.png"), full_page=True)

    # Log in; the login page sends the editor on to the queue.
    page.goto(f"{live_server.url}/review/")
    assert "/accounts/login/" in page.url
    page.screenshot(path=str(SHOTS / "00_login.png"))
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/review/")
    assert page.locator(".rv-item").count() == 4
    page.screenshot(path=str(SHOTS / "02_queue.png"), full_page=True)

    # Accept with the keyboard: j/k move between items, a accepts the current one in place.
    items = page.locator(".rv-item")
    ids = [int(items.nth(i).get_attribute("data-event")) for i in range(items.count())]
    for _ in range(ids.index(accept_me.pk)):
        page.keyboard.press("j")
    assert page.locator(f"#item-{accept_me.pk}").get_attribute("class").find("rv-current") >= 0
    page.keyboard.press("a")
    page.locator(f"#item-{accept_me.pk}").wait_for(state="detached")
    assert page.locator(".rv-item").count() == 3
    page.screenshot(path=str(SHOTS / "03_queue_after_accept.png"), full_page=True)

    # Correct the date of another event.
    page.goto(f"{live_server.url}/review/events/{redate_me.pk}/")
    page.fill("#id_date_start", "2018-12-11")
    page.fill("#id_date_end", "2018-12-12")
    page.select_option("#id_date_precision", "day")
    page.click("#correct-form button[type=submit]")
    page.wait_for_load_state()
    assert f"Event {redate_me.pk} corrected." in page.content()
    page.screenshot(path=str(SHOTS / "04_event_corrected.png"), full_page=True)

    # Merge two events: the candidate list offers the other attack at the same place and date.
    page.goto(f"{live_server.url}/review/events/{dupe.pk}/")
    page.click(f"button[data-merge-into='{keep.pk}']")
    page.wait_for_url(f"{live_server.url}/review/events/{keep.pk}/")
    assert f"Event {dupe.pk} merged into event {keep.pk}." in page.content()
    assert page.locator(".rv-claim-block").count() == 2
    page.screenshot(path=str(SHOTS / "05_event_merged.png"), full_page=True)

    # The town page shows what the editor did.
    page.goto(town_url)
    page.screenshot(path=str(SHOTS / "06_town_after.png"), full_page=True)
    assert "status-reviewed" in page.locator(f"#event-{accept_me.pk}").get_attribute("class")
    redated = page.locator(f"#event-{redate_me.pk}")
    assert "11-12 Dec 2018" in redated.inner_text()
    assert "status-reviewed" in redated.get_attribute("class")
    assert page.locator(f"#event-{dupe.pk}").count() == 0
    assert page.locator(f"#event-{keep.pk} .claim").count() == 2

    # And the database agrees.
    assert Event.objects.get(pk=accept_me.pk).status == "reviewed"
    assert Event.objects.get(pk=dupe.pk).merged_into_id == keep.pk
    page.close()


def test_two_editors_on_one_event_see_each_others_change(reload_reference_after, live_server, browser):
    from conflict.models import Place, TaggerProposal

    SHOTS.mkdir(parents=True, exist_ok=True)
    first, second = UserFactory(groups=["editor"]), UserFactory(groups=["editor"])
    town = PlaceFactory(name="Conflictville", slug="conflictville", kind="town")
    sdf, isis = ActorFactory(name="Browser SDF"), ActorFactory(name="Browser ISIS")
    event = event_with_claim(town, sdf, isis, "capture", dt.date(2018, 12, 10),
                             "The SDF captured Conflictville from ISIS on Monday.")
    proposed = Place.objects.create(name="Newtestabad", slug="newtestabad", status="proposed")
    TaggerProposal.objects.create(kind="place", name="Newtestabad", normalized="newtestabad", place=proposed,
                                  context="Fighting reached the village of Newtestabad on Tuesday.")

    pages = []
    for user in (first, second):
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/review/events/{event.pk}/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/review/events/{event.pk}/")
        assert page.input_value("#id_date_start") == "2018-12-10"  # the form starts from the event's date
        pages.append(page)
    a, b = pages
    a.select_option("#id_type", "withdrawal")
    a.click("#correct-form button[type=submit]")
    a.wait_for_load_state()
    b.fill("#id_date_start", "2018-12-09")
    b.fill("#id_date_end", "2018-12-09")
    b.click("#correct-form button[type=submit]")
    b.wait_for_load_state()
    b.screenshot(path=str(SHOTS / "07_edit_conflict.png"), full_page=True)
    conflict = b.locator("#conflict")
    assert "Someone else changed this event" in conflict.inner_text()
    assert first.username in conflict.inner_text() and "withdrawal" in conflict.inner_text()
    assert Event.objects.get(pk=event.pk).date_start == dt.date(2018, 12, 10)
    # Re-applying after seeing their change adds the second editor's date to the first editor's type.
    assert b.input_value("#id_date_start") == "2018-12-09"
    assert b.input_value("#id_type") == "withdrawal"
    b.click("#correct-form button[type=submit]")
    b.wait_for_load_state()
    saved = Event.objects.get(pk=event.pk)
    assert (saved.date_start, saved.type, saved.version) == (dt.date(2018, 12, 9), "withdrawal", 3)
    b.screenshot(path=str(SHOTS / "08_after_reapply.png"), full_page=True)

    b.goto(f"{live_server.url}/review/proposals/")
    assert "Newtestabad" in b.content()
    b.screenshot(path=str(SHOTS / "09_proposals.png"), full_page=True)
