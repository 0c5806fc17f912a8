"""HTML pages reduced to their article text (trafilatura), with the page's metadata."""

from __future__ import annotations

import re

from reports.fetch import FetchError, RawReport
from reports.fetch.files import decode_bytes, parse_date, title_from_first_line

_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)
# Shorter than this, what trafilatura found is navigation or a cookie banner, not an article.
MIN_ARTICLE_CHARS = 80


def html_to_report(data: bytes | str, *, url: str = "", what: str = "the page",
                   charset: str | None = None) -> RawReport:
    import trafilatura

    if isinstance(data, bytes):
        if charset is None:
            m = _CHARSET.search(data[:4096])
            charset = m.group(1).decode("ascii") if m else None
        html = decode_bytes(data, what, declared=charset)
    else:
        html = data
    if not html.strip():
        raise FetchError(f"{what} is empty")
    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None:
        raise FetchError(f"{what}: no article text found in the HTML")
    info = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (info.get("text") or "").strip()
    if len(text) < MIN_ARTICLE_CHARS:
        raise FetchError(f"{what}: no article text found in the HTML")
    raw = RawReport(text=text, origin=url, url=url)
    raw.title = (info.get("title") or "").strip() or title_from_first_line(text)
    raw.outlet = (info.get("sitename") or "").strip()
    raw.author = (info.get("author") or "").strip()[:300]
    raw.language = (info.get("language") or "").strip().lower()[:12]
    page_url = (info.get("url") or "").strip()
    if not url and page_url.startswith(("http://", "https://")):
        raw.url = raw.origin = page_url
    if info.get("date"):
        raw.published = parse_date(str(info["date"]))
    raw.metadata["extracted_from"] = "html"
    return raw
