import pytest

from reports.fetch import FetchError
from reports.models import Feed, Report
from reports.services import feed_add, feed_poll
from reports.tests.test_fetch_urls import ARTICLE_HTML, RSS

ARTICLE_2 = ARTICLE_HTML.replace("SDF take Hajin", "ISIS retakes Baghuz").replace(
    "captured the town of Hajin from ISIS", "lost the village of Baghuz Fawqani to ISIS")


@pytest.fixture
def feed_site(site):
    site.add("/feed.xml", RSS.format(base=site.base), content_type="application/rss+xml", ETag='"v1"')
    site.add("/a1", ARTICLE_HTML)
    site.add("/a2", ARTICLE_2)
    return site


@pytest.mark.django_db(transaction=False)
def test_beat_polls_registered_feeds_and_an_item_is_ingested_once(feed_site, eager, tagger,
                                                                   django_capture_on_commit_callbacks):
    from reports.tasks import feeds_poll

    feed = feed_add(url=feed_site.url("/feed.xml"), outlet="Levant Desk")
    Feed.objects.create(url=feed_site.url("/inactive.xml"), active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert feeds_poll.delay().get() == 1  # only the active feed
    reports = Report.objects.filter(metadata__feed_id=feed.pk).order_by("origin")
    assert [r.origin for r in reports] == [feed_site.url("/a1"), feed_site.url("/a2")]
    assert all(r.status == "tagged" for r in reports)
    assert reports[0].published.isoformat() == "2018-12-14"
    assert reports[0].source.name == "Levant Desk"
    feed.refresh_from_db()
    assert feed.last_polled_at is not None and feed.etag == '"v1"' and feed.last_error == ""
    assert "/inactive.xml" not in feed_site.hits

    with django_capture_on_commit_callbacks(execute=True):
        feeds_poll.delay().get()
    assert Report.objects.filter(metadata__feed_id=feed.pk).count() == 2
    assert feed_site.hits["/a1"] == 1 and feed_site.hits["/a2"] == 1
    assert feed_site.hits["/feed.xml"] == 2


@pytest.mark.django_db
def test_a_feed_item_whose_page_fails_is_kept_failed_and_not_fetched_again_by_the_next_poll(feed_site):
    feed_site.routes.pop("/a2")
    feed = feed_add(url=feed_site.url("/feed.xml"))
    results = feed_poll(feed_id=feed.pk, queue_tagging=False)
    assert sorted(r.outcome for r in results) == ["created", "failed"]
    failed = Report.objects.get(origin=feed_site.url("/a2"))
    assert failed.status == "failed" and "HTTP 404" in failed.error
    assert feed_poll(feed_id=feed.pk, queue_tagging=False) == []
    assert feed_site.hits["/a2"] == 1


@pytest.mark.django_db
def test_a_malformed_feed_is_recorded_on_the_feed(site):
    url = site.add("/bad.xml", b"<?xml version='1.0'?><rss><channel><item><title>x", content_type="application/rss+xml")
    feed = feed_add(url=url)
    assert feed_poll(feed_id=feed.pk) == []
    feed.refresh_from_db()
    assert "malformed feed" in feed.last_error
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_feed_that_times_out_raises_a_transient_error_for_the_task_to_retry(site, settings):
    settings.TIDEMARK_FETCH_TIMEOUT_SECONDS = 1
    feed = feed_add(url=site.add("/slow.xml", RSS.format(base=site.base), delay=3))
    with pytest.raises(FetchError) as err:
        feed_poll(feed_id=feed.pk)
    assert err.value.transient
    feed.refresh_from_db()
    assert "timed out after 1 s" in feed.last_error
