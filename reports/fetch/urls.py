"""Fetching http(s) URLs: bounded in time and size, with errors a person can read."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from reports.fetch import FetchError, RawReport
from reports.fetch.files import check_size
from reports.fetch.guard import BlockedAddress, public_session

USER_AGENT = "Tidemark/1.0 (+https://github.com/tidemark; conflict-timeline research)"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


@dataclass(slots=True)
class Page:
    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    etag: str = ""
    modified: str = ""

    @property
    def looks_like_feed(self) -> bool:
        if any(t in self.content_type for t in _FEED_TYPES):
            return True
        head = self.body[:1024].lstrip().lower()
        if self.content_type.endswith("xml") or head.startswith(b"<?xml"):
            return b"<rss" in self.body[:4096].lower() or b"<feed" in self.body[:4096].lower() or b"<rdf" in head
        return head.startswith((b"<rss", b"<feed"))


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def fetch(url: str, *, timeout: float | None = None, max_bytes: int | None = None,
          etag: str = "", modified: str = "") -> Page:
    """GET a URL. Raises FetchError: transient for timeouts, connection errors and 5xx;
    permanent for 4xx and oversized bodies. A 304 returns an empty page."""
    timeout = timeout if timeout is not None else settings.TIDEMARK_FETCH_TIMEOUT_SECONDS
    max_bytes = max_bytes if max_bytes is not None else settings.TIDEMARK_MAX_REPORT_BYTES
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/xml,*/*;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        # Only public addresses, redirects included, unless configured (reports.fetch.guard).
        with public_session() as session, session.get(url, headers=headers, timeout=timeout, stream=True,
                                                      allow_redirects=True) as resp:
            if resp.status_code == 304:
                return Page(url, resp.url, 304, "", None, b"", etag, modified)
            if resp.status_code >= 400:
                reason = f"{resp.status_code} {resp.reason or ''}".strip()
                transient = resp.status_code >= 500 or resp.status_code == 429
                raise FetchError(f"{url} answered HTTP {reason}", transient=transient)
            length = resp.headers.get("Content-Length")
            if length and length.isdigit():
                check_size(int(length), max_bytes, url)
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_content(65536):
                total += len(chunk)
                check_size(total, max_bytes, url)
                chunks.append(chunk)
            content_type = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return Page(url, resp.url, resp.status_code, content_type, _charset(resp), b"".join(chunks),
                        resp.headers.get("ETag", ""), resp.headers.get("Last-Modified", ""))
    except BlockedAddress as exc:
        if exc.url == url:
            raise
        if is_url(exc.url):
            raise BlockedAddress(f"{url} redirected to {exc.message}", url=url) from None
        # Checked again on connecting: the name now resolves elsewhere (DNS rebinding).
        raise BlockedAddress(f"{url}: {exc.message}", url=url) from None
    except FetchError:
        raise
    except requests.Timeout:
        raise FetchError(f"{url} timed out after {timeout:g} s", transient=True) from None
    except requests.ConnectionError as exc:
        raise FetchError(f"{url} could not be reached ({_short(exc)})", transient=True) from None
    except requests.RequestException as exc:
        raise FetchError(f"{url} could not be fetched ({_short(exc)})") from None


def _charset(resp: requests.Response) -> str | None:
    content_type = resp.headers.get("Content-Type") or ""
    if "charset=" in content_type.lower():
        return content_type.lower().split("charset=")[-1].split(";")[0].strip() or None
    return None


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."


def page_to_report(page: Page) -> RawReport:
    """An article page (HTML, or plain text) as a report with the requested URL as origin."""
    from reports.fetch.files import decode_bytes, title_from_first_line
    from reports.fetch.html import html_to_report

    if page.content_type.startswith("text/plain"):
        text = decode_bytes(page.body, page.url, declared=page.charset)
        raw = RawReport(text=text, origin=page.url, url=page.url, title=title_from_first_line(text))
    else:
        raw = html_to_report(page.body, url=page.url, what=page.url, charset=page.charset)
        raw.origin = raw.url = page.url
    if page.final_url and page.final_url != page.url:
        raw.metadata["final_url"] = page.final_url
    return raw


def fetch_article(url: str) -> RawReport:
    return page_to_report(fetch(url))
