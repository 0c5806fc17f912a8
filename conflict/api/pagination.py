"""Keyset ("cursor") pagination with a unique tie-breaker on id.

DRF's CursorPagination keeps its place by the first ordering field plus an offset
among equal values, which skips or repeats rows when rows with the same value arrive
between two pages. Here the cursor is the last row's (value, id) and the next page is
the rows strictly after it in (value, id) order, so a client paging through the feed
while events arrive never sees one twice and never misses one that existed when it
started. Nullable keys (an event's unknown start date) sort after every known value in
ascending order and before them in descending order, each as its own index range.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class KeyOrder:
    """One allowed ordering: `field` on the model (a column), how records show its value."""

    field: str
    nullable: bool
    kind: str  # "date", "datetime" or "int": how a cursor value is read back
    record_value: Callable[[dict[str, Any]], Any]


def _parse_value(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    if kind == "date":
        return dt.date.fromisoformat(raw)
    if kind == "datetime":
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("naive timestamp")
        return value
    if isinstance(raw, bool) or not isinstance(raw, int) or not -(2**63) <= raw < 2**63:
        raise ValueError("not a 64-bit integer")
    return raw


def encode_cursor(ordering: str, value: Any, last_id: int) -> str:
    raw = json.dumps({"o": ordering, "v": value, "i": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, ordering: str, key: KeyOrder) -> tuple[Any, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("o") != ordering:
            raise ValueError("cursor made for another ordering")
        last_id = data["i"]
        if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id < 2**63:
            raise ValueError("bad id")
        return _parse_value(key.kind, data.get("v")), last_id
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": [f"invalid cursor for ordering {ordering!r}: {exc}"]}) from exc


def _after(qs: QuerySet, field: str, value: Any, last_id: int, desc: bool) -> QuerySet:
    table = qs.model._meta.db_table
    column = qs.model._meta.get_field(field).column
    op = "<" if desc else ">"
    # A row comparison is one index range scan; the equivalent OR of two conditions is not.
    condition = RawSQL(f'("{table}"."{column}", "{table}"."id") {op} (%s, %s)', (value, last_id),
                       output_field=BooleanField())
    return qs.filter(condition)


def keyset_segments(qs: QuerySet, key: KeyOrder, desc: bool, position: tuple[Any, int] | None) -> Iterator[QuerySet]:
    """The ordered querysets that, read one after the other, give every row after `position`."""
    field, id_order = key.field, ("-id" if desc else "id")
    known = qs.filter(**{f"{field}__isnull": False}) if key.nullable else qs
    known = known.order_by(f"-{field}" if desc else field, id_order)
    unknown = qs.filter(**{f"{field}__isnull": True}).order_by(id_order) if key.nullable else None
    if position is None:
        parts = [unknown, known] if desc else [known, unknown]
        yield from (p for p in parts if p is not None)
        return
    value, last_id = position
    if value is None:
        assert unknown is not None
        tail = unknown.filter(id__lt=last_id) if desc else unknown.filter(id__gt=last_id)
        yield tail
        if desc:
            yield known
        return
    yield _after(known, field, value, last_id, desc)
    if unknown is not None and not desc:
        yield unknown


def keyset_fetch(
    qs: QuerySet,
    *,
    key: KeyOrder,
    desc: bool,
    position: tuple[Any, int] | None,
    limit: int,
    fetch: Callable[[QuerySet], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Up to `limit` records after `position`, built by `fetch` from sliced querysets."""
    out: list[dict[str, Any]] = []
    for segment in keyset_segments(qs, key, desc, position):
        out.extend(fetch(segment[: limit - len(out)]))
        if len(out) >= limit:
            break
    return out


def record_position(key: KeyOrder, record: dict[str, Any]) -> tuple[Any, int]:
    return key.record_value(record), record["id"]


def keyset_stream_ids(qs: QuerySet, *, key: KeyOrder, desc: bool, chunk: int) -> Iterator[list[int]]:
    """Every matching id in order, `chunk` at a time, each chunk one short index-range
    query: memory stays flat however many rows match."""
    position: tuple[Any, int] | None = None
    while True:
        rows: list[tuple[int, Any]] = []
        for segment in keyset_segments(qs, key, desc, position):
            rows.extend(segment.values_list("id", key.field)[: chunk - len(rows)])
            if len(rows) >= chunk:
                break
        if not rows:
            return
        yield [row[0] for row in rows]
        if len(rows) < chunk:
            return
        position = (rows[-1][1], rows[-1][0])


@dataclass
class PageRequest:
    ordering: str
    desc: bool
    key: KeyOrder
    page_size: int
    position: tuple[Any, int] | None


def parse_page_request(params: Any, orderings: dict[str, KeyOrder], default_ordering: str) -> PageRequest:
    raw_size = params.get("page_size")
    page_size = DEFAULT_PAGE_SIZE
    if raw_size is not None:
        try:
            page_size = int(raw_size)
        except ValueError as exc:
            raise ValidationError({"page_size": [f"must be an integer from 1 to {MAX_PAGE_SIZE}"]}) from exc
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"must be from 1 to {MAX_PAGE_SIZE}, got {page_size}"]})
    ordering = params.get("ordering") or default_ordering
    name = ordering.removeprefix("-")
    if name not in orderings:
        allowed = ", ".join(sorted(f"{n}, -{n}" for n in orderings))
        raise ValidationError({"ordering": [f"unknown ordering {ordering!r}; use one of {allowed}"]})
    key = orderings[name]
    token = params.get("cursor")
    position = decode_cursor(token, ordering, key) if token else None
    return PageRequest(ordering=ordering, desc=ordering.startswith("-"), key=key, page_size=page_size,
                       position=position)


def next_link(request: Any, page: PageRequest, records: list[dict[str, Any]]) -> str | None:
    """The URL of the page after these records, or None on the last page."""
    if len(records) <= page.page_size:
        return None
    value, last_id = record_position(page.key, records[page.page_size - 1])
    params = request.query_params.copy()
    params["cursor"] = encode_cursor(page.ordering, value, last_id)
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.lists()), doseq=True)
