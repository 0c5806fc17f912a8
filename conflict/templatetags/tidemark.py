"""Formatting for the public pages: dates the way a person reads them, confidence, colours."""

from __future__ import annotations

import re
from typing import Any

from django import template

from conflict.dates import DateInterval, format_interval

register = template.Library()
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@register.filter
def interval(value: DateInterval | dict | None) -> str:
    """"13-14 Dec 2018", "Nov 2018", "date unknown"."""
    if isinstance(value, dict):
        value = DateInterval.from_json(value)
    return format_interval(value)


@register.filter
def bound(value: DateInterval | None, side: str = "start") -> str:
    """A period boundary: no start means before the first report, no end means still current."""
    if value is None:
        return "before the first report" if side == "start" else "now"
    return format_interval(value)


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(float(value) * 100)}%"


@register.filter
def safe_color(value: str | None, default: str = "#b8b8b8") -> str:
    """Only a #rrggbb colour reaches a style or SVG attribute."""
    return value if value and _HEX.match(value) else default


@register.filter
def field_label(value: str) -> str:
    return {"actor1": "acting side", "actor2": "side acted on", "date": "date"}.get(value, value)


@register.simple_tag
def qs_with(query: str, **kwargs: Any) -> str:
    """The current filter query string with some parameters replaced (pagination links)."""
    from django.http import QueryDict

    q = QueryDict(query, mutable=True)
    for key, val in kwargs.items():
        q[key] = val
    return q.urlencode()
