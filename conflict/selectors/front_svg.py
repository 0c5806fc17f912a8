"""The front map as SVG: places on an equirectangular projection fitted to the places shown,
with the Euphrates for orientation (data/geography/, traced from the gazetteer).

Built as a string rather than in a template: a synthetic history has 5,000 places.
Everything that matters is drawn with SVG presentation attributes (fill, stroke, opacity),
not CSS, so the downloaded file looks the same on its own as on the page, and the page
needs no inline style. Labels are escaped; colours are checked by the selector.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString

from conflict.dates import format_interval
from conflict.selectors.front import FrontView, PlaceControl

WIDTH = 800.0
# The stdlib's escape: Django's (lazy-aware, SafeString-returning) costs several times more per call.
_esc = functools.partial(html.escape, quote=True)
HEIGHT = 560.0
MARGIN = 28.0
LABELS_MAX = 40
RING_COLOR = "#a11d1d"
CHANGED_COLOR = "#d4006a"
RIVER_COLOR = "#7fb2d9"
GEOGRAPHY_DIR = Path(settings.BASE_DIR) / "data" / "geography"
ATTRIBUTION = ("Places: GeoNames (CC BY 4.0), Wikipedia (CC BY-SA 4.0). Euphrates traced from the gazetteer "
               "(approximate, CC BY-SA 4.0).")


@functools.cache
def river_lines() -> tuple[tuple[tuple[float, float], ...], ...]:
    """The river polylines (lon, lat) of data/geography/, read once per process."""
    lines = []
    for path in sorted(GEOGRAPHY_DIR.glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data.get("features", []):
            geometry = feature.get("geometry") or {}
            if (feature.get("properties") or {}).get("kind") == "river" and geometry.get("type") == "LineString":
                lines.append(tuple((float(x), float(y)) for x, y in geometry["coordinates"]))
    return tuple(lines)


@dataclass(frozen=True)
class Projection:
    """Equirectangular, longitudes shrunk by the cosine of the middle latitude, fitted to a box."""

    lon0: float
    lat1: float
    kx: float
    scale: float
    dx: float
    dy: float

    @classmethod
    def fit(cls, points: Sequence[tuple[float, float]], width: float = WIDTH, height: float = HEIGHT) -> Projection:
        lons = [p[0] for p in points] or [40.0]
        lats = [p[1] for p in points] or [35.0]
        # A lone town gets a few tens of kilometres around it rather than an infinite zoom.
        pad = 0.05
        lon0, lon1 = min(lons) - pad, max(lons) + pad
        lat0, lat1 = min(lats) - pad, max(lats) + pad
        if lon1 - lon0 < 0.4:
            mid = (lon0 + lon1) / 2
            lon0, lon1 = mid - 0.2, mid + 0.2
        if lat1 - lat0 < 0.3:
            mid = (lat0 + lat1) / 2
            lat0, lat1 = mid - 0.15, mid + 0.15
        kx = math.cos(math.radians((lat0 + lat1) / 2))
        inner_w, inner_h = width - 2 * MARGIN, height - 2 * MARGIN
        scale = min(inner_w / ((lon1 - lon0) * kx), inner_h / (lat1 - lat0))
        dx = MARGIN + (inner_w - (lon1 - lon0) * kx * scale) / 2
        dy = MARGIN + (inner_h - (lat1 - lat0) * scale) / 2
        return cls(lon0, lat1, kx, scale, dx, dy)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round(self.dx + (lon - self.lon0) * self.kx * self.scale, 1),
                round(self.dy + (self.lat1 - lat) * self.scale, 1))

    def lon_at(self, x: float) -> float:
        return self.lon0 + (x - self.dx) / (self.kx * self.scale)

    def lat_at(self, y: float) -> float:
        return self.lat1 - (y - self.dy) / self.scale


def _radius(kind: str, many: bool) -> float:
    big = kind in ("city", "town")
    if many:
        return 3.0 if big else 2.2
    return 6.0 if big else 4.5


def _title(p: PlaceControl, at: dt.date, at_label: str, other: PlaceControl | None, compare_label: str) -> str:
    state = "" if p.state == "held" else f", {p.state}"
    text = f"{p.name}: {p.holder_label}{state} on {at_label}"
    if p.uncertain:
        start = p.start
        inside = start and (start.start or dt.date.min) <= at <= (start.end or dt.date.max)
        bound = start if inside else p.end
        text += f" (holder uncertain: the change fell between {format_interval(bound)})" if bound else " (uncertain)"
    if compare_label:
        text += f"; {other.holder_label if other else 'no data'} on {compare_label}"
    return text


def front_svg(view: FrontView, *, standalone: bool = False) -> SafeString:
    """The map of a FrontView. `standalone` adds the XML namespace, a heading and a legend,
    for the downloaded file."""
    places = view.located
    projection = Projection.fit([(p.lon, p.lat) for p in places])  # type: ignore[misc]
    many = len(places) > 400
    changed = view.changed_ids
    other = {r[0]: r for r in view.compare_places.rows()} if view.compare_places is not None else {}
    legend = view.legend()
    legend_rows = (len(legend) + 3) // 4 + 1 if standalone else 0
    top = 36.0 if standalone else 0.0
    height = HEIGHT + top + (legend_rows * 18 + 34 if standalone else 0)
    day = f"{view.at:%-d %B %Y}"
    parts = [
        f'<svg viewBox="0 0 {WIDTH:g} {height:g}" role="img" aria-labelledby="fm-title fm-desc" class="front-svg" '
        f'data-testid="front-map" data-at="{view.at.isoformat()}"'
        + (f' xmlns="http://www.w3.org/2000/svg" width="{WIDTH:g}" height="{height:g}" '
           'font-family="sans-serif"' if standalone else "")
        + ">",
        f'<title id="fm-title">Who held what on {day}</title>'
        f'<desc id="fm-desc">{len(places)} places drawn on their coordinates, each coloured by its holder on '
        f"{day}; contested places hatched, besieged places ringed, places whose holder is uncertain on that "
        "day faded.</desc>",
        '<defs><pattern id="fm-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="#ffffff" stroke-width="1.6"/>'
        "</pattern></defs>",
    ]
    if standalone:
        parts.append(f'<rect width="{WIDTH:g}" height="{height:g}" fill="#ffffff"/>'
                     f'<text x="{MARGIN:g}" y="24" font-size="16" fill="#1d2330">Who held what on {day}'
                     + (f" (changes since {view.query.compare:%-d %B %Y} outlined)" if view.query.compare else "")
                     + "</text>")
    parts.append(f'<g transform="translate(0 {top:g})">' if top else "<g>")
    parts.append(f'<rect width="{WIDTH:g}" height="{HEIGHT:g}" fill="#eef3f7" class="fm-bg"/>')
    # Whole-degree lines (half degrees on a close view) for orientation.
    span = projection.lon_at(WIDTH) - projection.lon_at(0)
    step = 1.0 if span > 3 else 0.5
    lon = math.ceil(projection.lon_at(0) / step) * step
    while lon < projection.lon_at(WIDTH):
        x, _ = projection.xy(lon, 0)
        parts.append(f'<line x1="{x:g}" y1="0" x2="{x:g}" y2="{HEIGHT:g}" stroke="#c9d3dd" stroke-width="0.6"/>'
                     f'<text x="{x + 3:g}" y="{HEIGHT - 5:g}" font-size="10" fill="#5a6472">{lon:g}°E</text>')
        lon += step
    lat = math.floor(projection.lat_at(0) / step) * step
    while lat > projection.lat_at(HEIGHT):
        _, y = projection.xy(0, lat)
        parts.append(f'<line x1="0" y1="{y:g}" x2="{WIDTH:g}" y2="{y:g}" stroke="#c9d3dd" stroke-width="0.6"/>'
                     f'<text x="4" y="{y - 3:g}" font-size="10" fill="#5a6472">{lat:g}°N</text>')
        lat -= step
    for line in river_lines():
        points = " ".join("{:g},{:g}".format(*projection.xy(x, y)) for x, y in line)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{RIVER_COLOR}" stroke-width="3" '
                     'stroke-linejoin="round" stroke-linecap="round" class="fm-river"><title>Euphrates '
                     "(approximate)</title></polyline>")
    named = len(places) <= LABELS_MAX
    at_label = f"{view.at:%-d %b %Y}"
    compare_label = f"{view.query.compare:%-d %b %Y}" if view.query.compare else ""
    holders: dict[str, str] = {}
    # The dots' white outline is inherited from this group rather than repeated 5,000 times.
    parts.append('<g stroke="#ffffff" stroke-width="0.8">')
    for row in places.rows():
        # Unpacked once: this loop runs for every place on the map.
        place_id, name, slug, kind, _, lat, lon, _, holder_name, color, _, state, _, uncertain = row[:14]
        x, y = projection.xy(lon, lat)
        r = _radius(kind, many)
        if uncertain or compare_label:
            o = PlaceControl(other[place_id]) if place_id in other else None
            title = _esc(_title(PlaceControl(row), view.at, at_label, o, compare_label))
        else:
            title = _esc(f"{name}: {holder_name or 'Unknown'}{'' if state == 'held' else ', ' + state} on {at_label}")
        holder = holders.get(holder_name)
        if holder is None:
            holder = holders[holder_name] = _esc(holder_name or "Unknown")
        is_changed = place_id in changed
        attrs = f' data-holder="{holder}" data-state="{state}"'
        if uncertain or is_changed:
            css = " ".join(c for c, on in (("fm-uncertain", uncertain), ("fm-changed", is_changed)) if on)
            attrs += f' class="{css}"'
        if uncertain:
            attrs += ' data-uncertain="true" opacity="0.4"'
        body = f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{color}"/>'
        if state == "contested":
            body += f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="url(#fm-hatch)"/>'
        elif state == "besieged":
            body += (f'<circle cx="{x:g}" cy="{y:g}" r="{r + 2.5:g}" fill="none" stroke="{RING_COLOR}" '
                     'stroke-width="1.6"/>')
        if is_changed:
            body += (f'<circle cx="{x:g}" cy="{y:g}" r="{r + 5:g}" fill="none" stroke="{CHANGED_COLOR}" '
                     'stroke-width="2.2" stroke-dasharray="3 2"/>')
        if named:
            body += (f'<text x="{x + r + 3:g}" y="{y + 4:g}" font-size="11" fill="#1d2330" stroke="#eef3f7" '
                     f'stroke-width="3" paint-order="stroke">{_esc(name)}</text>')
        parts.append(f'<a href="/places/{_esc(slug)}/"{attrs}><title>{title}</title>{body}</a>')
    parts.append("</g>")
    parts.append("</g>")
    if standalone:
        y0 = top + HEIGHT + 22
        for i, (holder, color, count) in enumerate(legend):
            x = MARGIN + (i % 4) * 190
            y = y0 + (i // 4) * 18
            parts.append(f'<circle cx="{x + 5:g}" cy="{y - 4:g}" r="5" fill="{color}"/>'
                         f'<text x="{x + 14:g}" y="{y:g}" font-size="12" fill="#1d2330">{_esc(holder)} '
                         f"({count})</text>")
        y = y0 + (legend_rows - 1) * 18
        parts.append(f'<text x="{MARGIN:g}" y="{y:g}" font-size="11" fill="#5a6472">Hatched: contested. Ringed: '
                     "besieged. Faded: holder uncertain on this day."
                     + (" Dashed outline: holder changed between the two dates." if view.query.compare else "")
                     + "</text>"
                     f'<text x="{MARGIN:g}" y="{y + 16:g}" font-size="10" fill="#5a6472">{_esc(ATTRIBUTION)}'
                     "</text>")
    parts.append("</svg>")
    return SafeString("".join(parts))
