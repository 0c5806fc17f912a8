"""The held-out development set (reports/tests/tagging/dev/): 20 short reports written in the styles of
other outlets, with gold claims annotated before the tagger was run on them. Scored with the shared
scorer; the floor is the score reached when the rules were last tuned, minus a small margin."""

import importlib.util
import io
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from reports.tagging.offline_export import main as export_main

DEV = Path(__file__).resolve().parent / "dev"
SHARED = Path(os.environ.get("TIDEMARK_SHARED_DIR", Path(__file__).resolve().parents[3] / ".." / "shared"))
SCORER = SHARED / "tools" / "score_events.py"


@pytest.mark.skipif(not SCORER.exists(), reason="shared scorer missing")
def test_the_dev_set_scores_above_its_floor(tmp_path):
    spec = importlib.util.spec_from_file_location("score_events", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    sys.modules["score_events"] = scorer
    spec.loader.exec_module(scorer)
    buf = io.StringIO()
    with redirect_stdout(buf):
        export_main([str(DEV)])
    pred = tmp_path / "pred.ndjson"
    pred.write_text(buf.getvalue(), encoding="utf-8")
    with redirect_stdout(io.StringIO()):
        s = scorer.score(DEV / "gold.jsonl", pred, DEV / "aliases.json", False)
    assert s["f1"] >= F1_FLOOR, s
    assert s["date_accuracy"] >= DATE_FLOOR, s


def test_every_dev_report_has_gold():
    import json
    reports = {p.name for p in DEV.glob("*.txt")}
    gold = {json.loads(line)["report"] for line in (DEV / "gold.jsonl").read_text().splitlines() if line.strip()}
    assert len(reports) == 20 and reports == gold


F1_FLOOR = 0.90
DATE_FLOOR = 0.80
