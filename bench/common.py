"""What the benchmark scripts share: Django set-up and one definition of a percentile."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_environment() -> None:
    """Benchmarks run with the production settings (DEBUG off: no query log), which need a
    key and a host list; a benchmark is no deployment, so it supplies them if unset."""
    os.environ.setdefault("DJANGO_SECRET_KEY", "tidemark-benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("TIDEMARK_HTTPS", "false")  # the test client speaks http: no redirect to https


def django_setup(*, test_client: bool = False) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    bench_environment()
    import django

    django.setup()
    if test_client:
        from django.conf import settings

        # The test Client's host; not setup_test_environment(), which instruments template rendering.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least pct % of samples at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
