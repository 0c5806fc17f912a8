from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from conflict.tests.factories import ClaimFactory, EventFactory, ReportFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache; a test must not inherit another's requests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def event_with_claims(n_claims: int = 1, **kwargs):
    """An event with claims from distinct reports, as the merge service leaves it."""
    event = EventFactory(**kwargs)
    for i in range(n_claims):
        report = ReportFactory(published=dt.date(2018, 12, 14))
        ClaimFactory(event=event, report=report, place=event.place, actor1=event.actor1, type=event.type,
                     span_start=10 * i, span_end=10 * i + 8, quote=f"quote {i} about {event.place.name}")
    return event

