"""Ingest + tag a fixed corpus in one tree, like bench/bench_pipeline.py main() --control batch.

Run with cwd = the tree; env DATABASE_URL etc. set by compare.sh.
    python bench/equivalence/run_tree.py TREE [N]
"""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
os.chdir(tree)
sys.path.insert(0, str(tree / "bench"))
sys.path.insert(0, str(tree))
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import bench_pipeline  # noqa: E402  (django.setup() happens on import)

# Make sure the code under test is the tree's, not some other checkout's.
import reports.services as _rs  # noqa: E402

assert Path(_rs.__file__).resolve().is_relative_to(tree), (_rs.__file__, tree)
assert Path(bench_pipeline.__file__).resolve().is_relative_to(tree), bench_pipeline.__file__

from conflict.services.events import control_recompute_deferred  # noqa: E402
from conflict.services.snapshot import reference_snapshot  # noqa: E402
from reports.services import report_ingest, report_tag  # noqa: E402

logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

docs = bench_pipeline.corpus(n)
outlets = ["Tidemark Demo Wire", "SOHR", "Levant Desk (demo)", "ANF", "Amaq"]
t0 = time.perf_counter()
statuses: dict[str, int] = {}
with reference_snapshot():
    with control_recompute_deferred():
        ids = []
        for i, (title, text, published) in enumerate(docs):
            result = report_ingest(text=text, origin=f"file:eq-{i:05}.txt", file_name=f"eq-{i:05}.txt",
                                   title=title, outlet=outlets[i % len(outlets)], published=published,
                                   queue_tagging=False)
            ids.append(result.report.pk)
        t1 = time.perf_counter()
        for report_id in ids:
            status = report_tag(report_id=report_id)
            statuses[status] = statuses.get(status, 0) + 1
        t2 = time.perf_counter()
t3 = time.perf_counter()
print(f"{tree}: {len(ids)} reports; ingest {t1 - t0:.1f} s, tag {t2 - t1:.1f} s, "
      f"control recompute {t3 - t2:.1f} s; statuses {dict(sorted(statuses.items()))}")
