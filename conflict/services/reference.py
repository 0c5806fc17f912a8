"""Loading reference data: the bundled gazetteer, regions, actors and sources, and
GeoNames country dumps.

Every loader parses and validates its whole input before writing anything, so a
bad line stops the load with a message naming the line and nothing partial is
stored. Loading the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from conflict.models import Actor, ActorName, ActorRelation, Place, PlaceKind, PlaceName, ReferenceDataVersion, Source
from conflict.names import normalize_name

DATA_DIR = Path(settings.BASE_DIR) / "data"
GAZETTEER_FILES = (DATA_DIR / "gazetteer" / "syria_east.csv", DATA_DIR / "regions.csv")
ACTORS_FILE = DATA_DIR / "actors.json"
SOURCES_FILE = DATA_DIR / "sources.json"
GAZETTEER_COLUMNS = ["name", "alt_names", "lat", "lon", "kind", "admin1", "admin2", "geonames_id", "source"]


class ReferenceDataError(ValueError):
    """Bad reference data; the message names the file and line."""


@dataclass
class PlaceRow:
    name: str
    spellings: list[str]
    lat: float | None
    lon: float | None
    kind: str
    admin1: str = ""
    admin2: str = ""
    geonames_id: int | None = None
    data_source: str = ""
    population: int | None = None
    languages: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    names_added: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.names_added} spellings added"
        )


def script_of(text: str) -> str:
    """The Unicode script of a spelling's first letter: "Latin", "Arabic", "Cyrillic"..."""
    for char in text:
        if char.isalpha():
            try:
                return unicodedata.name(char).split(" ")[0].title()
            except ValueError:
                return ""
    return ""


def _float(value: str, what: str, where: str, low: float, high: float) -> float | None:
    if value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ReferenceDataError(f"{where}: {what} {value!r} is not a number") from None
    if not low <= number <= high:
        raise ReferenceDataError(f"{where}: {what} {number} is out of range [{low}, {high}]")
    return number


def parse_gazetteer_csv(path: Path) -> list[PlaceRow]:
    rows: list[PlaceRow] = []
    kinds = set(PlaceKind.values)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != GAZETTEER_COLUMNS:
            expected = ",".join(GAZETTEER_COLUMNS)
            raise ReferenceDataError(f"{path.name}, line 1: expected the columns {expected}, got {header}")
        for number, record in enumerate(reader, start=2):
            where = f"{path.name}, line {number}"
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(GAZETTEER_COLUMNS):
                raise ReferenceDataError(f"{where}: expected {len(GAZETTEER_COLUMNS)} columns, found {len(record)}")
            data = dict(zip(GAZETTEER_COLUMNS, record, strict=True))
            name = data["name"].strip()
            if not name:
                raise ReferenceDataError(f"{where}: the name is empty")
            kind = data["kind"].strip() or PlaceKind.VILLAGE
            if kind not in kinds:
                raise ReferenceDataError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(sorted(kinds))})")
            geonames_id = data["geonames_id"].strip()
            if geonames_id and not geonames_id.isdigit():
                raise ReferenceDataError(f"{where}: geonames_id {geonames_id!r} is not a number")
            spellings = [name] + [s.strip() for s in data["alt_names"].split("|") if s.strip()]
            rows.append(
                PlaceRow(
                    name=name,
                    spellings=list(dict.fromkeys(spellings)),
                    lat=_float(data["lat"], "latitude", where, -90, 90),
                    lon=_float(data["lon"], "longitude", where, -180, 180),
                    kind=kind,
                    admin1=data["admin1"].strip(),
                    admin2=data["admin2"].strip(),
                    geonames_id=int(geonames_id) if geonames_id else None,
                    data_source=data["source"].strip(),
                )
            )
    return rows


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name, allow_unicode=False) or "place"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


