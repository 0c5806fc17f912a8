"""Statements the tagging pipeline runs for every report, prepared once per connection.

Django binds parameters on the client, so PostgreSQL plans every statement it receives
afresh; for the pipeline's few fixed statements (the near-duplicate prefilter, the
inserts of claims, events and their history) planning cost about as much server time as
running them. These run through a server-side binding cursor with `prepare=True`:
psycopg prepares each statement the first time a connection runs it and reuses the plan.
Errors are Django's (OperationalError and the rest), as from any other query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one fixed statement (placeholders %s, each with a type cast where PostgreSQL
    cannot infer it) and return its rows (none for a statement without RETURNING)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []
