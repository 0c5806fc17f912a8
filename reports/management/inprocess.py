"""Running a command's work in this process, whatever broker the environment names."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tasks_in_process(enabled: bool = True) -> Iterator[None]:
    """Without --async a command does all its work here: the tasks its writes queue on
    commit (the control-period recompute) run in-process too instead of going to a
    broker, so the command's result is complete when it returns."""
    if not enabled:
        yield
        return
    from config.celery import app

    trace = logging.getLogger("celery.app.trace")
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates, trace.level
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    # One "Task ... succeeded" line per in-process task would bury the summary.
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates, level = saved
        trace.setLevel(level)
