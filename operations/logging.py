"""Log lines that say which request, task and report they belong to.

The ids live in context variables, set by RequestIdMiddleware for a request, by the
Celery signals below for a task, and by `log_context(report_id=...)` around the
ingestion and tagging of a report. `ContextFilter`, attached to the handlers in
settings.LOGGING, copies them onto every record, so no logging call has to pass them.
Each thread (a gunicorn or runserver request) and each task sees only its own.

TIDEMARK_LOG_FORMAT=json writes one JSON object a line (JsonFormatter); the default is
plain text (PlainFormatter) with the same ids appended when set.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

R = TypeVar("R")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
report_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("report_id", default=None)

CONTEXT_FIELDS = ("request_id", "task_id", "report_id")
_VARS = {"request_id": request_id_var, "task_id": task_id_var, "report_id": report_id_var}
# Attributes every LogRecord has; anything else was passed with extra= and is kept.
_RECORD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", *CONTEXT_FIELDS}


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Every line logged inside carries these ids (request_id, task_id, report_id)."""
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def logs_report_id(fn: Callable[..., R]) -> Callable[..., R]:
    """For a service taking report_id=: every line it (and what it calls) logs carries it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        with log_context(report_id=kwargs.get("report_id", report_id_var.get())):
            return fn(*args, **kwargs)

    return wrapper


class ContextFilter(logging.Filter):
    """Copies the current request, task and report ids onto each record (None when unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the context
    ids that are set, anything passed with extra=, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger: message [request_id=... report_id=...]` for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = " ".join(f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS
                       if getattr(record, name, None) is not None)
        if not ids:
            return text
        first, newline, rest = text.partition("\n")  # keep a traceback below the ids
        return f"{first} [{ids}]{newline}{rest}"


# --- Celery: the task and report ids of the task being run -------------------------------

_task_tokens: dict[str, list[tuple[contextvars.ContextVar, contextvars.Token]]] = {}


def task_started(sender=None, task_id: str | None = None, task=None, args=None, kwargs=None, **_: Any) -> None:
    """task_prerun: the task's id, and its report_id argument if it has one, on every line
    until task_postrun (which comes after Celery's own "succeeded" line)."""
    tokens = [(task_id_var, task_id_var.set(task_id))]
    report_id = _report_id_argument(task, args or (), kwargs or {})
    if report_id is not None:
        tokens.append((report_id_var, report_id_var.set(report_id)))
    if task_id:
        _task_tokens[task_id] = tokens


def task_finished(sender=None, task_id: str | None = None, **_: Any) -> None:
    for var, token in reversed(_task_tokens.pop(task_id or "", [])):
        try:
            var.reset(token)
        except ValueError:  # set in another context (cannot happen in one worker thread)
            var.set(None)


def _report_id_argument(task, args: tuple, kwargs: dict) -> int | None:
    if "report_id" in kwargs:
        return kwargs["report_id"]
    try:
        bound = inspect.signature(task.run).bind_partial(*args, **kwargs)
    except (TypeError, ValueError, AttributeError):
        return None
    return bound.arguments.get("report_id")


def celery_keep_django_logging(**_: Any) -> None:
    """setup_logging: with a receiver connected Celery leaves logging alone, so the worker
    logs through settings.LOGGING (the same format and ids as the web processes)."""
