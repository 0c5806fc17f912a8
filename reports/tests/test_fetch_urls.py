import pytest

from reports.fetch import FetchError
from reports.fetch.feeds import parse_feed
from reports.fetch.html import html_to_report
from reports.fetch.urls import fetch, fetch_article

ARTICLE_BODY = (
    "The Syrian Democratic Forces captured the town of Hajin from ISIS on Thursday, a spokesman said. "
    "Fighting continued on the edges of the town, where the militants still held a few streets. "
    "Coalition aircraft struck positions around the town many times during the day."
)
ARTICLE_HTML = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>SDF take Hajin | Levant Desk</title>
<meta property="og:site_name" content="Levant Desk">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2018-12-14T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>SDF take Hajin</h1><p>{ARTICLE_BODY}</p>
<p>Residents who fled the town last week said they had heard heavy shelling through the night.</p></article>
<footer>Copyright Levant Desk. Subscribe to our newsletter.</footer>
</body></html>"""
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Levant Desk</title><link>{base}/</link><description>news</description>
<item><title>SDF take Hajin</title><link>{base}/a1</link><guid>a1</guid>
<pubDate>Fri, 14 Dec 2018 08:00:00 GMT</pubDate></item>
<item><title>ISIS retakes Baghuz</title><link>{base}/a2</link><guid>a2</guid>
<pubDate>Sat, 10 Nov 2018 08:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_html_is_reduced_to_its_article_text_with_metadata():
    raw = html_to_report(ARTICLE_HTML.encode(), url="https://levant.example/a1")
    assert ARTICLE_BODY[:80] in raw.text
    assert "Subscribe to our newsletter" not in raw.text
    assert "Home" not in raw.text.split("\n")[0]
    assert raw.title.startswith("SDF take Hajin")
    assert raw.published is not None and raw.published.isoformat() == "2018-12-14"
    assert raw.origin == "https://levant.example/a1"


def test_html_with_no_article_is_refused():
    with pytest.raises(FetchError, match="no article text found"):
        html_to_report(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", what="empty.html")


def test_an_article_url_is_fetched_and_extracted(site):
    url = site.add("/a1", ARTICLE_HTML)
    raw = fetch_article(url)
    assert raw.origin == url
    assert ARTICLE_BODY[:60] in raw.text


def test_a_404_is_a_permanent_error(site):
    with pytest.raises(FetchError) as err:
        fetch(site.url("/missing"))
    assert "answered HTTP 404" in err.value.message
    assert not err.value.transient


def test_a_500_is_a_transient_error(site):
    url = site.add("/broken", "oops", status=500)
    with pytest.raises(FetchError) as err:
        fetch(url)
    assert "answered HTTP 500" in err.value.message
    assert err.value.transient


def test_a_url_that_times_out_is_a_transient_error(site):
    url = site.add("/slow", ARTICLE_HTML, delay=3)
    with pytest.raises(FetchError) as err:
        fetch(url, timeout=0.5)
    assert err.value.message == f"{url} timed out after 0.5 s"
    assert err.value.transient


def test_a_body_over_the_limit_is_refused_while_streaming(site):
    url = site.add("/big", b"x" * 200_000, content_type="text/plain")
    with pytest.raises(FetchError, match=r"over the limit of 100000 bytes"):
        fetch(url, max_bytes=100_000)


def test_an_unreachable_host_is_a_transient_error(settings):
    settings.TIDEMARK_FETCH_ALLOW_PRIVATE = True
    with pytest.raises(FetchError) as err:
        fetch("http://127.0.0.1:9/nothing-listens-here", timeout=2)
    assert err.value.transient
    assert "could not be reached" in err.value.message


def test_a_feed_is_recognised_and_its_items_listed(site):
    url = site.add("/feed.xml", RSS.format(base=site.base), content_type="application/rss+xml")
    page = fetch(url)
    assert page.looks_like_feed
    feed = parse_feed(page.body, url=url)
    assert feed.title == "Levant Desk"
    assert [i.link for i in feed.items] == [site.url("/a1"), site.url("/a2")]
    assert feed.items[0].published.isoformat() == "2018-12-14"


def test_a_malformed_feed_is_an_error():
    with pytest.raises(FetchError, match="malformed feed|not an RSS or Atom feed"):
        parse_feed(b"<?xml version='1.0'?><rss><channel><item><title>broken", url="http://x/feed")


def test_an_html_page_is_not_taken_for_a_feed(site):
    url = site.add("/a1", ARTICLE_HTML)
    assert not fetch(url).looks_like_feed
