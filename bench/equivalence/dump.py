"""Dump normalised table content of one database, one file per table.

    python dump.py DBNAME OUTDIR

Each row is printed as one JSON line (columns in table order), rows ordered by id.
Normalisation:
  * every `timestamp with time zone` / `timestamp` column is wall-clock: replaced by
    "<ts>" when set, null when null (so whether it is set is still compared);
  * inside JSON values, keys that name wall-clock times (created_at, updated_at, at, ...)
    and any string that looks like an ISO datetime (date + time) are masked the same way;
    reports_report.metadata loses the key tag_seconds (a duration);
  * conflict_eventchange.txid: replaced by the ordinal (1, 2, ...) of the distinct txid in
    order of first appearance by id, so which rows share a transaction is compared but not
    the raw transaction ids;
  * reports_report.text: its md5 and length instead of the body.
Floats are printed with repr (exact).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import psycopg

TABLES = [
    # the ones the brief names
    "conflict_event", "conflict_claim", "conflict_changerecord", "conflict_eventchange",
    "conflict_controlperiod", "conflict_place", "conflict_placename", "conflict_taggerproposal",
    "reports_report", "reports_reportsketchkey",
    # also written (or writable) by ingest/tag/recompute: many-to-many rows, sources, actors
    "conflict_controlperiod_events", "conflict_taggerproposal_reports", "conflict_source",
    "conflict_actor", "conflict_actorname", "conflict_referencedataversion",
]
REPORT_COLUMNS = ["id", "origin", "status", "error", "language", "published", "published_inferred",
                  "tagger_version", "spans", "duplicate_of_id", "near_duplicate_of_id", "metadata",
                  # beyond the brief's list; deterministic too
                  "url", "file_name", "title", "author", "content_hash", "attempts", "source_id",
                  "ingested_at", "tagged_at", "updated_at", "claimed_at", "queued_at"]
TS_KEYS = {"at", "created_at", "updated_at", "ingested_at", "tagged_at", "claimed_at", "queued_at",
           "computed_at", "reviewed_at", "resolved_at", "last_polled_at"}
DROP_KEYS = {("reports_report", "metadata"): {"tag_seconds"}}
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
TS_TYPES = {"timestamp with time zone", "timestamp without time zone"}


def mask_json(value, drop=frozenset()):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in drop:
                continue
            if k in TS_KEYS and v is not None:
                out[k] = "<ts>"
            else:
                out[k] = mask_json(v)
        return out
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    if isinstance(value, str) and ISO_DATETIME.match(value):
        return "<ts>"
    return value


def plain(value):
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def dump(db: str, outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=db) as conn:
        cur = conn.cursor()
        for table in TABLES:
            cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", [table])
            types = dict(cur.fetchall())
            if not types:
                (outdir / f"{table}.txt").write_text("(no such table)\n")
                continue
            cols = [c for c in (REPORT_COLUMNS if table == "reports_report" else types) if c in types]
            select = [f'"{c}"' for c in cols]
            if table == "reports_report":
                cols += ["text_md5", "text_len"]
                select += ["md5(text)", "length(text)"]
            cur.execute(f'SELECT {", ".join(select)} FROM "{table}" ORDER BY id')
            txids: dict[int, int] = {}
            lines = []
            for row in cur:
                rec = {}
                for c, v in zip(cols, row, strict=True):
                    t = types.get(c)
                    if t in TS_TYPES:
                        v = None if v is None else "<ts>"
                    elif t in ("jsonb", "json"):
                        v = mask_json(v, DROP_KEYS.get((table, c), frozenset()))
                    elif table == "conflict_eventchange" and c == "txid" and v is not None:
                        v = txids.setdefault(v, len(txids) + 1)
                    else:
                        v = plain(v)
                    rec[c] = v
                lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=False))
            (outdir / f"{table}.txt").write_text("".join(line + "\n" for line in lines))
            print(f"  {db}.{table}: {len(lines)} rows")


if __name__ == "__main__":
    dump(sys.argv[1], Path(sys.argv[2]))
