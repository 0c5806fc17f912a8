"""Fill a database with a synthetic conflict history, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tidemark_bench \
        .venv/bin/python bench/synthetic_history.py --events 200000 --places 5000 --clear

Makes `places` synthetic places (slug `synth-<n>`, spread over eastern Syria), the
busiest of them (`synth-0`, "Synth Place 0") with `--busiest` events and the rest spread
over the others, plus reports (one per few events, with tagged spans), one or two
claims per event, and control periods that tile each place's time line, built from
the captures the generator itself wrote (the same shape control_recompute makes).
Reference data (actors, sources) must be loaded first (`manage.py setup`).

Rows go in with COPY through Django's psycopg 3 connection with ids allocated up
front, so 200,000 events take tens of seconds rather than many minutes. Everything
synthetic is found again by its markers (place slug `synth-`, report origin
`synthetic:`), so `--clear` removes a previous run and leaves real data alone.

Importable: `from bench.synthetic_history import synthetic_history_fill` (with Django
set up) returns a SyntheticSummary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLACE_PREFIX = "synth-"
ORIGIN_PREFIX = "synthetic:"
TAGGER_VERSION = "synthetic-1"
FIRST_DAY = dt.date(2012, 1, 1)
LAST_DAY = dt.date(2019, 12, 31)
EVENT_TYPES = (
    ("capture", 10), ("clash", 24), ("attack", 20), ("airstrike", 24), ("advance", 10),
    ("siege", 5), ("withdrawal", 4), ("arrest", 3),
)
VERBS = {
    "capture": "captured", "clash": "clashed with", "attack": "attacked", "airstrike": "struck",
    "advance": "advanced on", "siege": "besieged", "withdrawal": "withdrew from", "arrest": "detained men of",
}


@dataclass
class SyntheticSummary:
    places: int = 0
    events: int = 0
    claims: int = 0
    reports: int = 0
    periods: int = 0
    seconds: float = 0.0
    busiest_place_id: int | None = None
    busiest_slug: str = ""
    busiest_events: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _next_ids(cursor: Any, table: str, count: int) -> int:
    """Reserve `count` ids of an identity column; returns the first."""
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    seq = cursor.fetchone()[0]
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = cursor.fetchone()[0] + 1
    cursor.execute("SELECT setval(%s, %s)", [seq, first + count])
    return first


def _sequence(cursor: Any, table: str) -> str:
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    return cursor.fetchone()[0]


def _copy(cursor: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def synthetic_history_clear() -> None:
    """Remove every synthetic row (found by its markers), leaving real data alone."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TEMP TABLE _synth_places ON COMMIT DROP AS SELECT id FROM conflict_place WHERE slug LIKE %s",
                  [PLACE_PREFIX + "%"])
        c.execute("CREATE TEMP TABLE _synth_reports ON COMMIT DROP AS "
                  "SELECT id FROM reports_report WHERE origin LIKE %s", [ORIGIN_PREFIX + "%"])
        c.execute("DELETE FROM conflict_controlperiod_events WHERE controlperiod_id IN "
                  "(SELECT id FROM conflict_controlperiod WHERE place_id IN (SELECT id FROM _synth_places))")
        c.execute("DELETE FROM conflict_controlperiod WHERE place_id IN (SELECT id FROM _synth_places)")
        c.execute("DELETE FROM conflict_claim WHERE report_id IN (SELECT id FROM _synth_reports) "
                  "OR place_id IN (SELECT id FROM _synth_places)")
        c.execute("DELETE FROM conflict_eventchange WHERE event_id IN "
                  "(SELECT id FROM conflict_event WHERE place_id IN (SELECT id FROM _synth_places))")
        c.execute("DELETE FROM conflict_controlperiod_events WHERE event_id IN "
                  "(SELECT id FROM conflict_event WHERE place_id IN (SELECT id FROM _synth_places))")
        c.execute("UPDATE conflict_event SET merged_into_id = NULL WHERE place_id IN (SELECT id FROM _synth_places)")
        c.execute("DELETE FROM conflict_event WHERE place_id IN (SELECT id FROM _synth_places)")
        c.execute("DELETE FROM reports_report WHERE id IN (SELECT id FROM _synth_reports)")
        c.execute("DELETE FROM conflict_placename WHERE place_id IN (SELECT id FROM _synth_places)")
        c.execute("DELETE FROM conflict_place WHERE id IN (SELECT id FROM _synth_places)")


