import datetime as dt
import os
from pathlib import Path

from reports.tagging import TAGGER_VERSION, tag
from reports.tagging.offline_export import parse_report_file

SHARED = Path(os.environ.get("TIDEMARK_SHARED_DIR", Path(__file__).resolve().parents[3] / ".." / "shared"))


def test_spans_point_into_the_original_text_even_with_look_alike_letters(lexicon):
    text = "On Thursday,\u00a0the SDF c\u0430ptured H\u0430jin from ISIS."
    r = tag(text, published=dt.date(2018, 12, 14), lexicon=lexicon)
    c = r.claims[0]
    assert text[c.span[0]:c.span[1]] == c.quote
    place = next(m for m in r.mentions if m.kind == "place")
    assert text[place.start:place.end] == "H\u0430jin"


def test_other_languages_are_not_supported_and_give_no_claims(lexicon):
    r = tag("Les forces kurdes ont pris la ville de Hajin aux jihadistes de l'EI, selon les habitants et la presse.",
            published=None, lexicon=lexicon)
    assert (r.supported, r.language, r.claims) == (False, "fr", [])


def test_a_dateline_fixes_the_publication_date_as_inferred(lexicon):
    text = "DEIR EZ-ZOR GOVERNORATE (NOVEMBER 25, 2018) - IS also recently captured the South Kashmah oil field."
    r = tag(text, published=None, lexicon=lexicon)
    assert (r.published, r.published_inferred) == (dt.date(2018, 11, 25), True)
    assert (r.claims[0].date.start, r.claims[0].date.end) == (dt.date(2018, 10, 25), dt.date(2018, 11, 25))


def test_a_claim_takes_the_governing_period_of_its_paragraph(lexicon):
    text = "Over the past month the SDF fought ISIS hard. The SDF captured Hajin."
    r = tag(text, published=dt.date(2018, 12, 14), lexicon=lexicon)
    capture = next(c for c in r.claims if c.type == "capture")
    assert (capture.date.start, capture.date.end) == (dt.date(2018, 11, 14), dt.date(2018, 12, 14))


def test_without_a_publication_date_relative_dates_stay_unknown(lexicon):
    r = tag("On Thursday the SDF captured Hajin.", published=None, lexicon=lexicon)
    assert not r.claims[0].date.is_known


def test_a_weekday_mismatch_flags_the_claim_and_the_result(lexicon):
    r = tag("The SDF captured Hajin on Friday, November 14, 2018.", published=None, lexicon=lexicon)
    assert "weekday_mismatch" in r.flags and "weekday_mismatch" in r.claims[0].flags
    assert not r.claims[0].date.is_known


def test_mentions_cover_places_actors_dates_and_triggers(lexicon):
    r = tag("The SDF captured Hajin on Thursday.", published=dt.date(2018, 12, 14), lexicon=lexicon)
    assert {m.kind for m in r.mentions} == {"place", "actor", "date", "trigger"}
    assert r.version == TAGGER_VERSION


def test_the_header_block_of_a_report_file_is_read():
    header, body = parse_report_file("url: http://x\npublished: 2018-12-14\n\nThe SDF captured Hajin.")
    assert header == {"url": "http://x", "published": "2018-12-14"}
    assert body == "The SDF captured Hajin."


def test_a_file_without_a_header_is_all_body():
    assert parse_report_file("Title line\n\nBody.") == ({}, "Title line\n\nBody.")


def test_the_seed_reports_score_at_least_085_f1(score_offline, shared_dir):
    gold = shared_dir / "gold"
    s = score_offline(shared_dir / "seeds", gold / "seeds.jsonl", gold / "aliases.json")
    assert s["f1"] >= 0.85, s
    assert s["date_accuracy"] == 1.0, s


def test_a_date_belongs_to_the_event_it_follows_not_to_an_earlier_one(lexicon):
    text = "The SDF captured Hajin three months after opening its offensive on 10 September 2018."
    r = tag(text, published=dt.date(2018, 12, 15), lexicon=lexicon)
    capture = next(c for c in r.claims if c.type == "capture")
    assert capture.date.start != dt.date(2018, 9, 10)


def test_a_founding_date_is_not_the_date_of_the_capture(lexicon):
    text = "The SDF, a Kurdish-led alliance set up in 2015, pushed the Islamic State out of Raqqa in 2017."
    r = tag(text, published=None, lexicon=lexicon)
    assert (r.claims[0].type, r.claims[0].date.start) == ("capture", dt.date(2017, 1, 1))
