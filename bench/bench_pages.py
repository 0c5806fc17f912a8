"""Server time of the public pages on a big synthetic history.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py setup
    .venv/bin/python bench/synthetic_history.py --events 200000 --places 5000 --clear
    .venv/bin/python bench/bench_pages.py --runs 60 [--markdown FILE]

Times, in-process through Django's test Client (the whole view: URL routing,
middleware, selectors, template rendering; no network), the town page of the busiest
place (first page, and a page deep in its events), the home page, and the control API
of the busiest place (the endpoint if it exists, and the selector plus serialisation).
For the town page it also replays the exact SQL the page ran, with a bare cursor, to
compare the page against the time the database alone needs for the same rows.
Only talks to the database in DATABASE_URL; bounded by --runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, percentile  # noqa: E402

CPU: dict[int, list[float]] = {}


def _time(fn: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    """Wall-clock ms per call; the process's own CPU ms go to CPU[id(result)] (other work on a
    shared machine stretches wall time, not this process's CPU time)."""
    for _ in range(warmup):
        fn()
    out, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    CPU[id(out)] = cpu
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--slug", default="synth-0", help="the town page to time (default: the busiest synthetic place)")
    ap.add_argument("--markdown", help="also write the results table to this file")
    args = ap.parse_args(argv)
    runs = max(5, min(args.runs, 500))
    django_setup(test_client=True)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from conflict.models import ControlPeriod, Event, Place
    from conflict.selectors.control import control_periods_for_place
    from conflict.selectors.feed import control_feed_record

    place = Place.objects.get(slug=args.slug)
    n_events = Event.objects.filter(place=place).count()
    counts = {
        "events": Event.objects.count(), "places": Place.objects.count(),
        "periods": ControlPeriod.objects.count(), "busiest": n_events,
    }
    client = Client()

    def get(url: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            return response.content if not response.streaming else b"".join(response.streaming_content)
        return call

    town = f"/places/{place.slug}/"
    deep = f"{town}?page={max(1, n_events // 200)}"
    api = f"/api/places/{place.id}/control/"
    results: list[tuple[str, list[float], str]] = []
    results.append(("town page, busiest place (first 50 events)", _time(get(town), runs), town))
    results.append(("town page, busiest place (a page in the middle)", _time(get(deep), runs), deep))
    results.append(("home page (search box, newest places, map)", _time(get("/"), runs), "/"))
    results.append(("home page with a search for 'Synth Plac 12'", _time(get("/?q=Synth+Plac+12"), runs),
                    "/?q=Synth+Plac+12"))
    if client.get(api).status_code == 200:
        results.append(("control API, busiest place", _time(get(api), runs), api))
    results.append(("control selector + feed records, busiest place",
                    _time(lambda: [control_feed_record(p) for p in control_periods_for_place(place.id)], runs), "-"))

    # The same rows without Django: replay the town page's SQL on a bare cursor.
    with CaptureQueriesContext(connection) as captured:
        get(town)()
    statements = [q["sql"] for q in captured.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "SET"))]

    def bare_sql() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    sql_times = _time(bare_sql, runs)
    town_times = results[0][1]
    lines = [
        f"Data: {counts['events']:,} events over {counts['places']:,} places, {counts['periods']:,} control periods; "
        f"the busiest place ({place.slug}) has {counts['busiest']:,} events. {runs} timed runs each after 3 warm-ups.",
        "",
        "| what | median ms | p95 ms | CPU median ms | CPU p95 ms | URL |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, times, url in [*results, (f"bare SQL of the town page ({len(statements)} queries)", sql_times, "-")]:
        cpu = CPU[id(times)]
        lines.append(f"| {label} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} | "
                     f"{statistics.median(cpu):.1f} | {percentile(cpu, 95):.1f} | `{url}` |")
    ratio_median = statistics.median(town_times) / max(statistics.median(sql_times), 0.001)
    ratio_p95 = percentile(town_times, 95) / max(percentile(sql_times, 95), 0.001)
    lines += ["", f"Town page / bare SQL: {ratio_median:.1f}x at the median, {ratio_p95:.1f}x at p95 "
                  f"(target: within 5x; town page p95 target: under 150 ms)."]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines.append(f"Load average while measuring: {load:.2f} on {os.cpu_count()} CPUs.")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