def _event_counts(rng: random.Random, events: int, places: int, busiest: int) -> list[int]:
    """Events per place: place 0 gets `busiest`, the rest share what is left, none above it."""
    busiest = min(busiest, events)
    counts = [0] * places
    counts[0] = busiest
    rest = events - busiest
    if places > 1:
        base, extra = divmod(rest, places - 1)
        for i in range(1, places):
            counts[i] = base + (1 if i <= extra else 0)
        # Uneven but bounded: move events between random pairs of places.
        for _ in range(places):
            a, b = rng.randrange(1, places), rng.randrange(1, places)
            moved = rng.randint(0, counts[a] // 2)
            if counts[b] + moved < busiest:
                counts[a] -= moved
                counts[b] += moved
    else:
        counts[0] = events
    return counts


def _random_date(rng: random.Random, day: dt.date) -> tuple[dt.date | None, dt.date | None, str]:
    roll = rng.random()
    if roll < 0.70:
        return day, day, "day"
    if roll < 0.85:
        return day, day + dt.timedelta(days=rng.randint(1, 9)), "week"
    if roll < 0.95:
        first = day.replace(day=1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return first, last, "month"
    return None, None, "unknown"


def synthetic_history_fill(
    *, events: int = 200_000, places: int = 5_000, busiest: int = 5_000, seed: int = 1,
    clear: bool = False, claims_per_report: int = 4, verbose: bool = False,
) -> SyntheticSummary:
    """Write a synthetic history in one transaction and return what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from conflict.models import Actor, Place, Source
    from conflict.names import normalize_name
    from conflict.services.reference import reference_version_bump

    began = time.perf_counter()
    rng = random.Random(seed)
    places = max(1, places)
    if clear:
        synthetic_history_clear()
    elif Place.objects.filter(slug__startswith=PLACE_PREFIX).exists():
        raise SystemExit("synthetic data already present: pass --clear (clear=True) to replace it")
    actors = list(Actor.objects.filter(parent__isnull=True).order_by("id").values_list("id", "name"))
    sources = list(Source.objects.order_by("id").values_list("id", "name", "affiliation_id"))
    if len(actors) < 2 or not sources:
        raise SystemExit("load the reference data first: manage.py setup")
    actor_name = dict(actors)
    actor_ids = [a for a, _ in actors]
    now = timezone.now()
    counts = _event_counts(rng, events, places, busiest)
    total_events = sum(counts)
    log = print if verbose else (lambda *a, **k: None)

    with transaction.atomic(), connection.cursor() as wrapper:
        c = wrapper.cursor  # the psycopg 3 cursor, for COPY
        place0 = _next_ids(c, "conflict_place", places)
        name0 = _next_ids(c, "conflict_placename", places)
        event0 = _next_ids(c, "conflict_event", total_events)
        n_reports_max = 2 * total_events // max(1, claims_per_report) + places + 1
        report0 = _next_ids(c, "reports_report", n_reports_max)
        claim0 = _next_ids(c, "conflict_claim", total_events * 2)
        period0 = _next_ids(c, "conflict_controlperiod", total_events + places)
        link0 = _next_ids(c, "conflict_controlperiod_events", total_events)

        place_rows, name_rows = [], []
        for i in range(places):
            name = f"Synth Place {i}"
            lat = round(rng.uniform(34.2, 36.9), 5)
            lon = round(rng.uniform(38.5, 41.9), 5)
            kind = "town" if i % 10 == 0 else "village"
            place_rows.append((place0 + i, name, f"{PLACE_PREFIX}{i}", kind, lat, lon, "Deir ez-Zor", "Synthetic",
                               "confirmed", "synthetic", now, now))
            name_rows.append((name0 + i, place0 + i, name, normalize_name(name), "en", "Latn", True))
        _copy(c, "conflict_place", ["id", "name", "slug", "kind", "lat", "lon", "admin1", "admin2", "status",
                                    "data_source", "created_at", "updated_at"], place_rows)
        _copy(c, "conflict_placename", ["id", "place_id", "name", "normalized", "language", "script", "is_primary"],
              name_rows)
        log(f"places: {places} ({time.perf_counter() - began:.1f}s)")

        event_rows, claim_rows, report_rows, period_rows, link_rows = [], [], [], [], []
        types = [t for t, _ in EVENT_TYPES]
        weights = [w for _, w in EVENT_TYPES]
        eid, cid, rid, pid, lid = event0, claim0, report0, period0, link0
        span_days = (LAST_DAY - FIRST_DAY).days
        for i, n in enumerate(counts):
            place_id = place0 + i
            place_name = f"Synth Place {i}"
            days = sorted(FIRST_DAY + dt.timedelta(days=rng.randrange(span_days)) for _ in range(n))
            holder = rng.choice(actor_ids)
            position = 0
            period_start: tuple | None = None
            period_events: list[int] = []
            pending: list[tuple[int, str, int | None, int | None, tuple]] = []  # claims waiting for a report
            # An event's second claim comes from the next report (another source), as corroboration does.
            carry: list[tuple[int, str, int | None, int | None, tuple]] = []
            for day in days:
                etype = rng.choices(types, weights)[0]
                start, end, precision = _random_date(rng, day)
                if etype == "capture":
                    actor1 = rng.choice([a for a in actor_ids if a != holder])
                    actor2 = holder
                else:
                    actor1 = rng.choice(actor_ids)
                    actor2 = holder if actor1 != holder else rng.choice([a for a in actor_ids if a != actor1])
                roll = rng.random()
                status = "auto" if roll < 0.80 else ("reviewed" if roll < 0.98 else "rejected")
                confidence = round(rng.uniform(0.3, 0.95), 3)
                event_rows.append((eid, start, end, precision, etype, status, confidence, "", "[]", "[]", "{}", 1,
                                   now, now, actor1, actor2, place_id))
                if etype == "capture" and status != "rejected" and start is not None:
                    period_rows.append((pid, "held", *(period_start or (None, None, "")), start, end, precision,
                                        round(rng.uniform(0.5, 0.9), 3), "[]", position, now, holder, place_id))
                    for ev in period_events:
                        link_rows.append((lid, pid, ev))
                        lid += 1
                    pid += 1
                    position += 1
                    period_start = (start, end, precision)
                    period_events = [eid]
                    holder = actor1
                claim = (eid, etype, actor1, actor2, (start, end, precision))
                pending.append(claim)
                if rng.random() >= 0.8:
                    carry.append(claim)
                eid += 1
                if len(pending) >= claims_per_report:
                    rid, cid = _report(rng, pending, rid, cid, place_id, place_name, actor_name, sources, now,
                                       report_rows, claim_rows)
                    pending, carry = carry, []
            pending += carry
            if pending:
                rid, cid = _report(rng, pending, rid, cid, place_id, place_name, actor_name, sources, now,
                                   report_rows, claim_rows)
            period_rows.append((pid, "held", *(period_start or (None, None, "")), None, None, "",
                                round(rng.uniform(0.5, 0.9), 3), "[]", position, now, holder, place_id))
            for ev in period_events:
                link_rows.append((lid, pid, ev))
                lid += 1
            pid += 1
            if len(event_rows) >= 50_000:
                _flush(c, event_rows, report_rows, claim_rows, period_rows, link_rows)
                log(f"events: {eid - event0} ({time.perf_counter() - began:.1f}s)")
        _flush(c, event_rows, report_rows, claim_rows, period_rows, link_rows)
        log(f"events: {eid - event0} ({time.perf_counter() - began:.1f}s)")
        reference_version_bump(name="gazetteer")
        # Whatever was reserved, leave every sequence past the highest id written.
        for table in ("conflict_place", "conflict_placename", "conflict_event", "reports_report", "conflict_claim",
                      "conflict_controlperiod", "conflict_controlperiod_events"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "
                      f"(SELECT last_value FROM {_sequence(c, table)})))")
    with connection.cursor() as wrapper:
        for table in ("conflict_place", "conflict_placename", "conflict_event", "reports_report", "conflict_claim",
                      "conflict_controlperiod", "conflict_controlperiod_events"):
            wrapper.execute(f"ANALYZE {table}")

    return SyntheticSummary(
        places=places, events=eid - event0, claims=cid - claim0, reports=rid - report0, periods=pid - period0,
        seconds=round(time.perf_counter() - began, 1), busiest_place_id=place0, busiest_slug=f"{PLACE_PREFIX}0",
        busiest_events=counts[0],
    )


def _flush(c: Any, event_rows: list, report_rows: list, claim_rows: list, period_rows: list, link_rows: list) -> None:
    _copy(c, "conflict_event", ["id", "date_start", "date_end", "date_precision", "type", "status", "confidence",
                                "reject_reason", "disagreements", "flags", "casualties", "version", "created_at",
                                "updated_at", "actor1_id", "actor2_id", "place_id"], event_rows)
    _copy(c, "reports_report", ["id", "origin", "url", "file_name", "title", "author", "published",
                                "published_inferred", "text", "content_hash", "language", "metadata", "ingested_at",
                                "status", "error", "attempts", "tagger_version", "tagged_at", "spans", "updated_at",
                                "source_id"], report_rows)
    _copy(c, "conflict_claim", ["id", "date_start", "date_end", "date_precision", "type", "span_start", "span_end",
                                "quote", "speaker", "tagger_version", "evidence", "flags", "casualties", "created_at",
                                "actor1_id", "actor2_id", "report_id", "event_id", "place_id"], claim_rows)
    _copy(c, "conflict_controlperiod", ["id", "state", "start_start", "start_end", "start_precision", "end_start",
                                        "end_end", "end_precision", "confidence", "alternatives", "position",
                                        "computed_at", "holder_id", "place_id"], period_rows)
    _copy(c, "conflict_controlperiod_events", ["id", "controlperiod_id", "event_id"], link_rows)
    for rows in (event_rows, report_rows, claim_rows, period_rows, link_rows):
        rows.clear()


def _report(
    rng: random.Random, pending: list, rid: int, cid: int, place_id: int, place_name: str,
    actor_name: dict[int, str], sources: list, now: dt.datetime, report_rows: list, claim_rows: list,
) -> tuple[int, int]:
    """One report holding the pending claims, each sentence a claim with its span."""
    source_id, source_name, _ = rng.choice(sources)
    dated = [d[1] for *_, d in pending if d[1] is not None]
    published = (max(dated) + dt.timedelta(days=rng.randint(0, 3))) if dated else None
    parts: list[str] = []
    spans: list[dict[str, Any]] = []
    offset = 0
    claims: list[tuple] = []
    for event_id, etype, actor1, actor2, (start, end, precision) in pending:
        a1, a2 = actor_name.get(actor1, "Unknown forces"), actor_name.get(actor2, "their rivals")
        when = f"on {start:%d %B %Y}" if start and start == end else ("recently" if start is None else
                                                                        f"in {start:%B %Y}")
        if etype in ("capture", "advance", "siege", "withdrawal"):
            sentence = f"{a1} {VERBS[etype]} {place_name} {when}, {source_name} said."
        else:
            sentence = f"{a1} {VERBS[etype]} {a2} in {place_name} {when}, {source_name} said."
        tagged = (("actor", a1, actor1), ("trigger", VERBS[etype], etype), ("place", place_name, place_id))
        for kind, text, ref in tagged:
            at = sentence.find(text)
            if at >= 0:
                spans.append({"kind": kind, "start": offset + at, "end": offset + at + len(text), "text": text,
                              "ref": ref})
        claims.append((cid, start, end, precision, etype, offset, offset + len(sentence), sentence, source_name,
                       TAGGER_VERSION, "{}", "[]", "{}", now, actor1, actor2, rid, event_id, place_id))
        cid += 1
        parts.append(sentence)
        offset += len(sentence) + 1
    text = " ".join(parts)
    digest = hashlib.sha256(text.encode()).hexdigest()
    title = f"{place_name}: {len(pending)} claims"
    report_rows.append((rid, f"{ORIGIN_PREFIX}{rid}", "", f"synthetic-{rid}.txt", title, "", published, False, text,
                        digest, "en", "{}", now, "tagged", "", 1, TAGGER_VERSION, now, json.dumps(spans), now,
                        source_id))
    claim_rows.extend(claims)
    return rid + 1, cid


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--places", type=int, default=5_000)
    ap.add_argument("--busiest", type=int, default=5_000, help="events of the busiest place (slug synth-0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clear", action="store_true", help="remove a previous synthetic run first")
    ap.add_argument("--clear-only", action="store_true", help="remove the synthetic rows and stop")
    args = ap.parse_args(argv)
    from bench.common import django_setup

    django_setup()
    from django.db import connection

    print(f"database: {connection.settings_dict['NAME']}")
    if args.clear_only:
        synthetic_history_clear()
        print("synthetic rows removed")
        return 0
    summary = synthetic_history_fill(events=args.events, places=args.places, busiest=args.busiest, seed=args.seed,
                                     clear=args.clear, verbose=True)
    print(json.dumps(summary.__dict__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
