"""Geometry for the server-rendered SVG charts: the control band of a town and the overview map.

Only numbers and labels come out of here; the templates draw them. Nothing is fetched
from anywhere but the app, so the charts work offline and print.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString

from conflict.dates import DateInterval, format_interval
from conflict.models import ControlPeriod

UNKNOWN_COLOR = "#b8b8b8"
BAND_WIDTH = 1000.0
MAP_WIDTH = 600.0
MAP_HEIGHT = 420.0
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class BandSegment:
    x: float
    width: float
    color: str
    holder: str
    state: str
    hatched: bool
    label: str
    period_index: int


@dataclass
class BandEdge:
    """An uncertain boundary: drawn as a gradient between the colours either side."""

    x: float
    width: float
    color_from: str
    color_to: str
    gradient_id: str
    label: str


@dataclass
class BandTick:
    x: float
    label: str


@dataclass
class BandChart:
    width: float
    segments: list[BandSegment] = field(default_factory=list)
    edges: list[BandEdge] = field(default_factory=list)
    ticks: list[BandTick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None
    period_count: int = 0

    @property
    def empty(self) -> bool:
        return self.period_count == 0


def _color(period: ControlPeriod) -> str:
    return (period.holder.color if period.holder and period.holder.color else UNKNOWN_COLOR)


def _lo(b: DateInterval | None) -> dt.date | None:
    return None if b is None else (b.start or b.end)


def _hi(b: DateInterval | None) -> dt.date | None:
    return None if b is None else (b.end or b.start)


def period_label(period: ControlPeriod, start: DateInterval | None = None, end: DateInterval | None = None) -> str:
    start, end = start or period.start, end or period.end
    holder = period.holder.name if period.holder else "holder unknown"
    start = format_interval(start) if start else "before the first report"
    end = format_interval(end) if end else "now"
    state = "" if period.state == ControlPeriod.State.HELD else f", {period.state}"
    return f"{holder}{state}: from {start} until {end}"


def band_chart(periods: Sequence[ControlPeriod], *, today: dt.date | None = None) -> BandChart:
    """Where each period sits on a time axis spanning every boundary the reports give."""
    chart = BandChart(width=BAND_WIDTH, period_count=len(periods))
    if not periods:
        return chart
    bounds = [(p.start, p.end) for p in periods]
    known = [d for pair in bounds for b in pair for d in (_lo(b), _hi(b)) if d]
    if known:
        first, last = min(known), max(known)
    else:
        first = last = today or dt.date.today()
    span = max((last - first).days, 60)
    pad = dt.timedelta(days=max(span // 12, 30))
    t0, t1 = first - pad, last + pad
    total = (t1 - t0).days or 1

    def x(day: dt.date | None, default: float) -> float:
        if day is None:
            return default
        return round(min(max((day - t0).days / total, 0.0), 1.0) * BAND_WIDTH, 2)

    chart.first, chart.last = t0, t1
    seen: dict[str, str] = {}
    for i, period in enumerate(periods):
        start, end = bounds[i]
        solid_from = x(_hi(start), 0.0)
        solid_to = x(_lo(end), BAND_WIDTH)
        if period.state != ControlPeriod.State.HELD and solid_to - solid_from < 4:
            # A day of fighting on a years-long axis still shows.
            solid_to = min(solid_from + 4, BAND_WIDTH)
        if solid_to < solid_from:
            solid_to = solid_from
        holder = period.holder.name if period.holder else "Unknown"
        seen.setdefault(holder, _color(period))
        chart.segments.append(BandSegment(
            x=solid_from, width=round(solid_to - solid_from, 2), color=_color(period), holder=holder,
            state=period.state, hatched=period.state != ControlPeriod.State.HELD,
            label=period_label(period, start, end), period_index=i,
        ))
        if end is not None and i + 1 < len(periods):
            edge_from, edge_to = x(_lo(end), 0.0), x(_hi(end), BAND_WIDTH)
            if edge_to - edge_from > 0.5:
                chart.edges.append(BandEdge(
                    x=edge_from, width=round(edge_to - edge_from, 2), color_from=_color(period),
                    color_to=_color(periods[i + 1]), gradient_id=f"edge-{i}",
                    label=f"change between {format_interval(end)}",
                ))
    if total < 900:
        # A short history gets month ticks, a long one year ticks.
        months = []
        day = dt.date(t0.year, t0.month, 1)
        while day <= t1:
            if day > t0:
                months.append(day)
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        step = max(1, len(months) // 8)
        for day in months[::step]:
            chart.ticks.append(BandTick(x=x(day, 0.0), label=day.strftime("%b %Y")))
    else:
        years = range(t0.year + 1, t1.year + 1)
        step = max(1, len(years) // 10)
        for year in list(years)[::step]:
            chart.ticks.append(BandTick(x=x(dt.date(year, 1, 1), 0.0), label=str(year)))
    chart.legend = sorted(seen.items())
    return chart


@dataclass
class MapPoint:
    x: float
    y: float
    name: str
    slug: str
    color: str
    holder: str
    state: str


@dataclass
class MapChart:
    width: float
    height: float
    points: list[MapPoint]
    legend: list[tuple[str, str]]
    # Whole-degree lines for orientation: (x or y, label).
    meridians: list[tuple[float, str]] = field(default_factory=list)
    parallels: list[tuple[float, str]] = field(default_factory=list)


def overview_map(rows: Sequence[tuple]) -> MapChart:
    """Places on their coordinates (equirectangular, fitted to the places shown).

    rows: (name, slug, lat, lon, holder name or None, holder colour, state).
    """
    located = [r for r in rows if r[2] is not None and r[3] is not None]
    if not located:
        return MapChart(MAP_WIDTH, MAP_HEIGHT, [], [])
    lats = [r[2] for r in located]
    lons = [r[3] for r in located]
    lat0, lat1 = min(lats) - 0.1, max(lats) + 0.1
    lon0, lon1 = min(lons) - 0.1, max(lons) + 0.1
    sx = (MAP_WIDTH - 20) / max(lon1 - lon0, 0.01)
    sy = (MAP_HEIGHT - 20) / max(lat1 - lat0, 0.01)
    scale = min(sx, sy)
    points = []
    legend: dict[str, str] = {}
    for name, slug, lat, lon, holder, color, state in located:
        colour = color or UNKNOWN_COLOR
        label = holder or "Unknown"
        legend.setdefault(label, colour)
        points.append(MapPoint(
            x=round(10 + (lon - lon0) * scale, 1), y=round(10 + (lat1 - lat) * scale, 1), name=name, slug=slug,
            color=colour, holder=label, state=state or "held",
        ))
    meridians = [(round(10 + (lon - lon0) * scale, 1), f"{lon}°E")
                 for lon in range(int(lon0) + 1, int(lon1) + 1)]
    parallels = [(round(10 + (lat1 - lat) * scale, 1), f"{lat}°N")
                 for lat in range(int(lat0) + 1, int(lat1) + 1)]
    return MapChart(MAP_WIDTH, MAP_HEIGHT, points, sorted(legend.items()), meridians, parallels)


def band_svg(chart: BandChart, *, title: str) -> SafeString:
    """The band as SVG markup. Built here rather than in a template because a busy town has
    a thousand periods; every label is escaped and every colour checked."""
    parts: list[str] = [
        f'<svg viewBox="0 0 {chart.width:g} 64" preserveAspectRatio="none" role="img" aria-labelledby="band-title"'
        ' class="band-svg" data-testid="control-band">',
        f'<title id="band-title">{escape(title)}</title><defs>'
        '<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="transparent"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#fff" stroke-width="3" stroke-opacity="0.75"/></pattern>',
    ]
    for e in chart.edges:
        parts.append(f'<linearGradient id="{e.gradient_id}"><stop offset="0" stop-color="{_safe(e.color_from)}"/>'
                     f'<stop offset="1" stop-color="{_safe(e.color_to)}"/></linearGradient>')
    parts.append("</defs>")
    for s in chart.segments:
        label = escape(s.label)
        parts.append(
            f'<g class="band-seg" data-holder="{escape(s.holder)}" data-state="{escape(s.state)}">'
            f'<rect x="{s.x:g}" y="4" width="{s.width:g}" height="36" fill="{_safe(s.color)}">'
            f"<title>{label}</title></rect>"
        )
        if s.hatched:
            parts.append(f'<rect x="{s.x:g}" y="4" width="{s.width:g}" height="36" fill="url(#hatch)" class="hatch">'
                         f"<title>{label}</title></rect>")
        parts.append("</g>")
    for e in chart.edges:
        parts.append(f'<rect x="{e.x:g}" y="4" width="{e.width:g}" height="36" fill="url(#{e.gradient_id})" '
                     f'class="band-edge"><title>{escape(e.label)}</title></rect>')
    parts.append(f'<line x1="0" y1="44" x2="{chart.width:g}" y2="44" class="axis"/>')
    for t in chart.ticks:
        parts.append(f'<line x1="{t.x:g}" y1="42" x2="{t.x:g}" y2="48" class="axis"/>'
                     f'<text x="{t.x:g}" y="60" class="tick">{escape(t.label)}</text>')
    parts.append("</svg>")
    return SafeString("".join(parts))


def _safe(color: str) -> str:
    return color if _HEX.match(color or "") else UNKNOWN_COLOR


def map_svg(chart: MapChart) -> SafeString:
    """The overview map as SVG markup (thousands of points: built here, not in a template loop)."""
    parts = [
        f'<svg viewBox="0 0 {chart.width:g} {chart.height:g}" role="img" aria-labelledby="map-title map-desc" '
        'class="map-svg"><title id="map-title">Places and who holds them now</title>'
        f'<desc id="map-desc">{len(chart.points)} places drawn on their coordinates, each coloured by its current '
        f'holder.</desc><rect width="{chart.width:g}" height="{chart.height:g}" class="map-bg"/>'
    ]
    for x, label in chart.meridians:
        parts.append(f'<line x1="{x:g}" y1="0" x2="{x:g}" y2="{chart.height:g}" class="grid"/>'
                     f'<text x="{x + 3:g}" y="{chart.height - 4:g}" class="grid-label">{escape(label)}</text>')
    for y, label in chart.parallels:
        parts.append(f'<line x1="0" y1="{y:g}" x2="{chart.width:g}" y2="{y:g}" class="grid"/>'
                     f'<text x="4" y="{y - 3:g}" class="grid-label">{escape(label)}</text>')
    named = len(chart.points) <= 40
    for pt in chart.points:
        unsettled = pt.state != "held"
        note = f" ({escape(pt.state)})" if unsettled else ""
        css = ' class="unsettled"' if unsettled else ""
        parts.append(
            f'<a href="/places/{escape(pt.slug)}/"><circle cx="{pt.x:g}" cy="{pt.y:g}" r="4" fill="{_safe(pt.color)}"'
            f"{css}><title>{escape(pt.name)}: {escape(pt.holder)}{note}"
            "</title></circle>"
            + (f'<text x="{pt.x + 6:g}" y="{pt.y + 4:g}" class="place-label">{escape(pt.name)}</text>' if named else "")
            + "</a>"
        )
    parts.append("</svg>")
    return SafeString("".join(parts))
