import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from conflict.models import Claim, Event
from conflict.selectors.feed import event_feed_record, events_for_feed
from conflict.selectors.feed_formats import CSV_COLUMNS
from reports.models import Report
from reports.tests.test_fetch_urls import ARTICLE_HTML, RSS

DEMO = Path(settings.BASE_DIR) / "data" / "demo_reports"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=io.StringIO()) if args[0] in {"ingest", "retag"} \
        else call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_ingest_a_folder_tags_every_report_skips_the_readme_and_says_so(tagger):
    out = run("ingest", str(DEMO))
    assert "Ingested 10, duplicates 0, failed 0, skipped 1" in out
    assert "tagging: tagged 10" in out
    assert "skipped (not .txt/.html/.json/.jsonl)" in out and "README.md" in out
    assert Report.objects.filter(status="tagged").count() == 10
    assert not Report.objects.filter(file_name="README.md").exists()
    first = Report.objects.get(file_name="01_sdf-enters-hajin.txt")
    assert first.origin == "https://demo.tidemark.example/reports/01"
    assert first.title == "SDF fighters enter central Hajin"
    assert Event.objects.filter(type="capture", place__name="Hajin").exists()
    again = run("ingest", str(DEMO))
    assert "Ingested 0, duplicates 10, failed 0, skipped 1" in again
    assert Report.objects.count() == 10


@pytest.mark.django_db
def test_ingest_reports_each_bad_file_and_goes_on_with_the_others(tmp_path: Path, tagger):
    (tmp_path / "good.txt").write_text("title: Good\npublished: 2018-12-14\n\nThe SDF captured Hajin from ISIS on "
                                       "Thursday.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff\x00\xfe" * 64)
    (tmp_path / "bad-date.txt").write_text("published: Blursday\n\nISIS fighters attacked Baghuz Fawqani.\n")
    out = run("ingest", str(tmp_path), str(tmp_path / "nope.txt"))
    assert "Ingested 2, duplicates 0, failed 3, skipped 0" in out
    assert "failed: empty.txt: empty.txt is empty" in out
    assert "failed: binary.txt: binary.txt looks binary" in out
    assert "failed: " in out and "nope.txt: no such file, folder or URL" in out
    assert "warning: bad-date.txt: published date 'Blursday' does not parse; left unknown" in out
    assert Report.objects.get(file_name="good.txt").status == "tagged"
    assert Report.objects.filter(status="failed").count() == 2


def test_ingest_of_nothing_that_exists_is_an_error():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("ingest", "/no/such/place")


@pytest.mark.django_db
def test_ingest_an_article_url_and_a_feed_url(site, tagger):
    site.add("/a1", ARTICLE_HTML)
    site.add("/a2", ARTICLE_HTML.replace("Hajin", "Hajeen"))
    site.add("/feed.xml", RSS.format(base=site.base), content_type="application/rss+xml")
    out = run("ingest", site.url("/a1"))
    assert "Ingested 1, duplicates 0, failed 0" in out
    out = run("ingest", site.url("/feed.xml"))
    assert "Ingested 1, duplicates 0, failed 0" in out  # a1 is known already
    assert Report.objects.filter(status="tagged").count() == 2


@pytest.mark.django_db
def test_ingest_a_url_that_fails_says_why(site, settings):
    settings.TIDEMARK_FETCH_TIMEOUT_SECONDS = 1
    site.add("/slow", ARTICLE_HTML, delay=3)
    out = run("ingest", site.url("/missing"), site.url("/slow"), site.url("/err"))
    assert "Ingested 0, duplicates 0, failed 3" in out
    assert "answered HTTP 404" in out
    assert "timed out after 1 s" in out


