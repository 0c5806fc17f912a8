"""The scans that try a pattern only where WordStarts says a match can begin must find what
a scan of every position finds. A word added to a pattern but not to its prefix list would
be missed silently: these tests read every text we have, in three cases, to catch that."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reports.tagging import actors, dates, events, places
from reports.tagging.normalize import WordStarts, ascii_lower, word_matches

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("TIDEMARK_SHARED_DIR", ROOT.parent / "shared"))


def _texts() -> list[str]:
    files = [*sorted((ROOT / "data" / "demo_reports").glob("*.txt")),
             *sorted((ROOT / "reports" / "tests" / "tagging").glob("dev*/*.txt")),
             *sorted((SHARED / "seeds").glob("*.txt"))]
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert len(texts) > 20
    return [v for t in texts for v in (t, t.upper(), t.title())]


TEXTS = _texts()
# (pattern, the prefixes registered for it, whether it runs on the lowercased text)
SCANS = [
    (dates._CORE, dates._CORE_WORDS, True),
    (events._TRIG_STEMS, events._TRIG_WORDS, True),
    (actors._SPEECH_LOW, actors._SPEECH_FIRST, True),
    (actors._RX_LOW.anaphor, actors._ANAPHOR_WORDS, True),
    (actors._DEMONYM_NP, actors._DEMONYM_WORDS, False),
    (places._OF_NAME, places._KIND_FIRST, False),
    (places._KIND_WORD, places._KIND_FIRST, False),
]


@pytest.mark.parametrize(("rx", "name", "lowered"), SCANS, ids=[s[1] + ":" + s[0].pattern[:30] for s in SCANS])
def test_a_scan_at_word_starts_finds_what_a_full_scan_finds(rx, name, lowered):
    found_any = False
    for text in TEXTS:
        t = ascii_lower(text) if lowered else text
        expected = [m.span() for m in rx.finditer(t)]
        assert [m.span() for m in word_matches(rx, WordStarts(text)(name), t)] == expected
        found_any = found_any or bool(expected)
    assert found_any  # the texts exercise the pattern


def test_the_date_grammar_tried_at_its_start_words_finds_every_date_of_a_full_scan():
    for text in TEXTS:
        low = ascii_lower(text)
        full = [m.span() for m in dates._RE.finditer(low)]
        fast = [m.span() for m in dates._finditer(low, 0, len(low), WordStarts(text).spaced_low)]
        assert fast == full
