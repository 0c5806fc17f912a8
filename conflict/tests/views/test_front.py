"""The front map page (/map/), the frame its script swaps in, and its downloads."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(settings.BASE_DIR / "data" / "demo_reports"), "--no-progress")


def hajin(body: str) -> str:
    """The SVG markup of Hajin's dot on the map."""
    return re.search(r'<a href="/places/hajin/"[^>]*>.*?</a>', body, re.S).group(0)


def test_it_draws_hajin_in_the_colour_of_isis_before_its_capture_and_of_the_sdf_after(client, demo):
    before = client.get("/map/?at=2018-12-01").content.decode()
    after = client.get("/map/?at=2018-12-31").content.decode()

    assert 'data-holder="ISIS"' in hajin(before) and 'fill="#222222"' in hajin(before)
    assert 'data-holder="SDF"' in hajin(after) and 'fill="#e6b800"' in hajin(after)
    assert "data-uncertain" not in hajin(after)


def test_it_fades_hajin_while_the_reports_leave_the_day_of_its_capture_open(client, demo):
    body = client.get("/map/?at=2018-12-14").content.decode()
    assert 'data-uncertain="true"' in hajin(body) and 'opacity="0.4"' in hajin(body)
    assert "holder uncertain" in hajin(body)


def test_the_page_offers_the_date_filters_steps_and_downloads_and_needs_no_inline_script_or_style(client, demo):
    response = client.get("/map/?at=2018-12-01")
    body = response.content.decode()

    assert response.status_code == 200
    assert 'name="at" value="2018-12-01"' in body
    assert 'rel="prev" data-at="2018-11-30"' in body and 'rel="next" data-at="2018-12-13"' in body
    for name in ("compare", "admin1", "holder", "kind"):
        assert f'name="{name}"' in body
    assert '<option value="sdf">SDF</option>' in body and '<option value="Deir ez-Zor">' in body
    assert 'href="/map/front.svg?at=2018-12-01"' in body and 'href="/map/front.geojson?at=2018-12-01"' in body
    assert '<a href="/map/">Map</a>' in body
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts and all("src=" in s and "defer" in s for s in scripts)
    assert not re.search(r"\son[a-z]+=", body)
    assert 'style="' not in body
    assert not [u for u in re.findall(r'(?:src|href)="([^"]+)"', body) if u.startswith(("http:", "https:", "//"))]


def test_it_lists_and_outlines_the_places_that_changed_hands_between_two_dates(client, demo):
    body = client.get("/map/?at=2018-11-01&compare=2018-12-31").content.decode()

    section = body.split('id="fm-changes-h"', 1)[1]
    assert "Changed hands between 1 Nov 2018 and 31 Dec 2018" in section
    row = re.search(r'<tr class="fm-change" data-slug="hajin">.*?</tr>', section, re.S).group(0)
    assert "ISIS" in row and "SDF" in row and 'href="/events/' in row
    assert "fm-changed" in hajin(body)


def test_the_frame_is_the_part_of_the_page_that_moves_with_the_date(client, demo):
    response = client.get("/map/frame/?at=2018-12-13")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div class="fm-frame" data-at="2018-12-13"')
    assert 'data-next="2019-01-04"' in body
    assert "<html" not in body and "<form" not in body


def test_the_downloads_are_the_view_as_a_standalone_svg_and_as_geojson(client, demo):
    svg = client.get("/map/front.svg?at=2018-12-31&kind=town")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg["Content-Disposition"] == 'attachment; filename="tidemark-front-2018-12-31.svg"'
    text = svg.content.decode()
    assert 'xmlns="http://www.w3.org/2000/svg"' in text and "GeoNames" in text
    assert "Who held what on 31 December 2018" in text

    geo = client.get("/map/front.geojson?at=2018-12-31&kind=town")
    assert geo["Content-Type"] == "application/geo+json"
    data = json.loads(geo.content)
    assert data["type"] == "FeatureCollection" and data["at"] == "2018-12-31"
    assert {f["properties"]["place"]["kind"] for f in data["features"]} == {"town"}
    assert {f["properties"]["holder"]["name"] for f in data["features"] if f["id"]
            and f["properties"]["place"]["slug"] == "hajin"} == {"SDF"}


def test_it_defaults_to_today_and_names_a_bad_date(client, demo):
    today = client.get("/map/")
    assert today.status_code == 200
    assert f'name="at" value="{dt.date.today().isoformat()}"' in today.content.decode()

    bad = client.get("/map/?at=31/12/2018")
    assert bad.status_code == 400
    assert "must be a date, YYYY-MM-DD" in bad.content.decode()
    assert client.get("/map/front.svg?at=nope").status_code == 400


def test_it_says_so_when_no_place_has_data_on_the_date(client):
    body = client.get("/map/?at=2018-12-01").content.decode()
    assert "No place has a control period covering 1 December 2018." in body
