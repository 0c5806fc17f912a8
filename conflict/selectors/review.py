"""Reads for the review queue: the filtered queue with its counts, the items with the report
text around each claim, merge candidates, name lookups and name resolution."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Greatest, Substr
from rapidfuzz import fuzz, process

from conflict.models import Actor, ActorName, Claim, Event, EventType, Place, PlaceName, Source, TaggerProposal
from conflict.names import loose_name, normalize_name
from conflict.selectors.history import EventHistoryEntry, event_history

CONTEXT_CHARS = 200
PAGE_SIZE = 40
# Below this many matching events the queue ranks them all by report; above, it walks the claims.
RANK_ALL_BELOW = 20_000
CONFIDENCE_BUCKETS = {
    "low": (None, 0.5),
    "mid": (0.5, 0.8),
    "high": (0.8, None),
}
SORTS = {
    "newest": "newest report first",
    "oldest": "oldest report first",
    "low": "least confident first",
    "date": "event date",
}
# A typed name resolves on its own when its best fuzzy match scores this high and leads
# the next place by the margin; below LOOSE it is unknown.
RESOLVE_SCORE = 85
RESOLVE_MARGIN = 4
LOOSE_SCORE = 70
EXPLICIT_ID = re.compile(r"#(\d+)\s*$")


@dataclass(frozen=True)
class QueueFilters:
    status: str = "auto"
    type: str = ""
    confidence: str = ""
    place: Place | None = None
    actor: Actor | None = None
    source: Source | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "newest"


@dataclass
class QueueCounts:
    total: int
    by_type: dict[str, int]
    by_status: dict[str, int]
    by_confidence: dict[str, int]


@dataclass
class QueuePage:
    page: Page
    counts: QueueCounts
    filters: QueueFilters


# --- the queue -------------------------------------------------------------------------

def _common_q(f: QueueFilters) -> Q:
    q = Q(merged_into__isnull=True)
    if f.place is not None:
        q &= Q(place=f.place)
    if f.actor is not None:
        q &= Q(actor1=f.actor) | Q(actor2=f.actor)
    if f.source is not None:
        q &= Q(Exists(Claim.objects.filter(event_id=OuterRef("pk"), report__source=f.source)))
    if f.date_from is not None:
        q &= Q(date_end__gte=f.date_from) | Q(date_end__isnull=True, date_start__gte=f.date_from)
    if f.date_to is not None:
        q &= Q(date_start__lte=f.date_to) | Q(date_start__isnull=True, date_end__lte=f.date_to)
    return q


def _confidence_q(bucket: str) -> Q:
    low, high = CONFIDENCE_BUCKETS.get(bucket, (None, None))
    q = Q()
    if low is not None:
        q &= Q(confidence__gte=low)
    if high is not None:
        q &= Q(confidence__lt=high)
    return q


def _facet_qs(f: QueueFilters) -> tuple[Q, Q, Q]:
    return (
        Q(status=f.status) if f.status else Q(),
        Q(type=f.type) if f.type else Q(),
        _confidence_q(f.confidence),
    )


def review_counts(*, filters: QueueFilters) -> QueueCounts:
    """Counts beside each filter option, in one aggregate query. Each facet counts with every
    other filter applied but its own, so an option shows what choosing it would give."""
    common = _common_q(filters)
    status_q, type_q, conf_q = _facet_qs(filters)
    aggregates: dict[str, Count] = {"total": Count("pk", filter=common & status_q & type_q & conf_q)}
    for value in EventType.values:
        aggregates[f"type__{value}"] = Count("pk", filter=common & status_q & conf_q & Q(type=value))
    for value in Event.Status.values:
        aggregates[f"status__{value}"] = Count("pk", filter=common & type_q & conf_q & Q(status=value))
    for bucket in CONFIDENCE_BUCKETS:
        aggregates[f"conf__{bucket}"] = Count("pk", filter=common & status_q & type_q & _confidence_q(bucket))
    row = Event.objects.aggregate(**aggregates)
    return QueueCounts(
        total=row["total"],
        by_type={v: row[f"type__{v}"] for v in EventType.values},
        by_status={v: row[f"status__{v}"] for v in Event.Status.values},
        by_confidence={b: row[f"conf__{b}"] for b in CONFIDENCE_BUCKETS},
    )


def _claims_with_context() -> QuerySet[Claim]:
    """Claims with the report text before, inside and after their span, cut in the database
    so a long report is never loaded whole into a page of items."""
    before_from = Greatest(F("span_start") - CONTEXT_CHARS, Value(0))
    return (
        Claim.objects.select_related("report__source", "place", "actor1", "actor2", "speaker_actor")
        .defer("report__text", "report__spans", "report__metadata")
        .annotate(
            ctx_before=Substr("report__text", before_from + 1, F("span_start") - before_from),
            ctx_span=Substr("report__text", F("span_start") + 1, F("span_end") - F("span_start")),
            ctx_after=Substr("report__text", F("span_end") + 1, Value(CONTEXT_CHARS, output_field=IntegerField())),
        )
        .order_by("report__published", "report_id", "span_start")
    )


def _queue_q(filters: QueueFilters) -> Q:
    status_q, type_q, conf_q = _facet_qs(filters)
    return _common_q(filters) & status_q & type_q & conf_q


def _event_ids_by_report(q: Q, *, newest: bool, offset: int, limit: int, total: int) -> list[int]:
    """Event ids in the order of their most recent (or, for oldest, earliest) report.

    Walks the claims in report order through the (report, span) index and keeps each event's
    first appearance, so a page costs about as many rows as it shows, instead of ranking every
    queued event by a per-event subquery (seconds on a queue of 100,000). Report ids follow
    ingestion order. Events left without claims come last.
    """
    need = offset + limit
    if total <= RANK_ALL_BELOW:
        # A narrow filter: ranking its few events directly beats walking every claim to find them.
        key = Max("report_id") if newest else Min("report_id")
        ranked = (Claim.objects.filter(event__in=Event.objects.filter(q)).values("event_id").annotate(key=key)
                  .order_by("-key" if newest else "key", "-event_id" if newest else "event_id"))
        ids = [row["event_id"] for row in ranked[:need]]
    else:
        order = ("-report_id", "-id") if newest else ("report_id", "id")
        claims = (Claim.objects.filter(event__in=Event.objects.filter(q)).order_by(*order)
                  .values_list("event_id", flat=True))
        chunk = need * 2 + 50
        while True:
            rows = list(claims[:chunk])
            ids = list(dict.fromkeys(rows))
            if len(ids) >= need or len(rows) < chunk:
                break
            chunk *= 4
    if len(ids) < need:
        bare = (Event.objects.filter(q).filter(~Exists(Claim.objects.filter(event_id=OuterRef("pk"))))
                .order_by("-id" if newest else "id").values_list("pk", flat=True))
        ids += list(bare[: need - len(ids)])
    return ids[offset:need]


class _QueueSequence:
    """What Paginator pages through: counts with one query, and fetches only the page's events,
    with their claims and context, in the queue's order."""

    def __init__(self, filters: QueueFilters) -> None:
        self.filters = filters
        self.q = _queue_q(filters)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = Event.objects.filter(self.q).count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _ids(self, offset: int, limit: int) -> list[int]:
        sort = self.filters.sort if self.filters.sort in SORTS else "newest"
        if sort in {"newest", "oldest"}:
            return _event_ids_by_report(self.q, newest=sort == "newest", offset=offset, limit=limit,
                                        total=self.count())
        order = {"low": ["confidence", "-id"], "date": [F("date_start").asc(nulls_last=True), "id"]}[sort]
        return list(Event.objects.filter(self.q).order_by(*order).values_list("pk", flat=True)[offset:offset + limit])

    def __getitem__(self, index: slice) -> list[Event]:
        if not isinstance(index, slice):
            raise TypeError("the queue is paged with slices")
        start = index.start or 0
        ids = self._ids(start, (index.stop or start + PAGE_SIZE) - start)
        events = (
            Event.objects.filter(pk__in=ids)
            .select_related("place", "actor1", "actor2", "reviewed_by")
            .prefetch_related(Prefetch("claims", queryset=_claims_with_context()))
        )
        by_id = {e.pk: e for e in events}
        return [by_id[i] for i in ids if i in by_id]


