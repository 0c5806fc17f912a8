"""Flat shapes of the event feed record: CSV rows (ACLED-style columns) and GeoJSON
features. Built from `conflict.selectors.feed.event_feed_record`, so the API and the
exports say the same thing in every format.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CSV_COLUMNS = [
    "event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "location", "latitude",
    "longitude", "admin1", "source", "notes", "confidence", "status",
]
# ACLED's time_precision: 1 = the day is known, 2 = within a week or so, 3 = only the month (or wider).
TIME_PRECISION_CODES = {"day": 1, "week": 2, "month": 3, "year": 3, "unknown": ""}
NOTES_MAX_CHARS = 1000


def _name(value: dict | None) -> str:
    return (value or {}).get("name") or ""


def event_sources(record: dict[str, Any]) -> list[str]:
    """The distinct sources of an event's claims, outlet names first seen first
    (the report's origin when no outlet is known)."""
    seen: dict[str, None] = {}
    for claim in record.get("claims") or []:
        report = claim.get("report") or {}
        seen.setdefault(report.get("source") or report.get("file_name") or report.get("origin") or "", None)
    return [s for s in seen if s]


def event_csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row. event_date is the interval's first day; the interval itself, when
    wider than a day, is in notes along with the claims' quotes."""
    date = record.get("date") or {}
    start, end = date.get("start"), date.get("end")
    precision = date.get("precision") or "unknown"
    place = record.get("place") or {}
    notes: list[str] = []
    if start and end and start != end:
        notes.append(f"[date between {start} and {end}]")
    elif (start or end) and not (start and end):
        notes.append(f"[date {'after ' + start if start else 'before ' + end}]")
    for claim in record.get("claims") or []:
        quote = " ".join((claim.get("quote") or "").split())
        if quote:
            notes.append(quote)
    note = " | ".join(notes)
    if len(note) > NOTES_MAX_CHARS:
        note = note[: NOTES_MAX_CHARS - 1] + "\u2026"
    return {
        "event_id": record.get("id"),
        "event_date": start or end or "",
        "time_precision": TIME_PRECISION_CODES.get(precision, ""),
        "event_type": record.get("type") or "",
        "actor1": _name(record.get("actor1")),
        "actor2": _name(record.get("actor2")),
        "location": place.get("name") or "",
        "latitude": "" if place.get("lat") is None else place.get("lat"),
        "longitude": "" if place.get("lon") is None else place.get("lon"),
        "admin1": place.get("admin1") or "",
        "source": "; ".join(event_sources(record)),
        "notes": note,
        "confidence": record.get("confidence"),
        "status": record.get("status") or "",
    }


def event_geojson_feature(record: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature: the place's point (null geometry for a place with no
    coordinates yet, e.g. a proposed one) and the whole feed record as properties."""
    place = record.get("place") or {}
    lat, lon = place.get("lat"), place.get("lon")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {"type": "Feature", "id": record.get("id"), "geometry": geometry, "properties": record}


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
