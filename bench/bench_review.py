"""Server time of the review pages on a big synthetic history.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py setup
    .venv/bin/python bench/synthetic_history.py --events 200000 --places 5000 --clear
    .venv/bin/python bench/bench_review.py --runs 30

Times, in-process through Django's test Client (routing, middleware, selectors,
templates; no network), the review queue (default, filtered by type, by place, by
confidence), the filter counts alone (one aggregate query), an event's review page,
and the place and actor lookups. Only talks to the database in DATABASE_URL; bounded
by --runs. Creates one editor account `bench_editor` if it is missing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, percentile  # noqa: E402


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    runs = max(1, min(args.runs, 500))
    django_setup(test_client=True)
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from conflict.models import Event, Place
    from conflict.selectors.review import QueueFilters, review_counts

    user, _ = User.objects.get_or_create(username="bench_editor")
    user.groups.add(Group.objects.get_or_create(name="editor")[0])
    client = Client()
    client.force_login(user)
    busiest = Place.objects.filter(slug__startswith="synth-").order_by("slug").first() or Place.objects.first()
    event = Event.objects.filter(status="auto", place=busiest).order_by("-id").first()

    def get(url: str, **params: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return response
        return run

    cases = [
        ("queue, default (auto, newest report first)", get("/review/")),
        ("queue, type=capture", get("/review/", type="capture", status="auto")),
        ("queue, place filter (typed name)", get("/review/", place=busiest.name, status="auto")),
        ("queue, confidence=low, sort=low", get("/review/", confidence="low", sort="low", status="auto")),
        ("queue, page 50", get("/review/", page="50")),
        ("filter counts alone (1 query)", lambda: review_counts(filters=QueueFilters())),
        ("event review page", get(f"/review/events/{event.pk}/") if event else None),
        ("place lookup ?q=deir ezor", get("/review/lookup/places", q="deir ezor")),
        ("actor lookup ?q=qsd", get("/review/lookup/actors", q="qsd")),
    ]
    print(f"{Event.objects.count()} events, {Event.objects.filter(status='auto').count()} auto; {runs} runs each")
    print(f"{'case':50} {'median ms':>10} {'p95 ms':>10}")
    for name, fn in cases:
        if fn is None:
            continue
        median, p95 = _time(fn, runs)
        print(f"{name:50} {median:10.1f} {p95:10.1f}")


if __name__ == "__main__":
    main()
