"""Tag report files with the bundled lexicon (no database) and print the event feed as NDJSON.

    python -m reports.tagging.offline_export DIR_OR_FILES... > events.ndjson

One event per claim ("held" claims are statements of holding, not events). A .txt file may
start with a header block of `key: value` lines (url, outlet, title, published, language,
author) ending at the first blank line; the body after it is what gets tagged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from . import TAGGER_VERSION, tag
from .lexicon import bundled_lexicon, load_sources
from .types import Lexicon

HEADER_KEYS = ("url", "outlet", "title", "published", "language", "author", "source", "date")
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*)$")


def parse_report_file(raw: str) -> tuple[dict, str]:
    """(header, body): the header block is read only when every line before the first blank line
    is a known `key: value` line."""
    lines = raw.split("\n")
    header: dict[str, str] = {}
    for i, line in enumerate(lines):
        if not line.strip():
            if header and i > 0:
                return header, "\n".join(lines[i + 1:])
            break
        m = _HEADER_LINE.match(line.strip())
        if not m or m.group("key").lower() not in HEADER_KEYS:
            break
        header[m.group("key").lower()] = m.group("value").strip()
    return {}, raw


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def outlet_actor(outlet: str | None, lexicon: Lexicon) -> int | None:
    """The actor an outlet speaks for (data/sources.json affiliation), by the outlet's name or an alias."""
    if not outlet:
        return None
    key = outlet.strip().lower()
    for src in load_sources():
        names = [src.get("name", ""), *src.get("aliases", [])]
        if key in (n.lower() for n in names) and (src.get("speaks_for") or src.get("affiliation")):
            aff = src.get("speaks_for") or src["affiliation"]  # ANF: affiliated with the PKK, speaks of the SDF
            return next((a.id for a in lexicon.actors if re.sub(r"[^a-z0-9]+", "-", a.name.lower()).strip("-") == aff),
                        None)
    return None


def events_for_file(path: Path, lexicon: Lexicon, start_id: int = 1) -> list[dict]:
    raw = path.read_text(encoding="utf-8", errors="replace")
    header, body = parse_report_file(raw)
    published = _date(header.get("published") or header.get("date"))
    title = header.get("title", "")
    if not title:  # a first line followed by a blank line, without a full stop, is the headline
        first, _, rest = body.partition("\n")
        if first.strip() and rest.startswith("\n") and not first.rstrip().endswith((".", '"')) and len(first) < 250:
            title = first.strip()
    result = tag(body, published=published, lexicon=lexicon, title=title,
                 outlet_actor_id=outlet_actor(header.get("outlet") or header.get("source"), lexicon))
    places = {p.id: p for p in lexicon.places}
    actors = {a.id: a for a in lexicon.actors}
    report = {
        "id": None, "origin": f"file:{path.name}", "file_name": path.name, "url": header.get("url"),
        "outlet": header.get("outlet"), "title": title,
        "published": published.isoformat() if published else None,
        "published_inferred": result.published.isoformat() if (result.published and result.published_inferred)
        else None,
        "language": result.language,
    }
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for c in result.claims:
        if c.type == "held":
            continue
        if c.place_id is not None:
            p = places[c.place_id]
            place = {"id": p.id, "name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon, "admin1": p.admin1}
        elif c.proposed_place:
            place = {"id": None, "name": c.proposed_place, "kind": c.proposed_place_kind or "village", "lat": None,
                     "lon": None, "admin1": "", "proposed": True}
        else:
            continue

        def actor(aid):
            return {"id": aid, "name": actors[aid].name} if aid in actors else None

        date = c.date.to_json()
        out.append({
            "id": start_id + len(out), "type": c.type, "status": "auto", "date": date, "place": place,
            "actor1": actor(c.actor1_id), "actor2": actor(c.actor2_id),
            "confidence": 0.6 if c.place_id is not None else 0.4,
            "claims": [{
                "report": report, "quote": c.quote, "span": list(c.span), "date": date, "speaker": c.speaker,
                "flags": c.flags, "casualties": c.casualties, "evidence": c.evidence,
            }],
            "tagger_version": TAGGER_VERSION, "updated_at": now,
        })
    return out


def iter_files(args: list[str]):
    for a in args:
        p = Path(a)
        if p.is_dir():
            yield from sorted(x for x in p.iterdir() if x.is_file() and x.suffix in (".txt", ".md", ".text"))
        elif p.is_file():
            yield p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="report files or folders of .txt files")
    args = ap.parse_args(argv)
    lexicon = bundled_lexicon()
    next_id = 1
    for path in iter_files(args.paths):
        for ev in events_for_file(path, lexicon, next_id):
            sys.stdout.write(json.dumps(ev, ensure_ascii=False) + "\n")
            next_id += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
