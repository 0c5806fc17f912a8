"""Load: the app under gunicorn on loopback, driven by wrk, on the synthetic history.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench_load   # a separate database
    createdb -h 127.0.0.1 -U postgres tidemark_bench_load
    .venv/bin/python bench/bench_load.py --setup          # once: migrate, setup, synthetic history
    .venv/bin/python bench/bench_load.py [--duration 60] [--connections 8] [--workers 3] [--markdown FILE]

Needs `wrk` (Debian: `apt-get install -y wrk`). With --setup, the database is migrated,
the reference data loaded and the synthetic history (200,000 events over 5,000 places,
the busiest `synth-0` with 5,000) written when it is not there yet; the time each step
took is printed. Then gunicorn (operations/gunicorn_conf.py, as in docker-compose.yml,
`--workers` sync workers) serves the app on 127.0.0.1 with the API throttle raised out of
the way (TIDEMARK_API_ANON_RATE), and wrk drives, one after the other, for --duration
seconds each after a 5 s warm-up: the town page of the busiest place, and the first page
of /api/events/. Each run is bounded by its duration; wrk's own timeout is 10 s.

Reports requests per second, latency percentiles, and errors (connection errors, read
and write errors, timeouts, and responses with a status of 400 or more); the target is
no errors. Also reads /metrics at the end to check the server counted what wrk sent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_setup  # noqa: E402

# wrk's done() hook: one JSON line with what the summary table needs.
WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
"""


def setup_database() -> None:
    """Migrate, load the reference data and write the synthetic history, unless it is there."""
    django_setup()
    from django.core.management import call_command

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - began:.1f} s")
    from conflict.models import Place

    if not Place.objects.filter(slug="synth-0").exists():
        began = time.perf_counter()
        call_command("setup", verbosity=0)
        print(f"setup (reference data): {time.perf_counter() - began:.1f} s")
        from bench.synthetic_history import synthetic_history_fill

        began = time.perf_counter()
        summary = synthetic_history_fill(events=200_000, places=5_000, busiest=5_000, seed=1, clear=True)
        print(f"synthetic history: {summary.events:,} events, {summary.reports:,} reports in "
              f"{time.perf_counter() - began:.1f} s")
    else:
        print("synthetic history already there")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def start_gunicorn(*, port: int, workers: int, log: Path, multiproc: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "TIDEMARK_HTTPS": "false",  # plain http on loopback: no redirect to https
        "TIDEMARK_API_ANON_RATE": "100000000/min",  # measure the app, not the throttle
        "TIDEMARK_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "CELERY_BROKER_URL": "",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:operations.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"http://127.0.0.1:{port}/health/")
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def run_wrk(url: str, *, duration: int, connections: int, threads: int, script: Path) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["errors_total"] = sum(result["errors"].values())
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} CPUs ({cpu}){mem}, {system}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setup", action="store_true", help="migrate and write the synthetic history first if missing")
    ap.add_argument("--duration", type=int, default=60, help="seconds of load per URL (default 60)")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (docker-compose.yml runs 3)")
    ap.add_argument("--slug", default="synth-0", help="the town page to load (default: the busiest place)")
    ap.add_argument("--markdown", help="also write the results table to this file")
    args = ap.parse_args(argv)
    duration = max(5, min(args.duration, 600))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to a database of its own, e.g. .../tidemark_bench_load")
    if args.setup:
        setup_database()

    tmp = Path(tempfile.mkdtemp(prefix="tidemark-load-"))
    script = tmp / "report.lua"
    script.write_text(WRK_REPORT)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    targets = [("town page, busiest place", f"/places/{args.slug}/"), ("/api/events/ (first page)", "/api/events/")]
    load_before = os.getloadavg()
    proc = start_gunicorn(port=port, workers=args.workers, log=tmp / "gunicorn.log", multiproc=tmp / "prometheus")
    results = []
    try:
        for label, path in targets:
            status, body = _get(base + path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            run_wrk(base + path, duration=5, connections=args.connections, threads=args.threads, script=script)
            load = os.getloadavg()[0]
            result = run_wrk(base + path, duration=duration, connections=args.connections, threads=args.threads,
                             script=script)
            result.update(label=label, path=path, load_before=load, load_after=os.getloadavg()[0],
                          page_kb=len(body) / 1024)
            results.append(result)
            print(json.dumps(result), flush=True)
        _, metrics_text = _get(base + "/metrics")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    from prometheus_client.parser import text_string_to_metric_families

    counted = {}
    for family in text_string_to_metric_families(metrics_text.decode()):
        for s in family.samples:
            if s.name == "tidemark_http_request_duration_seconds_count":
                counted[s.labels["view"]] = counted.get(s.labels["view"], 0) + s.value

    command = (f"bench/bench_load.py --duration {duration} --connections {args.connections} "
               f"--threads {args.threads} --workers {args.workers}")
    lines = [
        f"Machine: {machine()}. Load average before: {load_before[0]:.2f}.",
        f"`{command}`: gunicorn with {args.workers} sync workers on 127.0.0.1, wrk with {args.threads} threads "
        f"and {args.connections} connections, {duration} s per URL after a 5 s warm-up.",
        "",
        "| URL | requests | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | load avg during | KiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lat = r["latency_us"]
        errors = r["errors_total"]
        detail = ", ".join(f"{k} {v}" for k, v in r["errors"].items() if v)
        lines.append(
            f"| {r['label']} `{r['path']}` | {r['requests']:,} | {r['rps']:.1f} | {lat['p50'] / 1000:.1f} | "
            f"{lat['p90'] / 1000:.1f} | {lat['p99'] / 1000:.1f} | {lat['p999'] / 1000:.1f} | {lat['max'] / 1000:.1f} | "
            f"{errors}{f' ({detail})' if detail else ''} | {r['load_before']:.1f}-{r['load_after']:.1f} | "
            f"{r['page_kb']:.0f} |"
        )
    lines += ["", "Requests the server counted itself (/metrics, added up over the gunicorn workers, "
                  "warm-ups and set-up requests included): "
              + ", ".join(f"{view} {int(n):,}" for view, n in sorted(counted.items()))]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if any(r["errors_total"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
