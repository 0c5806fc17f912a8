"""The one date value used everywhere: an interval with a precision.

Pure Python (no Django), so the tagger, the services, the API and the templates
share it. Reports rarely give one exact day; an interval says what they support
and nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

PRECISIONS = ("day", "week", "month", "year", "unknown")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class DateInterval:
    start: dt.date | None = None
    end: dt.date | None = None
    precision: str = "unknown"

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown date precision {self.precision!r}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"date interval starts after it ends: {self.start} > {self.end}")

    @classmethod
    def unknown(cls) -> DateInterval:
        return cls(None, None, "unknown")

    @classmethod
    def day(cls, day: dt.date) -> DateInterval:
        return cls(day, day, "day")

    @classmethod
    def month(cls, year: int, month: int) -> DateInterval:
        first = dt.date(year, month, 1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return cls(first, last, "month")

    @classmethod
    def year(cls, year: int) -> DateInterval:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DateInterval:
        if not data:
            return cls.unknown()
        start, end = data.get("start"), data.get("end")
        return cls(
            dt.date.fromisoformat(start) if start else None,
            dt.date.fromisoformat(end) if end else None,
            data.get("precision") or ("unknown" if not (start or end) else "day"),
        )

    @property
    def is_known(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def width_days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def overlaps(self, other: DateInterval) -> bool:
        """Unknown bounds are open: an unknown date contradicts nothing."""
        if self.end is not None and other.start is not None and self.end < other.start:
            return False
        if self.start is not None and other.end is not None and self.start > other.end:
            return False
        return True

    def intersect(self, other: DateInterval) -> DateInterval | None:
        if not self.overlaps(other):
            return None
        starts = [d for d in (self.start, other.start) if d]
        ends = [d for d in (self.end, other.end) if d]
        start = max(starts) if starts else None
        end = min(ends) if ends else None
        precision = _finer(self.precision, other.precision)
        return DateInterval(start, end, precision)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "precision": self.precision,
        }

    def __str__(self) -> str:
        return format_interval(self)


def _finer(a: str, b: str) -> str:
    return a if PRECISIONS.index(a) <= PRECISIONS.index(b) else b


def format_interval(interval: DateInterval | None) -> str:
    """How a person reads a date interval: "13-14 Dec 2018", "Nov 2018", "date unknown"."""
    if interval is None or not interval.is_known:
        return "date unknown"
    start, end = interval.start, interval.end
    if start is None:
        return f"before {_day(end)}"
    if end is None:
        return f"after {_day(start)}"
    if start == end:
        return _day(start)
    if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        return str(start.year)
    if start.day == 1 and DateInterval.month(start.year, start.month).end == end:
        return f"{_MONTH_ABBR[start.month - 1]} {start.year}"
    if start.year == end.year and start.month == end.month:
        return f"{start.day}-{end.day} {_MONTH_ABBR[start.month - 1]} {start.year}"
    if start.year == end.year:
        return f"{start.day} {_MONTH_ABBR[start.month - 1]} - {_day(end)}"
    return f"{_day(start)} - {_day(end)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"
