"""gunicorn settings for Tidemark: `gunicorn -c python:operations.gunicorn_conf config.wsgi`.

Each gunicorn worker is a process of its own, so request metrics are kept with
prometheus_client's multiprocess mode: every worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR, and /metrics adds up the files of all of them, whichever worker
answers the scrape. The folder is emptied when gunicorn starts (stale files of an earlier
run would be added in) and a dead worker's live gauges are dropped.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Set here, before any worker imports prometheus_client: the mode is chosen at import.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(tempfile.gettempdir()) / "tidemark-prometheus")
MULTIPROC_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])



def on_starting(server) -> None:
    # Only the metric files: the folder may be one the operator named, with other things in it.
    MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)
    for stale in MULTIPROC_DIR.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
