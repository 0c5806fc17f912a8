"""The tagging pipeline's writes, sent in as few statements as PostgreSQL allows.

Tagging a report writes a handful of small row sets (claims, events, their history and
change-feed rows, the report itself). Built by the ORM, each would be a statement of its
own, compiled in Python and planned by the server: at about half a millisecond each, those
round trips were most of a report's cost. Here each row set travels as one JSON parameter
(`jsonb_to_recordset`), so a statement's text depends only on its tables, and psycopg
prepares it once per connection; `writes_send` joins several such writes into one
statement of data-modifying WITH clauses. Their values are those the ORM would store
(each field's pre_save and get_prep_value), and the new ids are set on the objects.

PostgreSQL runs every part of one statement on the same snapshot: a part cannot see what
another part of the same statement wrote. Callers send together only writes that do not
read each other's rows; the foreign keys are checked at commit (Django makes them
DEFERRABLE INITIALLY DEFERRED).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from conflict.services.sql import fetch_prepared

# PostgreSQL's limit is 65,535 parameters a statement: rows bound value by value are sent
# in chunks (rows as JSON are one parameter).
_MAX_PARAMETERS = 60000


@dataclass(frozen=True, slots=True)
class Write:
    """A data-modifying statement (an UPDATE or INSERT without RETURNING) and its
    parameters, to send along with other writes. Its text should not vary with the
    number of rows (pass rows as one JSON parameter), so that it is prepared once."""

    sql: str
    params: tuple[Any, ...] = ()


class NotJson(Exception):
    """A value with no exact JSON form: its rows are bound one value at a time."""


def json_value(field: Field, value: Any) -> Any:
    """A field's value as it goes into a JSON row for jsonb_to_recordset: what the ORM
    would store, with dates and aware datetimes in ISO form (which PostgreSQL reads back
    exactly). Raises NotJson for a value with no exact JSON form (a JSON field set to
    None, which the ORM stores as SQL NULL; a naive datetime; another type)."""
    if field.get_internal_type() == "JSONField":
        if value is None or field.encoder is not None:  # type: ignore[attr-defined]
            raise NotJson
        return value
    value = field.get_prep_value(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise NotJson
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float)):
        raise NotJson
    return value


def json_rows(rows: Sequence[dict[str, Any]]) -> str | None:
    """Rows as one JSON parameter, or None when a value is not finite or not JSON."""
    try:
        return json.dumps(rows, allow_nan=False)
    except (TypeError, ValueError):
        return None


def insert_returning_ids(objs: Sequence[Model]) -> None:
    """bulk_create for the pipeline's rows (claims, events, history, change feed), as one
    INSERT ... RETURNING id: the same values (each field's pre_save and get_prep_value,
    so auto_now_add stamps and JSON are as bulk_create makes them) and the ids set on the
    objects in order, without the ORM's query compilation."""
    writes_send(inserts=[objs])


def writes_send(*, inserts: Sequence[Sequence[Model]] = (), writes: Sequence[Write] = ()) -> None:
    """Insert each list of objects (one model a list) and run each write, in one statement
    when they can travel as JSON; the new ids are set on the objects, in order."""
    parts: list[str] = []
    params: list[Any] = []
    returning: list[Sequence[Model]] = []
    for objs in inserts:
        if not objs:
            continue
        rows = rows_as_json(objs)
        if rows is None:
            _insert_bound(objs)
            continue
        parts.append(json_insert_sql(type(objs[0])))
        params.append(rows)
        returning.append(objs)
    for write in writes:
        parts.append(write.sql)
        params.extend(write.params)
    if not parts:
        return
    if len(parts) == 1:
        ids = fetch_prepared(parts[0], params)
        if returning:
            ids_set(returning[0], [pk for (pk,) in ids])
        return
    rows = fetch_prepared(_joined_sql(tuple(parts), len(returning)), params)
    by_part: list[list[int]] = [[] for _ in returning]
    for part, pk in rows:
        by_part[part].append(pk)
    for objs, ids in zip(returning, by_part, strict=True):
        ids_set(objs, ids)


def update_write(objs: Sequence[Model], fields: Sequence[str]) -> Write | None:
    """The UPDATE of these fields of these stored objects (of one model) as one write, with
    the values they hold (no pre_save: set auto_now fields yourself); None when a value
    has no exact JSON form, for the caller to save them another way."""
    model = type(objs[0])
    model_fields = [model._meta.get_field(name) for name in fields]
    try:
        rows = json_rows([{"id": o.pk, **{f.column: json_value(f, getattr(o, f.attname)) for f in model_fields}}
                          for o in objs])
    except NotJson:
        return None
    return Write(_update_sql(model, tuple(fields)), (rows,)) if rows is not None else None


