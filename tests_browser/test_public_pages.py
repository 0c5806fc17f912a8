"""The public pages in a real headless Chromium (Debian's, driven by playwright; no browser download).

Screenshots go to artifacts/screenshots/ (gitignored) for CI to keep.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("TIDEMARK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture
def demo_data():
    """Reference data and the demo reports, committed so the live server sees them.

    The transactional test empties the tables afterwards; the reference data is loaded
    again then, for the tests that run after this one.
    """
    from conflict.services.reference import reference_setup

    reference_setup()
    call_command("ingest", str(settings.BASE_DIR / "data" / "demo_reports"), "--no-progress")


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_flush(django_db_blocker):
    """Each transactional test ends by emptying every table; put the reference data back
    for the tests that run after this module."""
    yield
    from conflict.services.reference import reference_setup

    with django_db_blocker.unblock():
        reference_setup()


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_a_reader_searches_a_misspelt_town_reads_its_timeline_and_follows_a_claim_to_its_report(
    live_server, demo_data, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests_out: list[str] = []
    page.on("request", lambda r: requests_out.append(r.url))

    page.goto(live_server.url + "/")
    page.get_by_label("Find a place or an actor, by any spelling").fill("Hajeen")
    page.screenshot(path=str(SHOTS / "01_home.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=Hajeen"))
    page.screenshot(path=str(SHOTS / "02_search_hajeen.png"))

    page.get_by_role("link", name="Hajin", exact=True).first.click()
    page.wait_for_url(re.compile(r"/places/hajin/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Hajin"
    band = page.get_by_test_id("control-band")
    assert band.is_visible()
    assert page.locator("g.band-seg").count() >= 2
    holders = set(page.locator("g.band-seg").evaluate_all("els => els.map(e => e.dataset.holder)"))
    assert {"ISIS", "SDF"} <= holders
    assert page.locator("article.event").count() >= 3
    page.screenshot(path=str(SHOTS / "03_town_hajin.png"), full_page=True)

    link = page.locator("a.claim-link").first
    href = link.get_attribute("href")
    claim_anchor = href.split("#", 1)[1]
    link.click()
    page.wait_for_url(re.compile(r"/reports/\d+/#claim-\d+$"))
    target = page.locator(f"#{claim_anchor}")
    assert target.evaluate("el => el.matches(':target')")
    # The claim's span is highlighted: its own <mark>, or (for a claim inside another) the mark it opens.
    highlighted = target.evaluate(
        "el => el.matches('mark.claim') ? el : (el.nextElementSibling && el.nextElementSibling.matches('mark.claim')"
        " ? el.nextElementSibling : null)"
    )
    assert highlighted
    assert page.locator(f"mark#{claim_anchor}, #{claim_anchor} + mark.claim").first.is_visible()
    assert page.locator("mark.claim span.tag").count() >= 1
    page.screenshot(path=str(SHOTS / "04_report_claim.png"), full_page=True)

    # Everything the pages asked for came from the app itself: no CDN, works offline.
    assert requests_out and all(u.startswith(live_server.url) for u in requests_out)


def test_the_town_page_fits_a_phone_prints_and_is_keyboard_navigable(live_server, demo_data, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/places/hajin/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    page.screenshot(path=str(SHOTS / "05_town_phone.png"), full_page=True)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    page.screenshot(path=str(SHOTS / "06_town_print.png"), full_page=True)


def test_an_unknown_town_shows_the_not_found_page(live_server, demo_data, browser):
    page = browser.new_page()
    response = page.goto(live_server.url + "/places/atlantis/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    page.screenshot(path=str(SHOTS / "07_not_found.png"))
