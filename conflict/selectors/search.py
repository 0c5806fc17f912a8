"""Typo-tolerant search over every spelling of places and actors.

The spellings (PlaceName.normalized, ActorName.normalized) are held in a per-process
cache keyed by the reference data versions and the newest spelling ids, so a worker
rebuilds it when the gazetteer or the actor list changes, and never between requests
otherwise. Matching is rapidfuzz over the normalised forms: "Hajeen" and "Hjain" both
find Hajin without pg_trgm.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection
from rapidfuzz import fuzz, process

from conflict.models import Actor, ActorName, Place, PlaceName
from conflict.names import loose_name, normalize_name

MIN_SCORE = 72.0


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "place" or "actor"
    id: int
    name: str
    slug: str
    matched: str  # the spelling that matched
    score: float
    detail: str = ""


@dataclass
class _Index:
    key: tuple
    choices: list[str]
    owners: list[tuple[str, int, str]]  # (kind, id, spelling as written)


_lock = threading.Lock()
_index: _Index | None = None


def _current_key() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COALESCE(string_agg(name || ':' || version, ',' ORDER BY name), '') "
            "FROM conflict_referencedataversion), "
            "(SELECT COALESCE(MAX(id), 0) FROM conflict_placename), (SELECT COUNT(*) FROM conflict_placename), "
            "(SELECT COALESCE(MAX(id), 0) FROM conflict_actorname), (SELECT COUNT(*) FROM conflict_actorname)"
        )
        return tuple(cursor.fetchone())


def _build(key: tuple) -> _Index:
    choices: list[str] = []
    owners: list[tuple[str, int, str]] = []
    live_places = Place.objects.exclude(status=Place.Status.MERGED)
    for place_id, name, normalized in PlaceName.objects.filter(place__in=live_places).values_list(
        "place_id", "name", "normalized"
    ):
        choices.append(normalized)
        owners.append(("place", place_id, name))
    for actor_id, name, normalized in ActorName.objects.filter(is_generic=False).values_list(
        "actor_id", "name", "normalized"
    ):
        choices.append(normalized)
        owners.append(("actor", actor_id, name))
    return _Index(key=key, choices=choices, owners=owners)


def _search_index() -> _Index:
    global _index
    key = _current_key()
    with _lock:
        if _index is None or _index.key != key:
            _index = _build(key)
        return _index


def search(query: str, *, limit: int = 10) -> list[SearchHit]:
    """Places and actors whose any spelling is close to the query, best first."""
    wanted = normalize_name(query or "")[:100]
    if len(wanted) < 2:
        return []
    index = _search_index()
    loose = loose_name(wanted)
    scored: dict[tuple[str, int], tuple[float, str]] = {}
    for _, score, i in process.extract(wanted, index.choices, scorer=fuzz.WRatio, limit=limit * 5,
                                       score_cutoff=MIN_SCORE):
        kind, owner, spelling = index.owners[i]
        # Exact and transliteration-equal spellings first, then the closest.
        choice = index.choices[i]
        bonus = 20.0 if choice == wanted else 10.0 if loose_name(choice) == loose else 0.0
        bonus += fuzz.ratio(wanted, choice) / 10
        total = score + bonus
        if total > scored.get((kind, owner), (-1.0, ""))[0]:
            scored[(kind, owner)] = (total, spelling)
    best = sorted(scored.items(), key=lambda item: -item[1][0])[:limit]
    place_ids = [owner for (kind, owner), _ in best if kind == "place"]
    actor_ids = [owner for (kind, owner), _ in best if kind == "actor"]
    places = {p.id: p for p in Place.objects.filter(id__in=place_ids).only("id", "name", "slug", "kind", "admin1")}
    actors = {a.id: a for a in Actor.objects.filter(id__in=actor_ids).only("id", "name", "slug", "kind")}
    hits: list[SearchHit] = []
    for (kind, owner), (score, spelling) in best:
        if kind == "place" and owner in places:
            p = places[owner]
            detail = ", ".join(x for x in (p.get_kind_display(), p.admin1) if x)
            hits.append(SearchHit("place", p.id, p.name, p.slug, spelling, round(score, 1), detail))
        elif kind == "actor" and owner in actors:
            a = actors[owner]
            hits.append(SearchHit("actor", a.id, a.name, a.slug, spelling, round(score, 1), a.get_kind_display()))
    return hits
