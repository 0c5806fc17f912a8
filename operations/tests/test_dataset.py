"""export_dataset and import_dataset: a dump restores into an empty database as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from conflict.models import ChangeRecord, Event, EventChange, Place
from conflict.services.review import event_accept, event_reject
from conflict.tests.factories import UserFactory
from operations.services.dataset import MANIFEST, dataset_tables
from reports.models import Report
from reports.services import feed_add, ingest_file

DEMO_REPORTS = Path(__file__).resolve().parents[2] / "data" / "demo_reports"


@pytest.fixture
def dataset(django_capture_on_commit_callbacks) -> User:
    """The demo reports tagged, one event accepted and one rejected by an editor, a feed.
    Returns the editor."""
    with django_capture_on_commit_callbacks(execute=True):  # tagging and control periods run on commit
        for path in sorted(DEMO_REPORTS.glob("*.txt")):
            ingest_file(path=path)
    editor = UserFactory(username="alice", groups=["editor"])
    first, second = Event.objects.order_by("id")[:2]
    event_accept(event=first, user=editor)
    event_reject(event=second, user=editor, reason="a duplicate report of the same clash")
    feed_add(url="https://example.org/feed.xml", title="Example", outlet="The Defense Post")
    return editor


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.name != MANIFEST}


def _export(directory: Path) -> dict:
    call_command("export_dataset", str(directory), verbosity=0)
    return json.loads((directory / MANIFEST).read_text())


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_through_an_empty_database_gives_identical_files_and_working_pages(tmp_path, client, dataset):
    editor = dataset
    reviewed = Event.objects.get(status="reviewed")
    place = reviewed.place
    counts = {t.label: t.model._base_manager.count() for t in dataset_tables()}
    first = _export(tmp_path / "first")

    call_command("flush", interactive=False, verbosity=0)
    assert not Place.objects.exists()
    call_command("import_dataset", str(tmp_path / "first"), verbosity=0)
    second = _export(tmp_path / "second")

    assert _files(tmp_path / "first") == _files(tmp_path / "second")
    del first["created_at"], second["created_at"]
    assert first == second
    assert {t.label: t.model._base_manager.count() for t in dataset_tables()} == counts
    assert counts["conflict.event"] and counts["conflict.claim"] and counts["conflict.controlperiod"]
    assert counts["conflict.changerecord"] and counts["conflict.controlperiod_events"]

    # Review history keeps its editor, who must set a new password.
    restored = User.objects.get(pk=editor.pk)
    assert restored.username == "alice" and not restored.has_usable_password()
    assert list(restored.groups.values_list("name", flat=True)) == ["editor"]
    assert Event.objects.get(pk=reviewed.pk).reviewed_by_id == editor.pk
    assert ChangeRecord.objects.filter(user=editor, action="reject").exists()

    # Ids in URLs survive, and the pages, the API, the change feed and the Atom feed work.
    for url in ["/", f"/places/{place.slug}/", f"/events/{reviewed.pk}/", f"/reports/{Report.objects.first().pk}/",
                "/api/events/", f"/api/places/{place.pk}/control/", "/feeds/reviewed.atom"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/changes/").json()["changes"], "the change feed is held back"
    assert client.get(f"/api/events/{reviewed.pk}/").json()["id"] == reviewed.pk

    # The sequences were moved past the restored ids.
    assert Place.objects.create(name="Newplace", slug="newplace").pk > max(r["id"] for r in _rows(tmp_path / "first",
                                                                                                 "conflict.place"))


def _rows(directory: Path, label: str) -> list[dict]:
    return [json.loads(line) for line in (directory / f"{label}.ndjson").read_text().splitlines()]


@pytest.mark.django_db
def test_the_manifest_gives_every_file_its_rows_and_sha256_and_the_versions(tmp_path, dataset):
    manifest = _export(tmp_path)
    assert manifest["format"] == "tidemark-dataset" and manifest["format_version"] == 1
    assert manifest["tagger_version"] and manifest["reference_data"]
    by_name = {f["name"]: f for f in manifest["files"]}
    assert set(by_name) == {t.file_name for t in dataset_tables()}
    assert by_name["reports.report.ndjson"]["rows"] == Report.objects.count()
    for name, entry in by_name.items():
        data = (tmp_path / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert data.count(b"\n") == entry["rows"]
    # Tables are written after the tables they reference.
    names = [f["name"] for f in manifest["files"]]
    assert names.index("conflict.place.ndjson") < names.index("conflict.event.ndjson")
    assert names.index("reports.report.ndjson") < names.index("conflict.claim.ndjson")


@pytest.mark.django_db
def test_reports_keep_their_text_exactly_as_received(tmp_path, dataset):
    _export(tmp_path)
    texts = {row["id"]: row["text"] for row in _rows(tmp_path, "reports.report")}
    assert texts == dict(Report.objects.values_list("id", "text"))


@pytest.mark.django_db
def test_no_password_hash_is_written_unless_asked(tmp_path):
    UserFactory(username="bob", groups=["editor"])
    _export(tmp_path / "plain")
    assert "password" not in (tmp_path / "plain" / "auth.user.ndjson").read_text()
    assert "email" not in (tmp_path / "plain" / "auth.user.ndjson").read_text()

    call_command("export_dataset", str(tmp_path / "full"), "--include-password-hashes", verbosity=0)
    (row,) = _rows(tmp_path / "full", "auth.user")
    assert row["password"] == User.objects.get(username="bob").password


@pytest.mark.django_db
def test_a_change_feed_transaction_id_is_not_carried_into_the_dump(tmp_path, dataset):
    assert EventChange.objects.exclude(txid=None).exists()
    _export(tmp_path)
    assert {row["txid"] for row in _rows(tmp_path, "conflict.eventchange")} == {None}


@pytest.mark.django_db
def test_import_refuses_a_database_that_holds_data(tmp_path):
    _export(tmp_path)  # the reference data the test database is loaded with
    places = Place.objects.count()
    with pytest.raises(CommandError, match=r"not empty \(.*conflict\.Place: \d+"):
        call_command("import_dataset", str(tmp_path), verbosity=0)
    assert Place.objects.count() == places


@pytest.mark.django_db
def test_import_refuses_a_changed_file_and_names_it(tmp_path, dataset):
    _export(tmp_path)
    path = tmp_path / "conflict.event.ndjson"
    path.write_text(path.read_text().replace('"status":"rejected"', '"status":"reviewed"'))
    with pytest.raises(CommandError, match=r"conflict\.event\.ndjson: SHA-256 .* does not match"):
        call_command("import_dataset", str(tmp_path), verbosity=0)


@pytest.mark.django_db
def test_import_refuses_an_incomplete_dump_and_names_the_missing_file(tmp_path):
    _export(tmp_path)
    (tmp_path / "conflict.claim.ndjson").unlink()
    with pytest.raises(CommandError, match=r"conflict\.claim\.ndjson is missing"):
        call_command("import_dataset", str(tmp_path), verbosity=0)


@pytest.mark.django_db
def test_import_refuses_a_manifest_whose_counts_do_not_match(tmp_path):
    manifest = _export(tmp_path)
    for entry in manifest["files"]:
        if entry["name"] == "conflict.place.ndjson":
            entry["rows"] += 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"conflict\.place\.ndjson: \d+ rows, the manifest says \d+"):
        call_command("import_dataset", str(tmp_path), verbosity=0)


@pytest.mark.django_db
def test_import_refuses_a_folder_without_a_manifest(tmp_path):
    with pytest.raises(CommandError, match="manifest.json is missing"):
        call_command("import_dataset", str(tmp_path), verbosity=0)


@pytest.mark.django_db
def test_export_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("export_dataset", str(tmp_path), verbosity=0)


def test_worker_heartbeats_are_left_out_and_the_manifest_says_why(tmp_path, db):
    manifest = _export(tmp_path)
    assert "operations.workerheartbeat.ndjson" not in {f["name"] for f in manifest["files"]}
    assert "operations.workerheartbeat" in manifest["excluded"]
