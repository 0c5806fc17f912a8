"""The whole pipeline against the hand-made gold claims of the seed reports:
ingest -> tag -> claims -> events -> NDJSON export -> the project's scorer."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_seed_reports_through_the_full_pipeline_score_f1_at_least_085(
    shared_dir, seeds_dir, tagger, tmp_path, score_events
):
    score = score_events
    out = io.StringIO()
    call_command("ingest", "--no-progress", str(seeds_dir), stdout=out, stderr=io.StringIO())
    assert "failed 0" in out.getvalue()
    export = tmp_path / "events.ndjson"
    call_command("export_events", "--format", "ndjson", "--output", str(export), stderr=io.StringIO())
    result = score(shared_dir / "gold" / "seeds.jsonl", export, shared_dir / "gold" / "aliases.json", verbose=False)
    assert result["f1"] >= 0.85, result
    assert result["dated"] > 0 and result["date_accuracy"] == 1.0, result
