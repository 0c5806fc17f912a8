import pytest
from django.db import connection

from conflict.services.sql import fetch_prepared

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_pipeline_statement_is_prepared_once_and_its_plan_reused():
    sql = "SELECT %s::int + 1 AS tidemark_prepared_probe"
    assert fetch_prepared(sql, [1]) == [(2,)]
    assert fetch_prepared(sql, [41]) == [(42,)]
    probes = [s for s in _prepared_statements() if "tidemark_prepared_probe" in s]
    assert len(probes) == 1


def test_a_statement_without_rows_returns_an_empty_list():
    assert fetch_prepared("UPDATE conflict_place SET name = name WHERE id = %s::bigint", [-1]) == []
