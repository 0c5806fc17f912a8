"""Import a GeoNames country dump (the 19-column tab-separated format).

    geonameid, name, asciiname, alternatenames, latitude, longitude, feature class,
    feature code, country code, cc2, admin1 code, admin2 code, admin3 code,
    admin4 code, population, elevation, dem, timezone, modification date

Optionally with GeoNames' alternateNames file (alternateNameId, geonameid,
isolanguage, alternate name, ...), which gives each spelling its language.
"""

from __future__ import annotations

from pathlib import Path

from conflict.models import PlaceKind
from conflict.services.reference import LoadSummary, PlaceRow, ReferenceDataError, places_upsert

GEONAMES_COLUMNS = 19
# Feature codes worth a timeline: populated places, and sites fought over.
SITE_KINDS = {
    "OILF": PlaceKind.OIL_FIELD,
    "OILW": PlaceKind.OIL_FIELD,
    "OILR": PlaceKind.OIL_FIELD,
    "GASF": PlaceKind.GAS_FIELD,
    "MILB": PlaceKind.MILITARY_BASE,
    "INSM": PlaceKind.MILITARY_BASE,
    "AIRB": PlaceKind.MILITARY_BASE,
    "AIRF": PlaceKind.MILITARY_BASE,
    "PSTB": PlaceKind.BORDER_CROSSING,
    "BCRS": PlaceKind.BORDER_CROSSING,
}
LANGUAGE_CODES_SKIPPED = {"link", "post", "iata", "icao", "faac", "fr_1793", "abbr", "wkdt", "unlc"}


def _kind(feature_class: str, feature_code: str, population: int) -> str | None:
    if feature_class == "P":
        if feature_code in {"PPLC", "PPLA"} or population >= 50_000:
            return PlaceKind.CITY
        if feature_code in {"PPLA2", "PPLA3"} or population >= 5_000:
            return PlaceKind.TOWN
        return PlaceKind.VILLAGE
    return SITE_KINDS.get(feature_code)


def parse_geonames_dump(path: Path) -> list[PlaceRow]:
    rows: list[PlaceRow] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{path.name}, line {number}"
            cols = line.split("\t")
            if len(cols) != GEONAMES_COLUMNS:
                raise ReferenceDataError(
                    f"{where}: expected {GEONAMES_COLUMNS} tab-separated columns, found {len(cols)}"
                )
            geonameid, name, asciiname, alternates, lat, lon, fclass, fcode = cols[:8]
            if not geonameid.isdigit():
                raise ReferenceDataError(f"{where}: geonameid {geonameid!r} is not a number")
            if not name.strip():
                raise ReferenceDataError(f"{where}: the name is empty")
            try:
                latitude, longitude = float(lat), float(lon)
            except ValueError:
                raise ReferenceDataError(f"{where}: latitude/longitude {lat!r}, {lon!r} are not numbers") from None
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ReferenceDataError(f"{where}: coordinates {latitude}, {longitude} are out of range")
            population_raw = cols[14].strip()
            if population_raw and not population_raw.lstrip("-").isdigit():
                raise ReferenceDataError(f"{where}: population {population_raw!r} is not a number")
            population = int(population_raw or 0)
            kind = _kind(fclass, fcode, population)
            if kind is None:
                continue
            spellings = [name.strip(), asciiname.strip(), *(a.strip() for a in alternates.split(","))]
            rows.append(
                PlaceRow(
                    name=name.strip(),
                    spellings=[s for s in dict.fromkeys(spellings) if s],
                    lat=latitude,
                    lon=longitude,
                    kind=kind,
                    admin1=cols[10].strip(),
                    admin2=cols[11].strip(),
                    geonames_id=int(geonameid),
                    data_source="geonames-dump",
                    population=population or None,
                )
            )
    return rows


def parse_alternate_names(path: Path, wanted: set[int]) -> dict[int, list[tuple[str, str]]]:
    names: dict[int, list[tuple[str, str]]] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or not cols[1].isdigit():
                raise ReferenceDataError(f"{path.name}, line {number}: not an alternateNames line")
            gid = int(cols[1])
            if gid in wanted and cols[2] not in LANGUAGE_CODES_SKIPPED and cols[3].strip():
                names.setdefault(gid, []).append((cols[3].strip(), cols[2]))
    return names


def geonames_import(*, path: Path, alternate_names: Path | None = None) -> LoadSummary:
    rows = parse_geonames_dump(path)
    if alternate_names is not None:
        extra = parse_alternate_names(alternate_names, {r.geonames_id for r in rows if r.geonames_id})
        for row in rows:
            for spelling, language in extra.get(row.geonames_id or 0, []):
                if spelling not in row.spellings:
                    row.spellings.append(spelling)
                row.languages.setdefault(spelling, language)
    return places_upsert(rows=rows, key="geonames_id")