@transaction.atomic
def places_upsert(*, rows: Iterable[PlaceRow], key: str = "slug") -> LoadSummary:
    """Create or update places and their spellings.

    key="slug": rows are matched by a slug derived from the name in file order
    (the bundled gazetteer, where five names occur twice). key="geonames_id": rows
    are matched by GeoNames id, and a GeoNames row that matches a bundled place only
    adds its spellings.
    """
    summary = LoadSummary()
    existing_slugs = set(Place.objects.values_list("slug", flat=True))
    by_geonames = {p.geonames_id: p for p in Place.objects.exclude(geonames_id=None)}
    by_slug = {p.slug: p for p in Place.objects.all()} if key == "slug" else {}
    seen_slugs: set[str] = set()
    names_by_place: dict[int, set[str]] = {}
    for pid, name in PlaceName.objects.values_list("place_id", "name"):
        names_by_place.setdefault(pid, set()).add(name)
    new_names: list[PlaceName] = []
    for row in rows:
        place = None
        if key == "geonames_id" and row.geonames_id is not None:
            place = by_geonames.get(row.geonames_id)
        elif key == "slug":
            slug = _unique_slug(row.name, seen_slugs)
            place = by_slug.get(slug)
            if place is None and row.geonames_id is not None:
                place = by_geonames.get(row.geonames_id)
        fields = {
            "name": row.name,
            "kind": row.kind,
            "lat": row.lat,
            "lon": row.lon,
            "admin1": row.admin1,
            "admin2": row.admin2,
            "geonames_id": row.geonames_id,
            "data_source": row.data_source,
        }
        if row.population is not None:
            fields["population"] = row.population
        if place is None:
            slug = slug if key == "slug" else _unique_slug(row.name, existing_slugs | seen_slugs)
            existing_slugs.add(slug)
            place = Place.objects.create(slug=slug, **fields)
            summary.created += 1
        elif key == "geonames_id" and place.data_source != "geonames-dump":
            # A bundled place already carries a curated name and kind; the dump adds spellings only.
            pass
        else:
            changed = {k: v for k, v in fields.items() if getattr(place, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(place, k, v)
                place.save(update_fields=[*changed, "updated_at"])
                summary.updated += 1
            else:
                summary.unchanged += 1
        known = names_by_place.setdefault(place.id, set())
        for i, spelling in enumerate(row.spellings):
            if spelling in known:
                continue
            known.add(spelling)
            new_names.append(
                PlaceName(
                    place=place,
                    name=spelling[:200],
                    normalized=normalize_name(spelling)[:200],
                    language=row.languages.get(spelling, ""),
                    script=script_of(spelling),
                    is_primary=(i == 0 and not known - {spelling}),
                )
            )
    PlaceName.objects.bulk_create(new_names, ignore_conflicts=True)
    summary.names_added = len(new_names)
    if summary.created or summary.updated or summary.names_added:
        reference_version_bump(name="gazetteer")
    return summary


def gazetteer_load(*, paths: Iterable[Path] = GAZETTEER_FILES) -> LoadSummary:
    rows: list[PlaceRow] = []
    for path in paths:
        if path.exists():
            rows.extend(parse_gazetteer_csv(path))
    return places_upsert(rows=rows, key="slug")


def _read_json_list(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{path.name}, line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, list):
        raise ReferenceDataError(f"{path.name}: expected a JSON list of objects")
    return data


@transaction.atomic
def actors_load(*, path: Path = ACTORS_FILE) -> LoadSummary:
    summary = LoadSummary()
    if not path.exists():
        return summary
    entries = _read_json_list(path)
    slugs = set()
    for i, entry in enumerate(entries, start=1):
        for required in ("name", "slug", "kind"):
            if not entry.get(required):
                raise ReferenceDataError(f"{path.name}: actor #{i} has no {required}")
        if entry["kind"] not in Actor.Kind.values:
            raise ReferenceDataError(f"{path.name}: actor {entry['slug']!r} has unknown kind {entry['kind']!r}")
        slugs.add(entry["slug"])
    for entry in entries:
        for slug in [entry.get("parent")] + [r.get("other") for r in entry.get("relations", [])]:
            if slug and slug not in slugs:
                raise ReferenceDataError(f"{path.name}: actor {entry['slug']!r} refers to unknown actor {slug!r}")
    actors: dict[str, Actor] = {}
    for entry in entries:
        defaults = {
            "name": entry["name"],
            "kind": entry["kind"],
            "color": entry.get("color", ""),
            "description": entry.get("description", ""),
        }
        actor, created = Actor.objects.get_or_create(slug=entry["slug"], defaults=defaults)
        if created:
            summary.created += 1
        elif any(getattr(actor, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(actor, k, v)
            actor.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
        actors[entry["slug"]] = actor
        known = set(actor.names.values_list("name", flat=True))
        for alias, generic in [(entry["name"], False)] + [(a, False) for a in entry.get("aliases", [])] + [
            (g, True) for g in entry.get("generic", [])
        ]:
            if alias not in known:
                known.add(alias)
                ActorName.objects.create(actor=actor, name=alias, normalized=normalize_name(alias), is_generic=generic)
                summary.names_added += 1
    for entry in entries:
        actor = actors[entry["slug"]]
        parent = actors.get(entry.get("parent") or "")
        if actor.parent_id != (parent.id if parent else None):
            actor.parent = parent
            actor.save(update_fields=["parent", "updated_at"])
        for rel in entry.get("relations", []):
            ActorRelation.objects.get_or_create(
                actor=actor,
                other=actors[rel["other"]],
                kind=rel["kind"],
                valid_from=rel.get("valid_from"),
                defaults={"valid_to": rel.get("valid_to")},
            )
    if summary.created or summary.updated or summary.names_added:
        reference_version_bump(name="actors")
    return summary


@transaction.atomic
def sources_load(*, path: Path = SOURCES_FILE) -> LoadSummary:
    summary = LoadSummary()
    if not path.exists():
        return summary
    entries = _read_json_list(path)
    actors = {a.slug: a for a in Actor.objects.all()}
    for i, entry in enumerate(entries, start=1):
        if not entry.get("name") or not entry.get("slug"):
            raise ReferenceDataError(f"{path.name}: source #{i} needs a name and a slug")
        if entry.get("kind", "news_outlet") not in Source.Kind.values:
            raise ReferenceDataError(f"{path.name}: source {entry['slug']!r} has unknown kind {entry.get('kind')!r}")
        for key in ("affiliation", "speaks_for"):
            if entry.get(key) and entry[key] not in actors:
                raise ReferenceDataError(f"{path.name}: source {entry['slug']!r} names unknown actor {entry[key]!r}")
    for entry in entries:
        defaults = {
            "name": entry["name"],
            "kind": entry.get("kind", "news_outlet"),
            "url": entry.get("url", ""),
            "aliases": entry.get("aliases", []),
            # "speaks_for" names whom an outlet's "our fighters" means (ANF: the SDF), which is
            # also whose successes it reports with a stake; it wins over a looser affiliation.
            "affiliation": actors.get(entry.get("speaks_for") or entry.get("affiliation") or ""),
            "notes": entry.get("notes", ""),
        }
        source, created = Source.objects.get_or_create(slug=entry["slug"], defaults=defaults)
        if created:
            summary.created += 1
        elif any(getattr(source, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(source, k, v)
            source.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


def reference_version_bump(*, name: str) -> int:
    version, created = ReferenceDataVersion.objects.get_or_create(name=name)
    if not created:
        ReferenceDataVersion.objects.filter(pk=version.pk).update(version=F("version") + 1)
        version.refresh_from_db()
    return version.version


def reference_setup() -> dict[str, LoadSummary]:
    """Everything `manage.py setup` loads; idempotent."""
    return {
        "gazetteer": gazetteer_load(),
        "actors": actors_load(),
        "sources": sources_load(),
    }
