import datetime as dt
import json
from pathlib import Path

import pytest

from reports.fetch import FetchError, RawReport
from reports.fetch.files import (
    decode_bytes,
    folder_files,
    parse_txt,
    read_path,
    split_header,
    title_from_first_line,
)

HEADER_TEXT = (
    "outlet: Tidemark Demo Wire\n"
    "title: SDF fighters enter central Hajin\n"
    "published: 2018-12-14\n"
    "url: https://demo.tidemark.example/reports/01\n"
    "language: en\n"
    "author: A. Writer\n"
    "\n"
    "The SDF captured Hajin from ISIS on Thursday.\n"
)


def test_a_header_block_fills_the_fields_and_the_text_is_the_body():
    raw = parse_txt(HEADER_TEXT, name="01.txt")
    assert raw.text == "The SDF captured Hajin from ISIS on Thursday.\n"
    assert raw.title == "SDF fighters enter central Hajin"
    assert raw.outlet == "Tidemark Demo Wire"
    assert raw.published == dt.date(2018, 12, 14)
    assert raw.url == raw.origin == "https://demo.tidemark.example/reports/01"
    assert raw.file_name == "01.txt"
    assert raw.language == "en"
    assert raw.author == "A. Writer"
    assert raw.metadata["header"]["outlet"] == "Tidemark Demo Wire"


def test_without_a_header_the_whole_file_is_the_text_and_the_first_line_is_the_title():
    text = "SDF Push Against ISIS Gains Speed\n\n\nThe Syrian Democratic Forces' offensive: it goes on.\n"
    raw = parse_txt(text, name="000_seed.txt")
    assert raw.text == text
    assert raw.title == "SDF Push Against ISIS Gains Speed"
    assert raw.origin == "file:000_seed.txt"
    assert raw.published is None


def test_a_first_paragraph_that_looks_like_a_header_line_is_not_a_header():
    text = "Note: the SDF said on Thursday it had taken Hajin.\n\nMore text.\n"
    fields, body = split_header(text)
    assert fields == {}
    assert body == text


def test_a_header_date_that_does_not_parse_is_a_warning_not_a_failure():
    raw = parse_txt("title: X\npublished: the day after the battle\n\nBody text here.\n", name="bad-date.txt")
    assert raw.published is None
    assert raw.text == "Body text here.\n"
    assert raw.warnings == ["published date 'the day after the battle' does not parse; left unknown"]
    assert raw.metadata["published_raw"] == "the day after the battle"


@pytest.mark.parametrize("value,expected", [
    ("2018-12-14", dt.date(2018, 12, 14)),
    ("14 December 2018", dt.date(2018, 12, 14)),
    ("December 14, 2018", dt.date(2018, 12, 14)),
    ("2018-12-14T09:30:00Z", dt.date(2018, 12, 14)),
])
def test_header_dates_in_common_forms_parse(value, expected):
    raw = parse_txt(f"published: {value}\n\nText.\n", name="d.txt")
    assert raw.published == expected


def test_crlf_files_keep_their_line_ends_in_the_text():
    raw = parse_txt("title: T\r\noutlet: O\r\n\r\nLine one.\r\nLine two.\r\n", name="crlf.txt")
    assert raw.title == "T"
    assert raw.text == "Line one.\r\nLine two.\r\n"


def test_an_empty_file_is_refused(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n\n")
    with pytest.raises(FetchError, match="empty.txt is empty"):
        list(read_path(path, max_bytes=10_000))


def test_a_binary_file_is_refused(tmp_path: Path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(FetchError, match="looks binary"):
        list(read_path(path, max_bytes=10_000))


def test_a_file_over_the_limit_is_refused_from_its_size_with_both_numbers(tmp_path: Path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # a sparse 50 MB file: refusing it must not read it
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(FetchError) as err:
        list(read_path(path, max_bytes=5 * 1024 * 1024))
    assert "huge.txt is 50.0 MB (52428800 bytes), over the limit of 5.0 MB (5242880 bytes)" in err.value.message


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16"])
def test_text_in_common_encodings_is_decoded(encoding):
    text = "Les forces kurdes ont pris Hajin, a déclaré le porte-parole. « Hajin est libérée », a-t-il dit. " * 3
    assert decode_bytes(text.encode(encoding), "f.txt") == text


def test_utf8_with_a_bom_loses_the_bom():
    assert decode_bytes("\ufeffHajin fell.".encode(), "f.txt") == "Hajin fell."


def test_undecodable_bytes_give_a_clear_error():
    junk = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 5 + b"\x00" * 3
    with pytest.raises(FetchError, match="binary|decoded"):
        decode_bytes(junk, "junk.txt")


def test_a_jsonl_file_gives_one_report_a_line_and_one_error_for_a_bad_line(tmp_path: Path):
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"text": "The SDF took Hajin.", "title": "One", "url": "https://x.example/1", "outlet": "SOHR",
                    "published": "2018-12-14"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": "ISIS retook Baghuz.", "title": "Two"}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(read_path(path, max_bytes=100_000))
    reports = [i for i in items if isinstance(i, RawReport)]
    errors = [i for i in items if isinstance(i, FetchError)]
    assert [r.title for r in reports] == ["One", "Two"]
    assert reports[0].origin == "https://x.example/1"
    assert reports[0].outlet == "SOHR"
    assert reports[0].published == dt.date(2018, 12, 14)
    assert reports[1].origin == "file:batch.jsonl#4"
    assert all(r.file_name == "batch.jsonl" for r in reports)
    assert [e.message.split(":")[0] for e in errors] == ["batch.jsonl line 2", "batch.jsonl line 3"]


def test_a_json_file_holds_a_list_of_objects(tmp_path: Path):
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([{"text": "A report.", "title": "A"}, {"text": "B report.", "title": "B"}]))
    assert [r.title for r in read_path(path, max_bytes=100_000)] == ["A", "B"]


def test_a_folder_lists_text_html_and_json_files_and_skips_the_rest(tmp_path: Path):
    for name in ["b.txt", "a.html", "c.json", "d.jsonl", "README.md", ".hidden.txt", "notes.pdf"]:
        (tmp_path / name).write_text("x")
    wanted, skipped = folder_files(tmp_path)
    assert [p.name for p in wanted] == ["a.html", "b.txt", "c.json", "d.jsonl"]
    assert sorted(p.name for p in skipped) == ["README.md", "notes.pdf"]


def test_title_from_first_line_needs_a_blank_line_after_it():
    assert title_from_first_line("Headline\n\nBody.") == "Headline"
    assert title_from_first_line("A sentence that runs on\ninto the next line.") == ""
