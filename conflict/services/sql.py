"""Statements the tagging pipeline runs for every report, prepared once per connection.

Django binds parameters on the client, so PostgreSQL plans every statement it receives
afresh; for the pipeline's few fixed statements (the near-duplicate prefilter, the
inserts of claims, events and their history) planning cost about as much server time as
running them. These run through a server-side binding cursor with `prepare=True`:
psycopg prepares each statement the first time a connection runs it and reuses the plan.
Errors are Django's (OperationalError and the rest), as from any other query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)
_TUPLES_OK = psycopg.pq.ExecStatus.TUPLES_OK


def fetch_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one fixed statement (placeholders %s, each with a type cast where PostgreSQL
    cannot infer it) and return its rows (none for a statement without RETURNING)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        # The result's status, not cursor.description, which builds a Column for every column.
        result = cursor.pgresult
        return cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []


@functools.cache
def model_columns(model: type[Model], alias: str = "") -> str:
    """Every concrete column of a model, in field order (model_from_row's order), each
    qualified with `alias` when given."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + quote(f.column) for f in model._meta.concrete_fields)


@functools.cache
def _loaders(model: type[Model]) -> tuple[tuple[str, ...], tuple[tuple[int, Any], ...]]:
    fields = model._meta.concrete_fields
    converters = tuple((i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value"))
    return tuple(f.attname for f in fields), converters


def model_from_row(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from a row of model_columns(model), as the ORM builds one (each
    field's from_db_value applied: JSON arrives as text)."""
    names, converters = _loaders(model)
    if converters:
        values = list(values)
        for i, f in converters:
            values[i] = f.from_db_value(values[i], None, connection)
    return model.from_db(connection.alias, names, values)
