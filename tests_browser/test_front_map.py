"""The front map in a real headless Chromium (Debian's, driven by playwright; no browser download):
Hajin changes colour across its capture in the demo data, "next change" steps without reloading
the page, and the slider is there. Screenshots go to artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import re

import pytest

from tests_browser.test_public_pages import SHOTS, browser, demo_data  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ISIS_BLACK = "#222222"
SDF_YELLOW = "#e6b800"


# Waits use selectors, not wait_for_function: the site's Content Security Policy forbids the eval it needs.
def hajin_dot(page):
    return page.locator('svg.front-svg a[href="/places/hajin/"]')


def hajin_fill(page) -> str:
    return hajin_dot(page).locator("circle").first.get_attribute("fill")


def test_a_reader_sees_hajin_change_hands_and_steps_through_the_changes(live_server, demo_data, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests_out: list[str] = []
    page.on("request", lambda r: requests_out.append(r.url))

    # Before the capture (13-15 December 2018): ISIS holds Hajin.
    page.goto(live_server.url + "/map/?at=2018-12-01")
    assert page.get_by_test_id("front-date").inner_text() == "1 December 2018"
    assert hajin_fill(page) == ISIS_BLACK
    assert hajin_dot(page).get_attribute("data-holder") == "ISIS"
    assert page.locator("input.fm-slider").is_visible()  # added by the script
    page.screenshot(path=str(SHOTS / "map_01_before_hajin_capture.png"), full_page=True)

    # After it: the SDF.
    page.goto(live_server.url + "/map/?at=2018-12-31")
    assert hajin_fill(page) == SDF_YELLOW
    page.screenshot(path=str(SHOTS / "map_02_after_hajin_capture.png"), full_page=True)

    # Back before it, then "next change" steps to the first day of the capture without a page load.
    page.goto(live_server.url + "/map/?at=2018-12-01")
    page.evaluate("window.__stillTheSamePage = true")
    page.get_by_role("link", name=re.compile("Next change")).click()
    page.wait_for_selector('.fm-frame[data-at="2018-12-13"]')
    assert page.evaluate("window.__stillTheSamePage") is True
    assert page.get_by_test_id("front-date").inner_text() == "13 December 2018"
    assert hajin_fill(page) == SDF_YELLOW
    # Which day of 13-15 December is not known: Hajin is drawn faded.
    assert hajin_dot(page).get_attribute("data-uncertain") == "true"
    assert page.locator("input[name=at]").input_value() == "2018-12-13"
    assert page.url.endswith("/map/?at=2018-12-13")
    page.screenshot(path=str(SHOTS / "map_03_next_change_hajin_uncertain.png"), full_page=True)

    page.get_by_role("link", name=re.compile("Next change")).click()
    page.wait_for_selector('.fm-frame[data-at="2019-01-04"]')
    assert hajin_dot(page).get_attribute("data-uncertain") is None
    page.get_by_role("link", name=re.compile("Previous change")).click()
    page.wait_for_selector('.fm-frame[data-at="2018-12-13"]')

    # The slider moves the map too.
    slider = page.locator("input.fm-slider")
    slider.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
                    str(_days("2018-11-01")))
    page.wait_for_selector('.fm-frame[data-at="2018-11-01"]')
    assert hajin_fill(page) == ISIS_BLACK

    # A comparison lists Hajin among the places that changed hands.
    page.goto(live_server.url + "/map/?at=2018-11-01&compare=2018-12-31")
    assert page.locator('tr.fm-change[data-slug="hajin"]').is_visible()
    page.screenshot(path=str(SHOTS / "map_04_compare.png"), full_page=True)

    # Play steps through the days of change on its own.
    page.goto(live_server.url + "/map/?at=2018-11-01")
    page.get_by_role("button", name="Play the changes").click()
    page.wait_for_selector('.fm-frame[data-at="2018-11-18"]', timeout=10_000)
    page.wait_for_selector('.fm-frame[data-at="2018-11-30"]', timeout=10_000)
    page.get_by_role("button", name="Pause").click()

    # Everything came from the app itself: no CDN, works offline.
    assert requests_out and all(u.startswith(live_server.url) for u in requests_out)


def _days(iso: str) -> int:
    import datetime as dt

    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


def test_the_map_works_without_javascript(live_server, demo_data, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/map/?at=2018-12-01")
    assert page.locator("input.fm-slider").count() == 0
    page.get_by_role("link", name=re.compile("Next change")).click()
    page.wait_for_url(re.compile(r"at=2018-12-13"))
    assert hajin_fill(page) == SDF_YELLOW
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(SHOTS / "map_05_phone_no_javascript.png"), full_page=True)
    context.close()
