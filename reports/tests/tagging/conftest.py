from __future__ import annotations

import datetime as dt
import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from reports.tagging import tag
from reports.tagging.lexicon import bundled_lexicon
from reports.tagging.offline_export import main as export_main


@pytest.fixture(scope="session")
def lexicon():
    return bundled_lexicon()


@pytest.fixture(scope="session")
def names(lexicon):
    places = {p.id: p.name for p in lexicon.places}
    actors = {a.id: a.name for a in lexicon.actors}

    def claims(text, published=dt.date(2018, 12, 14), **kw):
        result = tag(text, published=published, lexicon=lexicon, **kw)
        return [(c.type, places.get(c.place_id, c.proposed_place), actors.get(c.actor1_id), actors.get(c.actor2_id))
                for c in result.claims]

    return claims


@pytest.fixture
def score_offline(score_events, tmp_path):
    """Tag report files with the bundled lexicon (no database) and score the export."""

    def run(source: Path, gold: Path, aliases: Path) -> dict:
        buf = io.StringIO()
        with redirect_stdout(buf):
            export_main([str(source)])
        pred = tmp_path / "pred.ndjson"
        pred.write_text(buf.getvalue(), encoding="utf-8")
        with redirect_stdout(io.StringIO()):
            return score_events(gold, pred, aliases, False)

    return run
