import datetime as dt

from conflict.models import Actor, ControlPeriod
from conflict.selectors.charts import band_chart, overview_map

D = dt.date


def period(holder: Actor | None, state: str, start: tuple | None, end: tuple | None) -> ControlPeriod:
    p = ControlPeriod(holder=holder, state=state)
    if start:
        p.start_start, p.start_end, p.start_precision = start
    if end:
        p.end_start, p.end_end, p.end_precision = end
    return p


def test_the_band_colours_each_holder_hatches_unsettled_periods_and_softens_uncertain_edges():
    isis, sdf = Actor(name="ISIS", color="#222222"), Actor(name="SDF", color="#e6b800")
    change = (D(2018, 12, 11), D(2018, 12, 20), "week")
    periods = [
        period(isis, "held", None, (D(2018, 11, 1), D(2018, 11, 1), "day")),
        period(isis, "besieged", (D(2018, 11, 1), D(2018, 11, 1), "day"), change),
        period(sdf, "held", change, None),
    ]

    chart = band_chart(periods)

    assert [s.color for s in chart.segments] == ["#222222", "#222222", "#e6b800"]
    assert [s.hatched for s in chart.segments] == [False, True, False]
    assert len(chart.edges) == 1
    edge = chart.edges[0]
    assert (edge.color_from, edge.color_to) == ("#222222", "#e6b800") and edge.width > 0
    xs = [s.x for s in chart.segments]
    assert xs == sorted(xs) and chart.segments[-1].x + chart.segments[-1].width <= chart.width
    assert dict(chart.legend) == {"ISIS": "#222222", "SDF": "#e6b800"}


def test_a_band_without_periods_is_empty():
    assert band_chart([]).empty


def test_the_map_places_points_on_their_coordinates_north_up():
    chart = overview_map([("North", "north", 36.0, 40.0, "SDF", "#e6b800", "held"),
                          ("South", "south", 34.5, 40.5, None, None, "held"),
                          ("Nowhere", "nowhere", None, None, None, None, "held")])

    north, south = chart.points
    assert north.y < south.y and north.x < south.x
    assert south.color == "#b8b8b8" and south.holder == "Unknown"
    assert len(chart.points) == 2


def test_the_svg_builders_escape_names_and_refuse_odd_colours():
    from conflict.selectors.charts import band_svg, map_svg

    evil = '<script>alert("x")</script>'
    chart = overview_map([(evil, "evil", 35.0, 40.0, evil, 'red" onload="x', "contested")])
    band = band_chart([period(Actor(name=evil, color="url(javascript:1)"), "held", None, None)])

    for svg in (str(map_svg(chart)), str(band_svg(band, title=evil))):
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert "onload" not in svg and "javascript" not in svg
