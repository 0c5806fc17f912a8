import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.test import override_settings

from conflict.models import Source
from reports.models import Report, ReportSketchKey
from reports.services import (
    PREFILTER_KEYS,
    ReportInputError,
    body_sketch,
    ingest_file,
    report_ingest,
    sketch_jaccard,
    sketch_key,
)

BODY = (
    "The Syrian Democratic Forces captured the town of Hajin from ISIS on Thursday, SDF spokesman Mustafa Bali "
    "said, announcing that the centre of the town had been cleared of the militants. Hajin is the main town of the "
    "last ISIS enclave on the east bank of the Euphrates in Deir ez-Zor province, and the SDF has been fighting for "
    "it since opening its campaign against the pocket on 10 September. A spokesman for the US-led Coalition said "
    "SDF units were still working their way through the middle of the town and out towards its edges, and cautioned "
    "that the militants could still strike back in small groups and were laying explosives along the routes.\n"
)
OTHER_BODY = (
    "Islamic State fighters attacked positions of the Syrian Democratic Forces near the village of Baghuz Fawqani "
    "overnight, using the cover of a sandstorm to approach the front line, a monitoring group said. The attackers "
    "were pushed back after several hours of fighting, and the SDF said it had reinforced its positions along the "
    "river with fresh units brought in from Raqqa and Hasakah, while coalition aircraft circled overhead all night.\n"
)


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    """These tests are about storing; tagging is tested elsewhere."""
    monkeypatch.setattr("reports.services._queue_tag", lambda report_id: None)


@pytest.mark.django_db
def test_a_report_is_stored_untouched_with_its_hash_and_pending():
    text = "Headline here\n\n" + BODY + "\u00a0Odd\u2009spaces and a Deir ez-Z\u03bfr with a Greek omicron.\n"
    result = report_ingest(text=text, url="https://levant.example/a1", outlet="Levant Desk",
                           published="2018-12-14", author="J. Doe")
    report = result.report
    assert result.outcome == "created"
    report.refresh_from_db()
    assert report.text == text
    assert report.content_hash == hashlib.sha256(text.encode()).hexdigest()
    assert report.status == "pending"
    assert report.origin == report.url == "https://levant.example/a1"
    assert report.published == dt.date(2018, 12, 14)
    assert report.title == "Headline here"
    assert report.author == "J. Doe"


@pytest.mark.django_db
def test_an_outlet_alias_links_the_known_source_and_an_unknown_outlet_gets_a_new_one():
    known = report_ingest(text=BODY, origin="file:a.txt", outlet="Syrian Observatory for Human Rights").report
    assert known.source.name == "SOHR"
    new = report_ingest(text=OTHER_BODY, origin="file:b.txt", outlet="Deir ez-Zor 24 (test)").report
    assert new.source.name == "Deir ez-Zor 24 (test)"
    assert Source.objects.filter(name="Deir ez-Zor 24 (test)").count() == 1
    again = report_ingest(text=BODY + "x", origin="file:c.txt", outlet="deir ez-zor 24 (TEST)").report
    assert again.source_id == new.source_id


@pytest.mark.django_db
def test_the_same_text_from_the_same_origin_is_not_stored_twice():
    first = report_ingest(text=BODY, origin="file:a.txt", file_name="a.txt")
    second = report_ingest(text=BODY, origin="file:a.txt", file_name="a.txt")
    assert second.outcome == "duplicate"
    assert second.report.pk == first.report.pk
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_the_same_text_under_another_origin_is_stored_and_marked_duplicate_of_the_first():
    first = report_ingest(text=BODY, url="https://one.example/a").report
    second = report_ingest(text=BODY, url="https://two.example/b")
    third = report_ingest(text=BODY, url="https://three.example/c")
    assert second.outcome == third.outcome == "created"
    assert second.report.duplicate_of_id == first.pk
    assert third.report.duplicate_of_id == first.pk
    assert Report.objects.count() == 3


