"""Reports from files: .txt (with an optional header block), .html, .json and .jsonl.

A .txt file may start with `key: value` lines (url, outlet, title, published,
language, author) ending at the first blank line; the text is what follows. Bytes
are decoded as UTF-8 first, then by charset detection; binary and oversized files are
refused before they are read whole.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

from reports.fetch import FetchError, RawReport

SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl")
HEADER_KEYS = ("url", "outlet", "title", "published", "language", "author")
# Accepted spellings of the header keys, folded to the canonical one.
HEADER_ALIASES = {"source": "outlet", "date": "published", "lang": "language", "link": "url", "byline": "author"}
_HEADER_LINE = re.compile(r"^([A-Za-z_-]{2,20})[ \t]*:[ \t]*(.*?)[ \t]*$")
_BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")
# Control characters that never occur in text (NUL and friends; tab, newlines, form feed are fine).
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def file_origin(name: str) -> str:
    return f"file:{name}"


def check_size(size: int, max_bytes: int, what: str) -> None:
    if size > max_bytes:
        raise FetchError(f"{what} is {_mb(size)}, over the limit of {_mb(max_bytes)} (TIDEMARK_MAX_REPORT_BYTES)")


def _mb(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB ({n} bytes)"
    return f"{n} bytes"


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing an oversized file from its size alone (never read whole)."""
    size = path.stat().st_size
    check_size(size, max_bytes, path.name)
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    check_size(len(data), max_bytes, path.name)  # a file that grew while we looked
    return data


def decode_bytes(data: bytes, what: str, declared: str | None = None) -> str:
    """Text from bytes: UTF-8 (with or without BOM), the declared charset, then detection."""
    if not data.strip():
        raise FetchError(f"{what} is empty")
    if b"\x00" in data[:8192] and not (data.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise FetchError(f"{what} looks binary (it contains NUL bytes), not text")
    for encoding in ("utf-8-sig", declared):
        if not encoding:
            continue
        try:
            return _check_text(data.decode(encoding), what)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FetchError(f"{what} could not be decoded as text (tried UTF-8 and charset detection)")
    return _check_text(str(best), what)


def _check_text(text: str, what: str) -> str:
    if not text.strip():
        raise FetchError(f"{what} is empty")
    sample = text[:20000]
    if len(_BINARY_CHARS.findall(sample)) > max(2, len(sample) // 200):
        raise FetchError(f"{what} looks binary (control characters), not text")
    return text


def parse_date(value: str) -> dt.date | None:
    """A header or metadata date: ISO first, then anything dateparser reads. None if it does not parse."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(value, languages=["en"],
                              settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"})
    return parsed.date() if parsed else None


def split_header(text: str) -> tuple[dict[str, str], str]:
    """(header fields, body). No header unless every line before the first blank line
    is `key: value` with a known key and at least one of them is there."""
    match = _BLANK_LINE.search(text)
    if not match:
        return {}, text
    head = text[: match.start()]
    fields: dict[str, str] = {}
    for line in head.splitlines():
        m = _HEADER_LINE.match(line.lstrip("\ufeff"))
        if not m:
            return {}, text
        key = m.group(1).lower().replace("-", "_")
        key = HEADER_ALIASES.get(key, key)
        if key not in HEADER_KEYS:
            return {}, text
        fields[key] = m.group(2)
    if not fields:
        return {}, text
    return fields, text[match.end():]


def title_from_first_line(text: str) -> str:
    """A headline: a first line followed by a blank line (the seed files' shape)."""
    m = re.match(r"[ \t]*([^\r\n]{1,300}?)[ \t]*\r?\n[ \t]*\r?\n", text.lstrip("\ufeff"))
    if not m:
        return ""
    line = m.group(1).strip()
    # A first paragraph of several sentences is no headline.
    if len(line) > 200 or line.endswith((".", ":", ";")) and len(line) > 120:
        return ""
    return line


def raw_from_fields(fields: dict[str, str], text: str, *, origin: str, file_name: str = "") -> RawReport:
    """Apply metadata fields (header or JSON) to a report; a bad date becomes a warning."""
    raw = RawReport(text=text, origin=origin, file_name=file_name)
    url = (fields.get("url") or "").strip()
    if url:
        raw.url = url
        raw.origin = url
    raw.title = (fields.get("title") or "").strip()
    raw.outlet = (fields.get("outlet") or fields.get("source") or "").strip()
    raw.language = (fields.get("language") or "").strip().lower()[:12]
    raw.author = (fields.get("author") or "").strip()
    published = fields.get("published") or fields.get("date") or ""
    if isinstance(published, str) and published.strip():
        raw.published = parse_date(published)
        if raw.published is None:
            raw.warnings.append(f"published date {published.strip()!r} does not parse; left unknown")
            raw.metadata["published_raw"] = published.strip()
    extra = {k: v for k, v in fields.items() if k not in {"text", "body", *HEADER_KEYS}}
    if extra:
        raw.metadata["fields"] = {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool)}
    if not raw.title:
        raw.title = title_from_first_line(text)
    return raw


def parse_txt(text: str, *, name: str) -> RawReport:
    fields, body = split_header(text)
    if not body.strip():
        raise FetchError(f"{name} has a header but no text after it")
    raw = raw_from_fields(fields, body, origin=file_origin(name), file_name=name)
    if fields:
        raw.metadata["header"] = fields
    return raw


def parse_json_items(text: str, *, name: str, jsonl: bool) -> Iterator[RawReport | FetchError]:
    """Each object with a text (or body) becomes a report; a bad line is one error."""
    if jsonl:
        items: list[tuple[str, object]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((f"{name} line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                items.append((f"{name} line {number}", FetchError(f"{name} line {number}: not JSON ({exc.msg})")))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FetchError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        data = data if isinstance(data, list) else [data]
        items = [(f"{name} item {i}", obj) for i, obj in enumerate(data, start=1)]
    for where, obj in items:
        if isinstance(obj, FetchError):
            yield obj
            continue
        if not isinstance(obj, dict):
            yield FetchError(f"{where}: expected an object with a text")
            continue
        body = obj.get("text") or obj.get("body") or ""
        if not isinstance(body, str) or not body.strip():
            yield FetchError(f"{where}: no text")
            continue
        fields = {k: v if isinstance(v, str) else str(v) for k, v in obj.items() if v is not None and k != "text"}
        item_origin = file_origin(f"{name}#{where.rsplit(' ', 1)[-1]}")
        raw = raw_from_fields(fields, body, origin=item_origin, file_name=name)
        raw.metadata["item"] = where
        yield raw


def read_path(path: Path, *, max_bytes: int) -> Iterator[RawReport | FetchError]:
    """Reports in one file. Yields FetchError values for bad items instead of stopping."""
    name = path.name
    data = read_limited(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        from reports.fetch.html import html_to_report

        raw = html_to_report(data, url="", what=name)
        raw.origin = raw.url or file_origin(name)
        raw.file_name = name
        yield raw
        return
    text = decode_bytes(data, name)
    if suffix in (".json", ".jsonl"):
        yield from parse_json_items(text, name=name, jsonl=suffix == ".jsonl")
        return
    yield parse_txt(text, name=name)


def folder_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files to ingest, files skipped) under a folder, in name order; hidden files ignored."""
    wanted: list[Path] = []
    skipped: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        (wanted if path.suffix.lower() in SUFFIXES else skipped).append(path)
    return wanted, skipped
