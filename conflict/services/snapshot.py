"""Reference data read once for a batch of work in one process.

Tagging a report reads a few small tables that almost never change while a batch runs:
the actors' parents, the sources, the lexicon's freshness check. `manage.py ingest`
(without --async) and the pipeline benchmark tag many reports in a row; inside
`reference_snapshot()` each of those reads is made once for the whole batch instead of
once a report. Outside a snapshot (a Celery worker's task, a web request) every call
reads the database, as before. A batch therefore tags against the reference data as it
was when it began, as a worker does between two lexicon checks; a service that changes
such data inside the batch (a new source for an unknown outlet) calls snapshot_forget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_local = threading.local()


@contextmanager
def reference_snapshot() -> Iterator[None]:
    """Remember reference reads until the block ends (nested blocks share the outer one)."""
    if getattr(_local, "values", None) is not None:
        yield
        return
    _local.values = {}
    try:
        yield
    finally:
        _local.values = None


def snapshot_value(key: str, load: Callable[[], T]) -> T:
    """load(), remembered for the current snapshot; called every time outside one."""
    values: dict[str, Any] | None = getattr(_local, "values", None)
    if values is None:
        return load()
    if key not in values:
        values[key] = load()
    return values[key]


def snapshot_forget(key: str) -> None:
    values: dict[str, Any] | None = getattr(_local, "values", None)
    if values is not None:
        values.pop(key, None)
