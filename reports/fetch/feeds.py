"""RSS and Atom feeds: the items they list (feedparser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fetch import FetchError


@dataclass(slots=True)
class FeedItem:
    link: str
    title: str
    published: dt.date | None
    entry_id: str
    summary_html: str  # the item's own content, used when the article page cannot be read


@dataclass(slots=True)
class ParsedFeed:
    title: str
    items: list[FeedItem]


def parse_feed(body: bytes, *, url: str) -> ParsedFeed:
    """Items of a feed. A feed that does not parse, or parses to nothing, is an error."""
    import feedparser

    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if parsed.get("bozo") and not entries:
        reason = parsed.get("bozo_exception")
        raise FetchError(f"{url}: malformed feed ({reason})" if reason else f"{url}: malformed feed")
    if not parsed.get("version") and not entries:
        raise FetchError(f"{url}: not an RSS or Atom feed")
    items: list[FeedItem] = []
    for entry in entries:
        link = (entry.get("link") or "").strip()
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
        content = ""
        if entry.get("content"):
            content = entry["content"][0].get("value") or ""
        content = content or entry.get("summary") or ""
        items.append(FeedItem(link=link, title=(entry.get("title") or "").strip(), published=published,
                              entry_id=(entry.get("id") or link), summary_html=content))
    if parsed.get("bozo") and not items:
        reason = parsed.get("bozo_exception")
        raise FetchError(f"{url}: malformed feed ({reason})" if reason else f"{url}: malformed feed")
    return ParsedFeed(title=(parsed.get("feed", {}).get("title") or "").strip(), items=items)