def review_queue(*, filters: QueueFilters, page: int | str = 1, per_page: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue, with its claims and their context, and the filter counts."""
    paginator = Paginator(_QueueSequence(filters), per_page)
    return QueuePage(page=paginator.get_page(page), counts=review_counts(filters=filters), filters=filters)


# --- one event -----------------------------------------------------------------------------

def merge_candidates(*, event: Event, days: int = 45, limit: int = 10) -> list[Event]:
    """Events at the same place that could be the same thing: unmerged, not rejected, dated
    near this one (or undated), nearest first, same type before other types."""
    qs = (
        Event.objects.filter(place_id=event.place_id, merged_into__isnull=True)
        .exclude(pk=event.pk)
        .exclude(status=Event.Status.REJECTED)
        .select_related("actor1", "actor2")
    )
    if event.date_start or event.date_end:
        lo = (event.date_start or event.date_end) - dt.timedelta(days=days)
        hi = (event.date_end or event.date_start) + dt.timedelta(days=days)
        qs = qs.filter(
            Q(date_start__isnull=True, date_end__isnull=True) | (Q(date_start__lte=hi) & Q(date_end__gte=lo))
            | Q(date_start__isnull=True, date_end__gte=lo) | Q(date_end__isnull=True, date_start__lte=hi)
        )
    anchor = event.date_start or event.date_end

    def distance(other: Event) -> tuple[int, int, int]:
        other_day = other.date_start or other.date_end
        gap = abs((other_day - anchor).days) if anchor and other_day else 10**6
        return (0 if other.type == event.type else 1, gap, other.pk)

    return sorted(qs[:200], key=distance)[:limit]


@dataclass
class EventReviewPage:
    event: Event
    canonical_id: int
    claims: list[Claim]
    candidates: list[Event]
    history: list[EventHistoryEntry]
    merged_from: list[Event] = field(default_factory=list)


def review_event_page(*, event_id: int) -> EventReviewPage:
    event = Event.objects.select_related("place", "actor1", "actor2", "reviewed_by", "merged_into").get(pk=event_id)
    canonical = event
    while canonical.merged_into_id:
        canonical = Event.objects.only("pk", "merged_into_id").get(pk=canonical.merged_into_id)
    return EventReviewPage(
        event=event,
        canonical_id=canonical.pk,
        claims=list(_claims_with_context().filter(event=event)),
        candidates=[] if event.merged_into_id else merge_candidates(event=event),
        history=event_history(event_id=event.pk),
        merged_from=list(Event.objects.filter(merged_into=event).only("pk", "type", "status")),
    )


def claim_get(*, claim_id: int) -> Claim:
    return Claim.objects.select_related("event").get(pk=claim_id)


# --- names: lookup and resolution ------------------------------------------------------------

@dataclass(frozen=True)
class NameMatch:
    id: int
    name: str
    detail: str
    score: float

    @property
    def label(self) -> str:
        return f"{self.name} ({self.detail}) #{self.id}" if self.detail else f"{self.name} #{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "detail": self.detail, "value": self.label}


class NameNotResolved(LookupError):
    def __init__(self, message: str, *, candidates: list[NameMatch]) -> None:
        super().__init__(message)
        self.candidates = candidates


def _place_rows() -> list[tuple[int, str, str, str, str, str]]:
    return list(
        PlaceName.objects.exclude(place__status=Place.Status.MERGED)
        .values_list("place_id", "normalized", "name", "place__name", "place__admin1", "place__kind")
    )


def _actor_rows() -> list[tuple[int, str, str, str, str, str]]:
    return [(a, n, s, name, "", kind) for a, n, s, name, kind in
            ActorName.objects.values_list("actor_id", "normalized", "name", "actor__name", "actor__kind")]


def _matches(rows: list[tuple[int, str, str, str, str, str]], query: str, *, limit: int,
             scorer: Any = fuzz.WRatio, cutoff: float = 60) -> list[NameMatch]:
    norm = normalize_name(query)
    if not norm:
        return []
    choices = {i: row[1] for i, row in enumerate(rows)}
    best: dict[int, NameMatch] = {}
    loose = loose_name(query)
    for _, score, i in process.extract(norm, choices, scorer=scorer, limit=limit * 8, score_cutoff=cutoff):
        obj_id, normalized, spelling, canonical, admin1, kind = rows[i]
        if loose_name(normalized) == loose:
            score = max(score, 99.0)
        if normalized == norm:
            score = 100.0
        detail = ", ".join(x for x in (kind.replace("_", " "), admin1) if x)
        if spelling != canonical:
            detail = f"as {spelling}; {detail}" if detail else f"as {spelling}"
        if obj_id not in best or best[obj_id].score < score:
            best[obj_id] = NameMatch(id=obj_id, name=canonical, detail=detail, score=round(score, 1))
    return sorted(best.values(), key=lambda m: (-m.score, m.name))[:limit]


def places_lookup(*, query: str, limit: int = 15) -> list[NameMatch]:
    """Places by any spelling, typo-tolerant, best first (for the correction form's datalist)."""
    return _matches(_place_rows(), query, limit=limit)


def actors_lookup(*, query: str, limit: int = 15) -> list[NameMatch]:
    return _matches(_actor_rows(), query, limit=limit)


def _resolve(text: str, what: str, names: QuerySet, owner: str,
             rows: Callable[[], list[tuple[int, str, str, str, str, str]]]) -> int:
    """Explicit "#id", then an exact spelling (one indexed query), then fuzzy matching over
    every spelling; only the last loads the spellings, so the common cases stay cheap."""
    text = text.strip()
    explicit = EXPLICIT_ID.search(text)
    if explicit:
        obj_id = int(explicit.group(1))
        if names.filter(**{owner: obj_id}).exists():
            return obj_id
        raise NameNotResolved(f"There is no {what} #{obj_id}.", candidates=[])
    norm = normalize_name(text)
    exact = sorted(set(names.filter(normalized=norm).values_list(owner, flat=True)))
    if len(exact) == 1:
        return exact[0]
    matches = _matches(rows(), text, limit=6, scorer=fuzz.ratio, cutoff=LOOSE_SCORE)
    if exact:
        matches = [m for m in matches if m.id in exact]
        raise NameNotResolved(f"“{text}” names {len(exact)} {what}s; pick one.", candidates=matches)
    if matches and matches[0].score >= RESOLVE_SCORE and (
        len(matches) == 1 or matches[0].score - matches[1].score >= RESOLVE_MARGIN
    ):
        return matches[0].id
    if matches:
        raise NameNotResolved(f"“{text}” is not a known {what} spelling; did you mean one of these?",
                              candidates=matches)
    raise NameNotResolved(f"No {what} is called anything like “{text}”.", candidates=[])


def place_resolve(*, text: str) -> Place:
    """The one place a typed spelling means; NameNotResolved (with candidates) when it is
    unknown or could be several places."""
    names = PlaceName.objects.exclude(place__status=Place.Status.MERGED)
    return Place.objects.get(pk=_resolve(text, "place", names, "place_id", _place_rows))


def actor_resolve(*, text: str) -> Actor:
    return Actor.objects.get(pk=_resolve(text, "actor", ActorName.objects.all(), "actor_id", _actor_rows))


# --- proposals -------------------------------------------------------------------------------

@dataclass
class ProposalItem:
    proposal: TaggerProposal
    suggestions: list[NameMatch]
    n_reports: int


def proposals_open() -> list[ProposalItem]:
    """Open tagger proposals, each with the existing places or actors its name resembles."""
    proposals = list(
        TaggerProposal.objects.filter(status=TaggerProposal.Status.OPEN)
        .select_related("place", "actor")
        .annotate(n_reports=Count("reports"))
        .order_by("kind", "-n_reports", "name")
    )
    place_rows = _place_rows() if any(p.kind == TaggerProposal.Kind.PLACE for p in proposals) else []
    actor_rows = _actor_rows() if any(p.kind == TaggerProposal.Kind.ACTOR_ALIAS for p in proposals) else []
    items = []
    for p in proposals:
        rows = place_rows if p.kind == TaggerProposal.Kind.PLACE else actor_rows
        suggestions = [m for m in _matches(rows, p.name, limit=4) if m.id != p.place_id]
        items.append(ProposalItem(proposal=p, suggestions=suggestions, n_reports=p.n_reports))
    return items


def sources_all() -> list[Source]:
    return list(Source.objects.only("pk", "name").order_by("name"))