@pytest.mark.django_db
def test_a_syndicated_copy_with_another_headline_and_footer_is_a_near_duplicate():
    first = report_ingest(text="SDF take Hajin\n\n" + BODY + "\nCopyright Levant Desk 2018.\n",
                          url="https://levant.example/a").report
    copy = report_ingest(
        text="Kurdish-led forces seize ISIS stronghold of Hajin\n\n" + BODY.replace("  ", " ")
        + "\nThis story was syndicated by Wire Service. All rights reserved. Follow us on social media.\n",
        url="https://wire.example/b",
    ).report
    unrelated = report_ingest(text=OTHER_BODY, url="https://levant.example/c").report
    assert copy.near_duplicate_of_id == first.pk
    assert copy.duplicate_of_id is None
    assert unrelated.near_duplicate_of_id is None


@pytest.mark.django_db
def test_a_stored_report_has_its_sketch_indexed_for_the_prefilter():
    report = report_ingest(text=BODY, url="https://levant.example/a").report
    keys = set(ReportSketchKey.objects.filter(report=report).values_list("key", flat=True))
    assert keys == {sketch_key(h) for h in report.metadata["sketch"][:PREFILTER_KEYS]}
    assert len(keys) == PREFILTER_KEYS


@pytest.mark.django_db
def test_sketch_keys_are_the_integers_postgresql_reads_from_the_hex():
    from django.db import connection

    hashes = ["0000000000000000", "7fffffffffffffff", "8000000000000000", "ffffffffffffffff", "0123456789abcdef"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT ('x' || h)::bit(64)::bigint FROM unnest(%s::text[]) WITH ORDINALITY AS t(h, n)"
                       " ORDER BY n", [hashes])
        assert [row[0] for row in cursor.fetchall()] == [sketch_key(h) for h in hashes]


@pytest.mark.django_db
def test_a_copy_is_found_among_many_reports_that_share_its_sentences():
    import random

    rng = random.Random(3)
    words = OTHER_BODY.replace(".", "").replace(",", "").split()
    shared = BODY.split(". ")[0] + ". "
    stored = [
        report_ingest(text=shared + " ".join(rng.choice(words) for _ in range(60)) + ".\n",
                      url=f"https://levant.example/{i}").report
        for i in range(60)
    ]
    original = report_ingest(text=BODY, url="https://levant.example/original").report
    copy = report_ingest(text="Another headline\n\n" + BODY + "\nShared by a wire.\n",
                         url="https://wire.example/copy").report
    assert copy.near_duplicate_of_id == original.pk
    assert all(r.near_duplicate_of_id is None for r in stored)


def test_sketches_of_copies_are_close_and_of_different_texts_far():
    a = body_sketch(BODY)
    b = body_sketch("Another headline\n\n" + BODY + "\nA different footer with several words in it.")
    c = body_sketch(OTHER_BODY)
    assert sketch_jaccard(a, b) >= 0.7
    assert sketch_jaccard(a, c) < 0.1


def test_look_alike_letters_do_not_hide_a_copy():
    a = body_sketch(BODY)
    b = body_sketch(BODY.replace("o", "\u03bf", 20))
    assert sketch_jaccard(a, b) >= 0.9


@pytest.mark.django_db
def test_api_text_that_is_empty_is_refused_with_a_clear_error():
    with pytest.raises(ReportInputError, match="empty"):
        report_ingest(text="   \n")
    assert not Report.objects.exists()


@pytest.mark.django_db
@override_settings(TIDEMARK_MAX_REPORT_BYTES=2000)
def test_api_text_over_the_limit_is_refused_with_its_size_and_the_limit():
    with pytest.raises(ReportInputError, match=r"is 3000 bytes, over the limit of 2000 bytes"):
        report_ingest(text="a" * 3000)


@pytest.mark.django_db
def test_api_text_without_an_origin_gets_one_from_its_hash():
    report = report_ingest(text=BODY, title="T").report
    assert report.origin.startswith("api:")
    assert report_ingest(text=BODY, title="T").outcome == "duplicate"