@functools.cache
def _update_sql(model: type[Model], fields: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    model_fields = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in model_fields)
    definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in model_fields)
    return (f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} FROM jsonb_to_recordset(%s::text::jsonb)"
            f" AS v(id bigint, {definition}) WHERE t.{quote(model._meta.pk.column)} = v.id")


@functools.cache
def _joined_sql(parts: tuple[str, ...], returning: int) -> str:
    """One statement of data-modifying WITH clauses; the first `returning` parts are
    inserts whose ids come back tagged with their part's number, in insertion order."""
    ctes = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(parts))
    selects = " UNION ALL ".join(f"SELECT {i}, id FROM w{i}" for i in range(returning))
    return f"WITH {ctes} " + (selects or "SELECT 0, NULL::bigint WHERE false")


def ids_set(objs: Sequence[Model], ids: list[int]) -> None:
    if len(ids) != len(objs):
        raise RuntimeError(f"inserted {len(objs)} rows but got {len(ids)} ids back")
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


@functools.cache
def _insert_fields(model: type[Model]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@functools.cache
def json_insert_sql(model: type[Model]) -> str:
    """The insert of a model's rows given as one JSON parameter (the same text every time)."""
    opts = model._meta
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    return (f"INSERT INTO {quote(opts.db_table)} ({columns}) SELECT {columns} FROM"
            f" jsonb_to_recordset(%s::text::jsonb) AS x({definition}) RETURNING {quote(opts.pk.column)}")


def rows_as_json(objs: Sequence[Model]) -> str | None:
    """The rows to insert as a JSON array of objects keyed by column, or None when a value
    has no exact JSON form (the caller then binds the values one by one)."""
    plan = _json_plan(type(objs[0]))
    out = []
    try:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            row = {}
            for column, attname, field, plain, none_ok, pre_save in plan:
                value = field.pre_save(obj, True) if pre_save else getattr(obj, attname)
                # A value already of the column's plain Python type, or None outside JSON, is
                # stored as it is (get_prep_value would return it unchanged); anything else
                # goes the long way.
                row[column] = value if type(value) is plain or (value is None and none_ok) \
                    else json_value(field, value)
            out.append(row)
    except NotJson:
        return None
    return json_rows(out)


_PLAIN_TYPES = {
    "CharField": str, "TextField": str, "SlugField": str, "EmailField": str, "URLField": str,
    "IntegerField": int, "BigIntegerField": int, "PositiveIntegerField": int, "SmallIntegerField": int,
    "PositiveSmallIntegerField": int, "PositiveBigIntegerField": int, "AutoField": int, "BigAutoField": int,
    "FloatField": float, "BooleanField": bool,
}


@functools.cache
def _json_plan(model: type[Model]) -> list[tuple[str, str, Field, type, bool, bool]]:
    """For each inserted field: its column, attname, the field, the one Python type whose
    values go into JSON as they are, whether None does too, and whether the field has a
    pre_save of its own (auto_now, auto_now_add). A JSON field without an encoder passes
    a dict (a list goes through json_value, which refuses None); another field passes
    its column's plain type (str, int, ...) and None, which get_prep_value leaves as
    they are; every other value goes through json_value."""
    plan = []
    for f in _insert_fields(model):
        if f.get_internal_type() == "JSONField":
            plain: type = dict if f.encoder is None else NotJson  # type: ignore[attr-defined]
            none_ok = False
        else:
            plain = _PLAIN_TYPES.get((f.target_field if f.is_relation else f).get_internal_type(), NotJson)
            none_ok = True
        plan.append((f.column, f.attname, f, plain, none_ok, type(f).pre_save is not Field.pre_save))
    return plan


def _insert_bound(objs: Sequence[Model]) -> None:
    """The insert with every value bound on its own, for rows that JSON cannot carry."""
    opts = type(objs[0])._meta
    fields = _insert_fields(type(objs[0]))
    per_statement = max(1, _MAX_PARAMETERS // len(fields))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(objs), per_statement):
        chunk = objs[start:start + per_statement]
        params: list[Any] = []
        for obj in chunk:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns})"
                f" VALUES {', '.join([row] * len(chunk))} RETURNING {quote(opts.pk.column)}",
                params,
            )
            ids_set(chunk, [pk for (pk,) in cursor.fetchall()])
