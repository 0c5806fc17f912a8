"""The synthetic history the benchmarks run on: right shape, and consistent with itself."""

import pytest
from django.db.models import Count

from bench.synthetic_history import synthetic_history_fill
from conflict.models import Claim, ControlPeriod, Event, Place
from conflict.tests.factories import PlaceFactory
from reports.models import Report

pytestmark = pytest.mark.django_db


def test_it_fills_events_places_claims_reports_and_tiled_control_periods():
    summary = synthetic_history_fill(events=600, places=12, busiest=200, seed=3)

    places = Place.objects.filter(slug__startswith="synth-")
    assert places.count() == 12 == summary.places
    per_place = dict(Event.objects.filter(place__in=places).values_list("place__slug").annotate(n=Count("id")))
    assert sum(per_place.values()) == 600 == summary.events
    assert per_place["synth-0"] == 200 == max(per_place.values())
    assert Claim.objects.filter(event__place__in=places).count() == summary.claims >= 600
    assert not Event.objects.filter(place__in=places, claims__isnull=True).exists()
    report = Report.objects.filter(origin__startswith="synthetic:").first()
    claim = report.claims.first()
    assert report.text[claim.span_start:claim.span_end] == claim.quote
    assert all(report.text[s["start"]:s["end"]] == s["text"] for s in report.spans)
    for place in places:
        periods = list(ControlPeriod.objects.filter(place=place).order_by("position"))
        assert periods[0].start is None and periods[-1].end is None
        assert all(a.end == b.start for a, b in zip(periods, periods[1:], strict=False))


def test_a_new_row_after_the_fill_gets_a_fresh_id():
    synthetic_history_fill(events=50, places=3, busiest=20)

    place = PlaceFactory()

    assert place.id > Place.objects.exclude(pk=place.pk).order_by("-id").first().id
