#!/usr/bin/env python
"""Whole-pipeline throughput: ingest -> tag -> claims -> events, with every database write.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench python bench/bench_pipeline.py [--reports 1000]

Builds a corpus of generated reports (sentences of data/demo_reports recombined, with
the place names swapped for gazetteer names), then runs each through
reports.services.report_ingest and report_tag in this one process (tasks in-process,
as without a broker), pinned to one CPU core. The database must have the reference
data (`manage.py setup`); each run uses fresh origins, so runs can follow each other.
Prints reports/second for ingest, tagging and the whole.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "tidemark-benchmark-only")  # production settings (DEBUG off)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.pop("CELERY_BROKER_URL", None)  # tasks in-process: this measures the pipeline, not the queue

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from conflict.models import Claim, Event, Place, PlaceName  # noqa: E402
from reports.models import Report  # noqa: E402
from reports.services import report_ingest, report_tag  # noqa: E402

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
def corpus(n: int, seed: int = 7) -> list[tuple[str, str, dt.date]]:
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in sorted((ROOT / "data" / "demo_reports").glob("*.txt")):
        _, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        sentences += [s.strip() for s in SENTENCE.split(body) if len(s.strip()) > 30]
    names = list(Place.objects.filter(kind__in=["town", "village"], status="confirmed").values_list("name", flat=True))
    # Every spelling of a settlement or site the demo sentences name is swapped for a random
    # town or village; regions (Deir ez-Zor province, the Euphrates pocket) stay, as in real
    # reports, where nearly every one names them.
    joined = " ".join(sentences)
    spellings = {
        n for n in PlaceName.objects.exclude(place__kind="region").values_list("name", flat=True)
        if len(n) > 3 and n.isascii() and n in joined
    }
    swap = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(spellings, key=len, reverse=True)) + r")\b")
    out = []
    for i in range(n):
        picked = rng.sample(sentences, rng.randint(5, 12))
        text = " ".join(swap.sub(lambda m: rng.choice(names), s) for s in picked)
        title = f"Generated report {i}: fighting around {rng.choice(names)}"
        published = dt.date(2018, 9, 1) + dt.timedelta(days=rng.randint(0, 120))
        out.append((title, text + "\n", published))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--cpu", type=int, default=0, help="the CPU core to pin this process to")
    ap.add_argument("--control", choices=["batch", "inline", "once"], default="batch",
                    help="batch: the pipeline's own coalescing (conflict.services.events.control_recompute_deferred, "
                         "as `manage.py ingest` uses): each touched place is recomputed once when the batch ends; "
                         "inline: every control recompute the pipeline queues runs in-process at once (eager "
                         "tasks, as without a broker); once: recompute each touched place once at the end, "
                         "timed separately")
    args = ap.parse_args()
    deferred: set[int] = set()
    if args.control == "once":
        import conflict.services.events as events_service

        events_service.control_recompute_on_commit = lambda *, place_ids: deferred.update(p for p in place_ids if p)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    import logging

    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    docs = corpus(args.reports)
    run = uuid.uuid4().hex[:8]
    outlets = ["Tidemark Demo Wire", "SOHR", "Levant Desk (demo)", "ANF", "Amaq"]
    events_before, claims_before = Event.objects.count(), Claim.objects.count()
    chars = sum(len(t) for _, t, _ in docs)

    from contextlib import nullcontext

    from conflict.services.events import control_recompute_deferred
    from conflict.services.snapshot import reference_snapshot

    pg_cpu = _backend_cpu_reader()
    batch = control_recompute_deferred() if args.control == "batch" else nullcontext(set())
    # As `manage.py ingest` runs a batch: reference data read once for it.
    snapshot = reference_snapshot()
    p0 = pg_cpu()
    t0, c0 = time.perf_counter(), time.process_time()
    snapshot.__enter__()
    batch_places = batch.__enter__()
    ids = []
    for i, (title, text, published) in enumerate(docs):
        result = report_ingest(text=text, origin=f"file:bench-{run}-{i:05}.txt", file_name=f"bench-{run}-{i:05}.txt",
                               title=title, outlet=outlets[i % len(outlets)], published=published,
                               queue_tagging=False)
        ids.append(result.report.pk)
    t1, c1, p1 = time.perf_counter(), time.process_time(), pg_cpu()
    statuses: dict[str, int] = {}
    for report_id in ids:
        status = report_tag(report_id=report_id)
        statuses[status] = statuses.get(status, 0) + 1
    t2, c2, p2 = time.perf_counter(), time.process_time(), pg_cpu()
    recomputed = len(batch_places)
    batch.__exit__(None, None, None)  # batch: recomputes each touched place once
    snapshot.__exit__(None, None, None)
    if deferred:
        from conflict.services.control import control_recompute_many

        recomputed = control_recompute_many(place_ids=deferred)
    t3, c3 = time.perf_counter(), time.process_time()

    n = len(ids)
    near = Report.objects.filter(pk__in=ids, near_duplicate_of__isnull=False).count()
    print(f"corpus: {n} generated reports, {chars / n:.0f} characters each on average; run {run}")
    print(f"database: PostgreSQL {connection.pg_version // 10000} at {connection.settings_dict['HOST'] or 'socket'}"
          f" ({connection.settings_dict['NAME']}); reports already stored before: {Report.objects.count() - n}")
    print(f"ingest (store, hash, dedupe, near-duplicate check): {t1 - t0:.2f} s = {n / (t1 - t0):.0f} reports/s"
          f"  ({near} linked as near-duplicates)")
    print(f"tag (tagger, claims, events merge, history): {t2 - t1:.2f} s = {n / (t2 - t1):.0f} reports/s  "
          f"statuses {statuses}")
    print(f"claims created: {Claim.objects.count() - claims_before}; events created: "
          f"{Event.objects.count() - events_before}")
    if recomputed:
        print(f"control recompute, each of {recomputed} places once: {t3 - t2:.2f} s")
    print(f"END TO END ({args.control} control recompute): {t3 - t0:.2f} s = {n / (t3 - t0):.1f} reports/s "
          "on one core")
    print(f"  this process's CPU time: {c3 - c0:.2f} s ({(c3 - c0) / n * 1000:.1f} ms a report); the rest of the wall "
          "time is PostgreSQL's work and waiting for it")
    if p0 is not None:
        print(f"  per report, ingest: wall {(t1 - t0) / n * 1000:.1f} ms = Python {(c1 - c0) / n * 1000:.1f} + "
              f"PostgreSQL backend CPU {(p1 - p0) / n * 1000:.1f} + the rest; tag: wall {(t2 - t1) / n * 1000:.1f} ms"
              f" = Python {(c2 - c1) / n * 1000:.1f} + PostgreSQL backend CPU {(p2 - p1) / n * 1000:.1f} + the rest")


def _backend_cpu_reader():
    """A function giving this connection's PostgreSQL backend CPU seconds (/proc, when the
    server runs on this machine and is readable), else None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    path = Path(f"/proc/{pid}/stat")

    def read() -> float | None:
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


if __name__ == "__main__":
    main()
