"""Benchmark of the event API on a synthetic history (at least 200,000 events).

    createdb -h 127.0.0.1 -U postgres tidemark_bench_api
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench_api
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py setup
    .venv/bin/python bench/synthetic_history.py --events 200000 --places 5000 --clear
    .venv/bin/python bench/bench_api.py --requests 200

Requests go through the whole Django stack in-process (middleware, DRF, the database on
127.0.0.1), without a network hop: the times are the server's. Pages: median and 95th
percentile per scenario, with and without filters, first pages and deep cursor pages.
The full NDJSON export runs in a child process so its peak memory (max RSS) is its own;
the rate is events per second over the whole streamed body.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A benchmark is one client hammering the API: throttling would measure 429s.
os.environ.setdefault("TIDEMARK_API_ANON_RATE", "1000000/min")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench.common import django_setup, percentile  # noqa: E402


def _time_pages(client, scenario: str, params: dict, n: int, follow: bool) -> dict:
    """n requests; with follow, each request is the next page of the previous one
    (wrapping to the first page at the end), so deep cursors are measured too."""
    times: list[float] = []
    url, query = "/api/events/", dict(params)
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, query)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (scenario, response.status_code, response.content[:300])
        body = response.json()
        if follow and body["next"]:
            url, query = body["next"], None
        else:
            url, query = "/api/events/", dict(params)
    return {
        "scenario": scenario,
        "params": params,
        "requests": n,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
    }


def run_pages(n: int) -> list[dict]:
    from django.test import Client

    from conflict.models import Event

    client = Client()
    busiest = "synth-0"
    first_actor = Event.objects.exclude(actor1=None).values_list("actor1__slug", flat=True).first()
    scenarios = [
        ("first page, no filter", {}, False),
        ("deep pages by date, no filter (following next)", {}, True),
        ("deep pages by -updated_at (following next)", {"ordering": "-updated_at"}, True),
        ("page_size=500, no filter", {"page_size": 500}, False),
        ("place=synth-0 (busiest place)", {"place": busiest}, True),
        ("actor + date range", {"actor": first_actor, "date_from": "2015-01-01", "date_to": "2016-12-31"}, True),
        ("type=capture + bbox", {"type": "capture", "bbox": "38.5,34.0,41.5,36.5"}, True),
        ("admin1 + min_confidence", {"admin1": "Deir ez-Zor", "min_confidence": "0.6"}, True),
        ("source (any report) + status", {"source": "sohr", "status": "auto,reviewed"}, True),
        ("updated_since, ordering=updated_at", {"updated_since": "2000-01-01T00:00:00Z",
                                                "ordering": "updated_at"}, True),
    ]
    out = []
    for name, params, follow in scenarios:
        client.get("/api/events/", params)  # warm the plan cache and connection
        out.append(_time_pages(client, name, params, n, follow))
        print(json.dumps(out[-1]), flush=True)
    # An unchanged page asked again with its ETag.
    response = client.get("/api/events/", {"place": busiest})
    etag = response["ETag"]
    times = []
    for _ in range(n):
        started = time.perf_counter()
        again = client.get("/api/events/", {"place": busiest}, HTTP_IF_NONE_MATCH=etag)
        times.append((time.perf_counter() - started) * 1000)
        assert again.status_code == 304
    out.append({"scenario": "conditional GET answered 304", "params": {"place": busiest}, "requests": n,
                "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
                "max_ms": round(max(times), 1)})
    print(json.dumps(out[-1]), flush=True)
    return out


def _memory_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS of this process; unlike ru_maxrss, exec resets them."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_export(fmt: str, params: dict) -> dict:
    """The feed as one streamed response, read chunk by chunk as a client would."""
    from django.test import Client

    client = Client()
    client.get("/api/actors/")  # load the URLconf, DRF and the schema machinery first
    rss_before = _memory_mb("VmRSS")
    started = time.perf_counter()
    response = client.get("/api/events/", {"format": fmt, **params})
    assert response.status_code == 200 and response.streaming
    lines = 0
    size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    events = lines if fmt == "ndjson" else lines - 1
    return {
        "scenario": f"{fmt} export" + (f" {params}" if params else " (whole feed)"),
        "events": events,
        "seconds": round(seconds, 2),
        "events_per_second": round(events / seconds),
        "megabytes": round(size / 1e6, 1),
        "rss_before_mb": rss_before,
        "peak_rss_mb": _memory_mb("VmHWM"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200, help="requests per page scenario")
    ap.add_argument("--export-only", choices=["ndjson", "csv"], help="(internal) run one export and print it")
    ap.add_argument("--export-params", default="{}", help="(internal) JSON of the export's filters")
    ap.add_argument("--skip-export", action="store_true")
    args = ap.parse_args(argv)
    django_setup()
    if args.export_only:
        print(json.dumps(run_export(args.export_only, json.loads(args.export_params))))
        return 0
    from conflict.models import Event

    total = Event.objects.filter(merged_into__isnull=True).count()
    print(json.dumps({"events_in_database": total}), flush=True)
    results = run_pages(args.requests)
    if not args.skip_export:
        # A quarter of the feed beside the whole of it: flat memory means the same peak.
        runs = [("ndjson", {}), ("ndjson", {"date_to": "2013-12-31"}), ("csv", {})]
        for fmt, params in runs:
            child = subprocess.run([sys.executable, __file__, "--export-only", fmt, "--export-params",
                                    json.dumps(params)], capture_output=True, text=True, check=True, timeout=900)
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
