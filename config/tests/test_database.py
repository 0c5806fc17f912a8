import pytest
from django.core.exceptions import ImproperlyConfigured

from config.database import parse_database_url


def test_it_reads_the_parts_of_a_database_url():
    db = parse_database_url("postgres://alice:s%40cret@db.example:6543/tidemark")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "tidemark", "alice", "s@cret", "db.example", "6543")


def test_it_rejects_a_url_that_is_not_postgres():
    with pytest.raises(ImproperlyConfigured, match="must start with postgres://"):
        parse_database_url("mysql://root@localhost/tidemark")


def test_it_rejects_a_url_without_a_database_name():
    with pytest.raises(ImproperlyConfigured, match="must name a database"):
        parse_database_url("postgres://postgres@127.0.0.1:5432/")


def test_statements_that_ask_to_be_prepared_are_prepared_unless_the_url_says_none():
    # Django's default (None) turns preparation off even for a cursor that asks for it
    assert parse_database_url("postgres://u@h/db")["OPTIONS"]["prepare_threshold"] == 5
    assert parse_database_url("postgres://u@h/db?prepare_threshold=none")["OPTIONS"]["prepare_threshold"] is None
    assert parse_database_url("postgres://u@h/db?prepare_threshold=0")["OPTIONS"]["prepare_threshold"] == 0


def test_it_rejects_a_prepare_threshold_that_is_not_a_number():
    with pytest.raises(ImproperlyConfigured, match="prepare_threshold must be a whole number or none"):
        parse_database_url("postgres://u@h/db?prepare_threshold=often")
