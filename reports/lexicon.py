"""The tagger's lookup tables built from the database, once per process.

A worker keeps its Lexicon until conflict.ReferenceDataVersion says the gazetteer or
the actor list changed; checking costs one small query per report.
"""

from __future__ import annotations

import threading

from django.db import connection

from conflict.models import Actor, ActorName, Place, PlaceName, ReferenceDataVersion
from conflict.services.snapshot import snapshot_value
from reports.tagging.types import ActorEntry, Lexicon, PlaceEntry

_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "lexicon": None}


def reference_versions() -> tuple[tuple[str, int], ...]:
    return tuple(ReferenceDataVersion.objects.order_by("name").values_list("name", "version"))


def _cache_key() -> tuple:
    """The reference-data versions, plus the newest confirmed place and actor spelling:
    a rolled-back transaction (a test) can reuse a version number but never an id.
    Places the tagger proposes do not make the tables stale: the next report naming one
    is linked to it by name (reports.services.place_propose), so no rebuild is needed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT string_agg(name || ':' || version, ',' ORDER BY name) FROM conflict_referencedataversion),"
            " (SELECT max(id) FROM conflict_place WHERE status = 'confirmed'),"
            " (SELECT count(*) FROM conflict_place WHERE status = 'confirmed'),"
            " (SELECT max(id) FROM conflict_actorname), (SELECT count(*) FROM conflict_actorname)"
        )
        return tuple(cursor.fetchone())


def lexicon_build() -> Lexicon:
    """Every place that is not merged away (proposed ones too, so a second report naming
    a proposed village links to it) and every actor with its aliases."""
    spellings: dict[int, list[str]] = {}
    for place_id, name in PlaceName.objects.order_by("place_id", "-is_primary", "id").values_list("place_id", "name"):
        spellings.setdefault(place_id, []).append(name)
    places = []
    for p in Place.objects.exclude(status=Place.Status.MERGED).order_by("id"):
        names = spellings.get(p.id, [])
        places.append(PlaceEntry(id=p.id, name=p.name, kind=p.kind, spellings=tuple(dict.fromkeys([p.name, *names])),
                                 lat=p.lat, lon=p.lon, admin1=p.admin1))
    aliases: dict[int, list[str]] = {}
    generic: dict[int, list[str]] = {}
    for actor_id, name, is_generic in ActorName.objects.order_by("id").values_list("actor_id", "name", "is_generic"):
        (generic if is_generic else aliases).setdefault(actor_id, []).append(name)
    actors = [
        ActorEntry(id=a.id, name=a.name, aliases=tuple(dict.fromkeys([a.name, *aliases.get(a.id, [])])),
                   generic=tuple(generic.get(a.id, [])), parent_id=a.parent_id)
        for a in Actor.objects.order_by("id")
    ]
    versions = reference_versions()
    return Lexicon(places=places, actors=actors, version=sum(v for _, v in versions))


def lexicon_current() -> Lexicon:
    """The cached Lexicon, rebuilt when the reference data version changed."""
    # Inside a reference snapshot (a batch of reports tagged in one process) the check
    # is made once for the batch.
    key = snapshot_value("lexicon_key", _cache_key)
    if _cache["key"] == key and _cache["lexicon"] is not None:
        return _cache["lexicon"]  # type: ignore[return-value]
    with _lock:
        if _cache["key"] != key or _cache["lexicon"] is None:
            lexicon = lexicon_build()
            _cache["lexicon"], _cache["key"] = lexicon, key
        return _cache["lexicon"]  # type: ignore[return-value]


def lexicon_reset() -> None:
    """Forget the cached tables (tests that roll back reference data use it)."""
    with _lock:
        _cache["key"] = _cache["lexicon"] = None
