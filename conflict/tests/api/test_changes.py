"""The change feed under real commits: these tests use a transactional database, since
the feed deliberately holds back rows of transactions that have not committed."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection

from conflict.models import ChangeRecord, Claim, Event
from conflict.services.events import event_apply_change, events_merge
from conflict.tests.factories import ActorFactory, ClaimFactory, PlaceFactory, ReportFactory

pytestmark = pytest.mark.django_db(transaction=True)


def new_events(n: int, place=None) -> list[Event]:
    place = place or PlaceFactory()
    actor = ActorFactory()
    claims = []
    for i in range(n):
        day = dt.date(2018, 1, 1) + dt.timedelta(days=20 * i)
        claims.append(ClaimFactory(report=ReportFactory(), place=place, actor1=actor, type="capture",
                                   date_start=day, date_end=day))
    return events_merge(claims=Claim.objects.filter(pk__in=[c.pk for c in claims]).select_related("report"))


def replay(api, state: dict[int, dict], cursor: str = "0", page_size: int = 3) -> str:
    """Apply the feed from `cursor` to `state` as a client would; return the last cursor."""
    for _ in range(1000):
        body = api.get("/api/changes/", {"cursor": cursor, "page_size": page_size}).json()
        for change in body["changes"]:
            if "event" in change:
                state[change["event_id"]] = change["event"]
            else:
                state.pop(change["tombstone"]["id"], None)
        cursor = body["cursor"]
        if not body["has_more"]:
            return cursor
    raise AssertionError("the change feed never ended")


def server_feed(api) -> dict[int, dict]:
    out: dict[int, dict] = {}
    url, params = "/api/events/", {"page_size": 500}
    while url:
        body = api.get(url, params).json()
        out.update({r["id"]: r for r in body["results"]})
        url, params = body["next"], None
    return out


def test_replaying_the_change_feed_into_an_empty_copy_gives_the_servers_state(api, editor):
    events = new_events(6)
    a, b, c, d = events[:4]
    event_apply_change(event=a, changes={"status": "reviewed"}, action=ChangeRecord.Action.ACCEPT, user=editor)
    event_apply_change(event=b, changes={"merged_into": c}, action=ChangeRecord.Action.MERGE, user=editor)
    event_apply_change(event=d, changes={"status": "rejected", "reject_reason": "not an event"},
                       action=ChangeRecord.Action.REJECT, user=editor)

    mirror: dict[int, dict] = {}
    cursor = replay(api, mirror)
    assert mirror == server_feed(api)
    assert b.pk not in mirror and d.pk not in mirror and mirror[a.pk]["status"] == "reviewed"

    # More writes after the client caught up: it continues from its cursor.
    event_apply_change(event=d, changes={"status": "auto", "reject_reason": ""}, action=ChangeRecord.Action.UNDO)
    event_apply_change(event=a, changes={"confidence": 0.42}, action=ChangeRecord.Action.UPDATE, user=editor)
    new_events(2)
    replay(api, mirror, cursor=cursor)
    assert mirror == server_feed(api)
    assert mirror[a.pk]["confidence"] == 0.42 and d.pk in mirror


def test_tombstones_say_merged_or_rejected(api, editor):
    a, b, c = new_events(3)
    event_apply_change(event=a, changes={"merged_into": b}, action=ChangeRecord.Action.MERGE, user=editor)
    event_apply_change(event=c, changes={"status": "rejected"}, action=ChangeRecord.Action.REJECT, user=editor)
    changes = api.get("/api/changes/", {"page_size": 500}).json()["changes"]
    merged = [ch for ch in changes if ch["kind"] == "merged"]
    rejected = [ch for ch in changes if ch["kind"] == "rejected"]
    assert merged[-1]["tombstone"] == {"id": a.pk, "kind": "merged", "merged_into": b.pk, "status": "auto"}
    assert rejected[-1]["tombstone"] == {"id": c.pk, "kind": "rejected", "merged_into": None, "status": "rejected"}
    assert [ch["seq"] for ch in changes] == sorted(ch["seq"] for ch in changes)


def test_a_row_of_a_transaction_still_running_holds_back_later_rows(api, editor):
    """The other writer takes its change id first but commits last: the reader must not
    hand out a cursor past that id before it commits, or clients would skip the row."""
    first, second = new_events(2)
    start = replay(api, {})
    other = psycopg.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cur:
            cur.execute(
                "INSERT INTO conflict_eventchange (event_id, kind, txid, at) "
                "VALUES (%s, 'updated', pg_current_xact_id()::text::bigint, now()) RETURNING id",
                [first.pk],
            )
            slow_id = cur.fetchone()[0]
        event_apply_change(event=second, changes={"confidence": 0.77}, action=ChangeRecord.Action.UPDATE,
                           user=editor)
        body = api.get("/api/changes/", {"cursor": start}).json()
        assert body["changes"] == [] and body["cursor"] == start and body["has_more"] is True
        other.commit()
    finally:
        other.close()
    body = api.get("/api/changes/", {"cursor": start}).json()
    seqs = [ch["seq"] for ch in body["changes"]]
    assert seqs[0] == slow_id and len(seqs) == 2 and seqs == sorted(seqs)
    assert body["changes"][1]["event"]["confidence"] == 0.77


def test_the_change_feed_rejects_a_bad_cursor(api):
    response = api.get("/api/changes/", {"cursor": "-5"})
    assert response.status_code == 400 and "cursor" in response.json()
