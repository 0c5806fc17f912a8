"""Server time of the front map (/map/) and GET /api/control/ on a big synthetic history.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py setup
    .venv/bin/python bench/synthetic_history.py --events 200000 --places 5000 --clear
    .venv/bin/python bench/bench_map.py --runs 60 [--markdown FILE]

Times, in-process through Django's test Client (URL routing, middleware, the selector,
the SVG and template rendering or the GeoJSON; no network), the map page and the API on
a different date at each run (spread over the span of the data, as the slider and
playback ask), with and without a comparison and a filter. The days on which places
changed hands are cached until a control period changes, as in production; the first,
uncached answer is timed on its own. Prints the query plan of "who held every place on
D" to show it uses the index. Only talks to the database in DATABASE_URL; bounded by --runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup, percentile  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--markdown", help="also write the results table to this file")
    args = ap.parse_args(argv)
    runs = max(5, min(args.runs, 500))
    django_setup(test_client=True)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from conflict.models import ControlPeriod, Place
    from conflict.selectors.front import FrontQuery, control_on, timeline

    today = dt.date.today()
    line = timeline(FrontQuery(at=today))
    if line.first is None:
        raise SystemExit("no control periods: fill the database first (bench/synthetic_history.py)")
    first, last = line.first, line.last
    span = max((last - first).days, 1)
    # A different day at each run, spread evenly over the data.
    days = [first + dt.timedelta(days=round(span * (i + 0.5) / runs)) for i in range(runs)]
    counts = {"places": Place.objects.count(), "periods": ControlPeriod.objects.count(),
              "change_days": len(line.change_days)}
    client = Client()  # secure: production settings redirect plain HTTP
    cpu_of: dict[int, list[float]] = {}
    queries_of: dict[int, int] = {}

    def timed(make_url: Callable[[dt.date], str]) -> list[float]:
        for day in days[:3]:
            client.get(make_url(day), secure=True)
        out, cpu = [], []
        for day in days:
            url = make_url(day)
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, secure=True)
            body = response.content
            out.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            if response.status_code != 200 or not body:
                raise SystemExit(f"{url} answered {response.status_code}")
        cpu_of[id(out)] = cpu
        with CaptureQueriesContext(connection) as captured:
            client.get(make_url(days[len(days) // 2]), secure=True)
        queries_of[id(out)] = len(captured.captured_queries)
        return out

    def compare_day(day: dt.date) -> dt.date:
        return min(day + dt.timedelta(days=60), last)

    middle = days[len(days) // 2]
    sample = control_on(middle, FrontQuery(at=middle))
    admin1 = sample[0].admin1 if sample else ""
    rows: list[tuple[str, list[float], str]] = []
    client.get(f"/map/?at={first}", secure=True)  # imports, URLconf and templates loaded: not what is timed
    cache.clear()
    began = time.perf_counter()
    client.get(f"/map/?at={middle}", secure=True)
    cold_ms = (time.perf_counter() - began) * 1000
    rows.append(("map page", timed(lambda d: f"/map/?at={d}"), "/map/?at=D"))
    rows.append(("map frame (what the slider and playback fetch)", timed(lambda d: f"/map/frame/?at={d}"),
                 "/map/frame/?at=D"))
    rows.append(("map page, compare with 60 days later", timed(lambda d: f"/map/?at={d}&compare={compare_day(d)}"),
                 "/map/?at=D&compare=D+60"))
    rows.append(("map page, towns of one governorate",
                 timed(lambda d: f"/map/?at={d}&kind=town&admin1={admin1}"), "/map/?at=D&kind=town&admin1=..."))
    rows.append(("control API", timed(lambda d: f"/api/control/?at={d}"), "/api/control/?at=D"))
    rows.append(("control API, compare with 60 days later",
                 timed(lambda d: f"/api/control/?at={d}&compare={compare_day(d)}"), "/api/control/?at=D&compare=D+60"))
    rows.append(("SVG download", timed(lambda d: f"/map/front.svg?at={d}"), "/map/front.svg?at=D"))

    from conflict.models import control_span  # noqa: F401  (the indexed expression)
    from conflict.selectors.front import _COLUMNS, _Covers, _places_filter

    qs = (ControlPeriod.objects.filter(_Covers(control_span(), _value(middle))).filter(
        _places_filter(FrontQuery(at=middle))).order_by().values_list(*_COLUMNS))
    plan = [ln for ln in qs.explain(analyze=True).splitlines() if "control_span_gist" in ln or "Execution" in ln]

    lines = [
        f"Data: {counts['places']:,} places, {counts['periods']:,} control periods, {counts['change_days']:,} days "
        f"on which a place changed hands, from {first} to {last}; {len(sample):,} places drawn on {middle}. "
        f"{runs} timed runs each, each on a different date, after 3 warm-ups.",
        "",
        "| what | median ms | p95 ms | CPU median ms | CPU p95 ms | queries | URL |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, times, url in rows:
        cpu = cpu_of[id(times)]
        lines.append(f"| {label} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} | "
                     f"{statistics.median(cpu):.1f} | {percentile(cpu, 95):.1f} | {queries_of[id(times)]} | `{url}` |")
    lines += ["", f"Map page right after a cache clear (the days of change read again, as after any control "
                  f"recompute): {cold_ms:.0f} ms.",
              "Plan of 'who held every place on D': " + "; ".join(ln.strip() for ln in plan)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines.append(f"Load average while measuring: {load:.2f} on {os.cpu_count()} CPUs.")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


def _value(day: dt.date):
    from django.db.models import DateField, Value

    return Value(day, output_field=DateField())


if __name__ == "__main__":
    sys.exit(main())
