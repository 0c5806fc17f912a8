"""manage.py add_feed URL [--outlet NAME]: register an RSS/Atom feed for Celery beat to poll."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.fetch.urls import is_url
from reports.services import feed_add, feed_poll


class Command(BaseCommand):
    help = "Register a feed polled by Celery beat (reports.tasks.feeds_poll); --poll fetches it once now."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--title", default="")
        parser.add_argument("--outlet", default="", help="the outlet its reports come from")
        parser.add_argument("--poll", action="store_true", help="poll it once now, in this process")

    def handle(self, *args, url, title, outlet, poll, **options):
        if not is_url(url):
            raise CommandError(f"{url!r} is not an http(s) URL")
        feed = feed_add(url=url, title=title, outlet=outlet)
        self.stdout.write(f"Feed {feed.pk}: {feed.url}")
        if poll:
            results = feed_poll(feed_id=feed.pk, queue_tagging=True)
            self.stdout.write(f"  {sum(r.outcome == 'created' for r in results)} new reports")