@pytest.mark.django_db
def test_api_url_only_is_fetched(site):
    from reports.tests.test_fetch_urls import ARTICLE_BODY, ARTICLE_HTML

    url = site.add("/a1", ARTICLE_HTML)
    result = report_ingest(url=url, outlet="Levant Desk", published="2018-12-14")
    assert result.outcome == "created"
    assert ARTICLE_BODY[:50] in result.report.text
    assert result.report.origin == url
    assert result.report.published == dt.date(2018, 12, 14)


@pytest.mark.django_db
def test_api_url_that_answers_404_is_kept_as_failed(site):
    result = report_ingest(url=site.url("/gone"))
    assert result.outcome == "failed"
    assert result.report.status == "failed"
    assert "HTTP 404" in result.report.error


@pytest.mark.django_db
def test_a_bad_date_from_an_api_client_is_a_warning():
    result = report_ingest(text=BODY, origin="file:x.txt", published="sometime in winter")
    assert result.report.published is None
    assert "does not parse" in result.warnings[0]
    assert result.report.metadata["published_raw"] == "sometime in winter"


# --- files: one bad file never stops the others ---------------------------------------------------

def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.django_db
def test_each_bad_file_is_stored_failed_with_its_reason(tmp_path: Path, settings):
    settings.TIDEMARK_MAX_REPORT_BYTES = 1024 * 1024
    cases = {
        "empty.txt": (b"", "empty.txt is empty"),
        "binary.txt": (b"\x00\x01\x02\x03PK\x03\x04" * 100, "looks binary"),
        "nohtml.html": (b"<html><body><nav>Home | About</nav></body></html>", "no article text found"),
        "badjson.json": (b"{this is not json", "not valid JSON"),
    }
    for name, (data, _) in cases.items():
        _write(tmp_path, name, data)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    for name, (_, reason) in {**cases, "huge.txt": (None, "is 50.0 MB (52428800 bytes), over the limit")}.items():
        [result] = ingest_file(path=tmp_path / name)
        assert result.outcome == "failed", name
        assert reason in result.message, name
        report = Report.objects.get(origin=f"file:{name}")
        assert report.status == "failed"
        assert reason in report.error
        assert report.file_name == name


@pytest.mark.django_db
def test_a_file_failing_twice_keeps_one_failed_report_with_two_attempts(tmp_path: Path):
    path = _write(tmp_path, "empty.txt", b"")
    ingest_file(path=path)
    ingest_file(path=path)
    report = Report.objects.get(origin="file:empty.txt")
    assert report.attempts == 2


@pytest.mark.django_db
def test_a_text_file_in_cp1252_is_decoded_and_stored(tmp_path: Path):
    text = "title: Caf\u00e9 report\n\nLes forces ont d\u00e9clar\u00e9 \u00ab Hajin est lib\u00e9r\u00e9e \u00bb. " * 1
    path = _write(tmp_path, "cp.txt", text.encode("cp1252"))
    [result] = ingest_file(path=path)
    assert result.outcome == "created"
    assert result.report.title == "Caf\u00e9 report"
    assert "d\u00e9clar\u00e9" in result.report.text


@pytest.mark.django_db
def test_a_header_file_keeps_the_url_as_origin_and_its_file_name(tmp_path: Path):
    path = _write(tmp_path, "01.txt", "url: https://demo.example/01\noutlet: SOHR\npublished: 14/12/2018\n\n" + BODY)
    [result] = ingest_file(path=path)
    report = result.report
    assert report.origin == "https://demo.example/01"
    assert report.file_name == "01.txt"
    assert report.text == BODY
    assert report.source.name == "SOHR"
    assert report.published == dt.date(2018, 12, 14)
    assert report.metadata["header"]["outlet"] == "SOHR"


@pytest.mark.django_db
def test_a_file_that_failed_and_is_then_readable_fills_in_its_failed_report(tmp_path: Path):
    path = _write(tmp_path, "late.txt", b"")
    [failed] = ingest_file(path=path)
    _write(tmp_path, "late.txt", "url: https://demo.example/late\n\n" + BODY)
    [result] = ingest_file(path=path)
    assert result.outcome == "created"
    assert result.report.pk == failed.report.pk
    assert Report.objects.count() == 1
    report = Report.objects.get()
    assert (report.origin, report.status, report.error) == ("https://demo.example/late", "pending", "")
