"""The event feed of domain.md: one shape for the API, the exports and the scorer."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from conflict.models import Actor, Claim, ControlPeriod, Event, Place


def events_for_feed(queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events with everything the feed record needs, in a fixed number of queries."""
    qs = queryset if queryset is not None else Event.objects.filter(merged_into__isnull=True)
    claims = Claim.objects.select_related("report", "report__source").order_by("report_id", "span_start")
    return qs.select_related("place", "actor1", "actor2").prefetch_related(Prefetch("claims", queryset=claims))


def place_record(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "id": place.id,
        "name": place.name,
        "slug": place.slug,
        "kind": place.kind,
        "lat": place.lat,
        "lon": place.lon,
        "admin1": place.admin1,
        "status": place.status,
    }


def actor_record(actor: Actor | None) -> dict[str, Any] | None:
    if actor is None:
        return None
    return {"id": actor.id, "name": actor.name}


def claim_record(claim: Claim) -> dict[str, Any]:
    report = claim.report
    return {
        "id": claim.id,
        "type": claim.type,
        "report": {
            "id": report.id,
            "origin": report.origin,
            "file_name": report.file_name,
            "title": report.title,
            "published": report.published.isoformat() if report.published else None,
            "source": report.source.name if report.source_id else None,
        },
        "quote": claim.quote,
        "span": [claim.span_start, claim.span_end],
        "date": claim.date.to_json(),
        "speaker": claim.speaker,
        "tagger_version": claim.tagger_version,
        "flags": claim.flags,
    }


def event_feed_record(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "status": event.status,
        "date": event.date.to_json(),
        "place": place_record(event.place),
        "actor1": actor_record(event.actor1),
        "actor2": actor_record(event.actor2),
        "confidence": event.confidence,
        "claims": [claim_record(c) for c in event.claims.all()],
        "disagreements": event.disagreements,
        "flags": event.flags,
        "casualties": event.casualties,
        "merged_into": event.merged_into_id,
        "updated_at": event.updated_at.isoformat().replace("+00:00", "Z"),
    }


def control_feed_record(period: ControlPeriod) -> dict[str, Any]:
    return {
        "place": {"id": period.place_id, "name": period.place.name},
        "holder": actor_record(period.holder),
        "state": period.state,
        "start": period.start.to_json() if period.start else None,
        "end": period.end.to_json() if period.end else None,
        "confidence": period.confidence,
        "events": [e.id for e in period.events.all()],
        "alternatives": period.alternatives,
    }