@pytest.mark.django_db
def test_ingest_async_queues_the_tagging(tagger, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = run("ingest", "--async", str(DEMO / "01_sdf-enters-hajin.txt"))
    assert "tagging queued for 1 reports" in out
    assert len(callbacks) >= 1
    assert Report.objects.get().status == "tagged"


@pytest.mark.django_db
def test_retag_and_retry_failed_commands(tagger, tmp_path: Path):
    run("ingest", str(DEMO / "01_sdf-enters-hajin.txt"))
    report = Report.objects.get()
    before = set(Claim.objects.filter(report=report).values_list("id", flat=True))
    assert "Re-tagged 1 reports: tagged 1" in run("retag", "--report", str(report.pk))
    assert not before & set(Claim.objects.filter(report=report).values_list("id", flat=True))
    assert "Re-tagged 0 reports" in run("retag", "--stale")
    assert "Re-tagged 1 reports" in run("retag", "--all")
    with pytest.raises(CommandError, match="no report with id 999999"):
        run("retag", "--report", "999999")

    path = tmp_path / "later.txt"
    path.write_bytes(b"")
    run("ingest", str(path))
    failed = Report.objects.get(file_name="later.txt")
    assert failed.status == "failed"
    path.write_text("The SDF captured Hajin from ISIS on 13 December 2018.\n")
    out = run("retry_failed")
    assert "Retried 1 failed reports: tagged 1" in out
    failed.refresh_from_db()
    assert failed.status == "tagged" and failed.text.startswith("The SDF captured Hajin")


# --- export ------------------------------------------------------------------------------------

@pytest.fixture
def demo_events(db, tagger):
    run("ingest", str(DEMO))
    return Event.objects.filter(merged_into__isnull=True)


def test_export_ndjson_is_the_feed_record_one_event_a_line(demo_events, tmp_path: Path):
    target = tmp_path / "events.ndjson"
    run("export_events", "--format", "ndjson", "--output", str(target))
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    expected_ids = set(demo_events.exclude(status="rejected").values_list("id", flat=True))
    assert {r["id"] for r in lines} == expected_ids
    event = events_for_feed(Event.objects.filter(pk=lines[0]["id"])).get()
    assert lines[0] == json.loads(json.dumps(event_feed_record(event)))
    assert all(r["claims"] for r in lines)
    assert {"file_name", "origin", "published"} <= set(lines[0]["claims"][0]["report"])


def test_export_filters_by_status(demo_events):
    event = demo_events.first()
    Event.objects.filter(pk=event.pk).update(status="rejected")
    default = [json.loads(x) for x in run("export_events").splitlines()]
    assert event.pk not in {r["id"] for r in default}
    rejected = [json.loads(x) for x in run("export_events", "--status", "rejected").splitlines()]
    assert [r["id"] for r in rejected] == [event.pk]
    everything = run("export_events", "--status", "all").splitlines()
    assert len(everything) == demo_events.count()
    with pytest.raises(CommandError, match="unknown status"):
        run("export_events", "--status", "maybe")


def test_export_csv_has_the_acled_style_columns(demo_events):
    rows = list(csv.DictReader(io.StringIO(run("export_events", "--format", "csv"))))
    assert list(rows[0]) == CSV_COLUMNS
    hajin = next(r for r in rows if r["location"] == "Hajin" and r["event_type"] == "capture"
                 and r["event_date"] == "2018-12-13")
    assert hajin["time_precision"] == "1"
    assert hajin["actor1"] == "SDF" and hajin["admin1"] == "Deir ez-Zor"
    assert float(hajin["latitude"]) == pytest.approx(34.695, abs=0.01)
    assert "Tidemark Demo Wire" in hajin["source"]
    assert "captured Hajin" in hajin["notes"]


def test_export_geojson_is_a_feature_collection_of_place_points(demo_events):
    data = json.loads(run("export_events", "--format", "geojson"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == demo_events.exclude(status="rejected").count()
    feature = data["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lat, lon) == (feature["properties"]["place"]["lat"], feature["properties"]["place"]["lon"])
    assert feature["properties"]["claims"]


def test_export_runs_a_fixed_number_of_queries_however_many_events(demo_events, django_assert_max_num_queries):
    # One query for the events and one per prefetched relation, per chunk of 500: memory and queries stay flat.
    assert demo_events.count() > 10
    with django_assert_max_num_queries(4):
        run("export_events", "--status", "all")
