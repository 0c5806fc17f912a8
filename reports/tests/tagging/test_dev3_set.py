"""The third held-out set (reports/tests/tagging/dev3/): 15 reports written for it about the SDF's campaign against
the ISIS pocket along the Euphrates (Hajin to Baghuz, September 2018 to March 2019) and the west bank, in the styles
of The Defense Post, ANF, Kurdistan 24, SOHR, Al-Masdar, Rudaw, SouthFront, Hawar, Reuters and a timeline, three
without a publication date, with gold claims annotated before the tagger was first run on them (rules-1.2 scored
F1=0.691, date accuracy 0.829 there). Scored with the shared scorer; the floor is the score reached with rules-1.3
(F1=0.969, date accuracy 0.981) minus a margin."""

import importlib.util
import io
import json
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from reports.tagging.offline_export import main as export_main

DEV3 = Path(__file__).resolve().parent / "dev3"
SHARED = Path(os.environ.get("TIDEMARK_SHARED_DIR", Path(__file__).resolve().parents[3] / ".." / "shared"))
SCORER = SHARED / "tools" / "score_events.py"

F1_FLOOR = 0.93
DATE_FLOOR = 0.93


@pytest.mark.skipif(not SCORER.exists(), reason="shared scorer missing")
def test_the_third_dev_set_scores_above_its_floor(tmp_path):
    spec = importlib.util.spec_from_file_location("score_events", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    sys.modules["score_events"] = scorer
    spec.loader.exec_module(scorer)
    buf = io.StringIO()
    with redirect_stdout(buf):
        export_main([str(DEV3)])
    pred = tmp_path / "pred.ndjson"
    pred.write_text(buf.getvalue(), encoding="utf-8")
    with redirect_stdout(io.StringIO()):
        s = scorer.score(DEV3 / "gold.jsonl", pred, DEV3 / "aliases.json", False)
    assert s["f1"] >= F1_FLOOR, s
    assert s["date_accuracy"] >= DATE_FLOOR, s


def test_every_dev3_report_has_gold_and_only_reports_are_tagged():
    reports = {p.name for p in DEV3.glob("*.txt")}
    gold = {json.loads(line)["report"] for line in (DEV3 / "gold.jsonl").read_text().splitlines() if line.strip()}
    assert len(reports) == 15 and reports == gold
    buf = io.StringIO()
    with redirect_stdout(buf):
        export_main([str(DEV3)])
    tagged = {c["report"]["file_name"] for line in buf.getvalue().splitlines() if line.strip()
              for c in json.loads(line)["claims"]}
    assert tagged <= reports  # gold.jsonl and aliases.json are not reports
