"""Plain values that go in and out of the tagger. No Django here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from conflict.dates import DateInterval


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    id: int
    name: str
    kind: str  # city, town, village, oil_field, gas_field, border_crossing, military_base, region, site
    spellings: tuple[str, ...]  # every known spelling, the name included
    lat: float | None = None
    lon: float | None = None
    admin1: str = ""


@dataclass(frozen=True, slots=True)
class ActorEntry:
    id: int
    name: str
    aliases: tuple[str, ...]  # proper names: "ISIS", "Islamic State", "Daesh"
    generic: tuple[str, ...] = ()  # words that stand for it in context: "the militants", "the jihadists"
    parent_id: int | None = None


@dataclass(slots=True)
class Lexicon:
    """Lookup tables the tagger reads; built once per worker from the database
    (or from the bundled files), tagged with the reference-data version."""

    places: list[PlaceEntry]
    actors: list[ActorEntry]
    version: int = 0


@dataclass(frozen=True, slots=True)
class Mention:
    """A tagged span of the report text, for highlighting on the report page."""

    kind: str  # "place", "proposed_place", "actor", "date", "trigger"
    start: int
    end: int
    text: str
    ref: int | str | None = None  # place/actor id, proposed place name, event type or ISO interval


@dataclass(slots=True)
class ClaimDraft:
    type: str  # an event type of domain.md, or "held" for a statement of holding
    span: tuple[int, int]  # character offsets into the text exactly as received
    quote: str
    place_id: int | None = None
    proposed_place: str | None = None  # a name the gazetteer lacks, when place_id is None
    proposed_place_kind: str = ""
    actor1_id: int | None = None
    actor2_id: int | None = None
    date: DateInterval = field(default_factory=DateInterval.unknown)
    speaker: str = ""
    speaker_actor_id: int | None = None
    # {"place": [s, e], "actor1": [s, e], "trigger": [s, e], "date": [s, e]}
    evidence: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # e.g. "weekday_mismatch"
    casualties: dict = field(default_factory=dict)  # {"killed": 17, "span": [s, e]}


@dataclass(slots=True)
class ProposedPlace:
    name: str
    kind: str
    span: tuple[int, int]
    context: str


@dataclass(slots=True)
class TagResult:
    language: str
    supported: bool  # False: a language the tagger does not handle; claims is empty
    published: dt.date | None  # the publication date used (given, or inferred from the text)
    published_inferred: bool
    claims: list[ClaimDraft]
    mentions: list[Mention]
    proposals: list[ProposedPlace]
    flags: list[str] = field(default_factory=list)
    version: str = ""
