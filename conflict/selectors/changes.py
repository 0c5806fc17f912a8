"""The change feed of /api/changes/: every event write since a cursor, in commit order.

EventChange ids come from a sequence, so a row's id is fixed before its transaction
commits: a transaction that started earlier may still commit a row with a smaller id.
Handing out a cursor past such a row would make clients skip it forever, so a page
stops at the first row whose transaction may still be running (txid at or above the
oldest transaction still in progress in this database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from conflict.models import Event, EventChange
from conflict.selectors.feed import event_feed_record, events_for_feed

# The oldest transaction still running in this database (transaction ids are cluster-wide,
# so the snapshot's own xmin would let a long transaction in another database stall the
# feed), or the snapshot's xmax when none is: every row of a transaction below it is
# committed or gone for good. Each transaction holds an exclusive lock on its own id.
SAFE_HORIZON_SQL = """
WITH snap AS (SELECT pg_current_snapshot() AS s)
SELECT coalesce(
    (SELECT min(x::text::bigint) FROM snap, LATERAL pg_snapshot_xip(snap.s) AS x
     WHERE mod(x::text::bigint, 4294967296) IN (
         SELECT l.transactionid::text::bigint FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
           AND a.datname = current_database())),
    (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
"""

_CHANGES_SQL = f"""
SELECT c.id, c.event_id, c.kind, c.merged_into_id, c.txid, c.at, ({SAFE_HORIZON_SQL}) AS horizon
FROM conflict_eventchange c
WHERE c.id > %s
ORDER BY c.id
LIMIT %s
"""


@dataclass
class ChangePage:
    changes: list[dict[str, Any]]
    cursor: int
    has_more: bool


def changes_since(*, after: int, limit: int) -> ChangePage:
    """Up to `limit` changes after the cursor, each with the event's current record, or a
    tombstone when the event is now merged or rejected, so that applying them in order
    leaves a client with exactly the server's current feed."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGES_SQL, [after, limit + 1])
        rows = cursor.fetchall()
    safe: list[tuple[Any, ...]] = []
    held_back = False
    for row in rows:
        txid, horizon = row[4], row[6]
        if txid is not None and txid >= horizon:
            held_back = True
            break
        safe.append(row)
    has_more = len(safe) > limit or held_back
    safe = safe[:limit]
    event_ids = {row[1] for row in safe}
    events = {e.pk: e for e in events_for_feed(Event.objects.filter(pk__in=event_ids))} if event_ids else {}
    out: list[dict[str, Any]] = []
    for change_id, event_id, kind, _merged_into, _txid, at, _horizon in safe:
        entry: dict[str, Any] = {
            "seq": change_id,
            "kind": kind,
            "event_id": event_id,
            "at": at.isoformat().replace("+00:00", "Z"),
        }
        event = events.get(event_id)
        if event is None:
            entry["tombstone"] = {"id": event_id, "kind": "deleted", "merged_into": None, "status": None}
        elif event.merged_into_id is not None:
            entry["tombstone"] = {"id": event_id, "kind": EventChange.Kind.MERGED.value,
                                  "merged_into": event.merged_into_id, "status": event.status}
        elif event.status == Event.Status.REJECTED:
            entry["tombstone"] = {"id": event_id, "kind": EventChange.Kind.REJECTED.value, "merged_into": None,
                                  "status": event.status}
        else:
            entry["event"] = event_feed_record(event)
        out.append(entry)
    cursor_value = safe[-1][0] if safe else after
    return ChangePage(changes=out, cursor=cursor_value, has_more=has_more)
