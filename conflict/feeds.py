"""Atom feeds of newly reviewed events, overall and per place (Django's syndication)."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from conflict.dates import format_interval
from conflict.models import Event, Place
from conflict.selectors.api import events_recently_reviewed, place_by_slug


class ReviewedEventsFeed(Feed):
    feed_type = Atom1Feed
    title = "Tidemark: newly reviewed events"
    subtitle = "Events an editor has accepted or corrected, newest first."

    def link(self) -> str:
        return reverse("api:event-list")

    def items(self) -> list[Event]:
        return events_recently_reviewed()

    def item_title(self, item: Event) -> str:
        actors = " vs ".join(a.name for a in (item.actor1, item.actor2) if a is not None)
        title = f"{item.type.capitalize()} at {item.place.name}, {format_interval(item.date)}"
        return f"{title} ({actors})" if actors else title

    def item_description(self, item: Event) -> str:
        return (f"{item.type} at {item.place.name} ({item.place.admin1 or 'unknown governorate'}), "
                f"{format_interval(item.date)}; confidence {item.confidence:.2f}")

    def item_link(self, item: Event) -> str:
        return reverse("api:event-detail", args=[item.pk])

    def item_guid(self, item: Event) -> str:
        return f"tidemark:event:{item.pk}:v{item.version}"

    item_guid_is_permalink = False

    def item_updateddate(self, item: Event) -> dt.datetime:
        return item.reviewed_at or item.updated_at

    def item_pubdate(self, item: Event) -> dt.datetime:
        return item.reviewed_at or item.updated_at


class PlaceReviewedEventsFeed(ReviewedEventsFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Place:
        place = place_by_slug(slug)
        if place is None:
            raise Http404(f"no place {slug}")
        return place

    def title(self, obj: Place) -> str:  # type: ignore[override]
        return f"Tidemark: newly reviewed events at {obj.name}"

    def link(self, obj: Place) -> str:  # type: ignore[override]
        return reverse("api:event-list") + f"?place={obj.pk}"

    def items(self, obj: Place) -> list[Event]:  # type: ignore[override]
        return events_recently_reviewed(place=obj)
