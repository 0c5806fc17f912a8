"""Machine claims of a report: replaced wholesale on every tagging, editors' claims kept.

An editor's decision lives on events (reviewed or rejected), so a re-tagged claim that
is recognisably the same statement (same type, same place, overlapping span) goes back
to the event its predecessor belonged to when that event was reviewed or rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from conflict.models import Claim, ClaimType, Event
from reports.models import Report
from reports.tagging.types import ClaimDraft


@dataclass(slots=True)
class ClaimsReplaced:
    created: list[Claim]
    deleted: int
    # Events that lost a machine claim: to be refreshed or, left empty, retired.
    touched_event_ids: set[int] = field(default_factory=set)
    # New claims sent back to an editor-reviewed or rejected event.
    kept_in_reviewed: list[Claim] = field(default_factory=list)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1] or a == b


def claim_from_draft(*, report: Report, draft: ClaimDraft, tagger_version: str, place_id: int | None) -> Claim:
    claim = Claim(
        report=report,
        type=draft.type if draft.type in ClaimType.values else ClaimType.CLASH,
        place_id=place_id,
        actor1_id=draft.actor1_id,
        actor2_id=draft.actor2_id,
        span_start=draft.span[0],
        span_end=max(draft.span[1], draft.span[0]),
        quote=draft.quote,
        speaker=(draft.speaker or "")[:200],
        speaker_actor_id=draft.speaker_actor_id,
        tagger_version=tagger_version[:40],
        evidence=dict(draft.evidence or {}),
        flags=list(draft.flags or []),
        casualties=dict(draft.casualties or {}),
    )
    claim.set_date(draft.date)
    return claim


def claims_replace(
    *,
    report: Report,
    drafts: Sequence[ClaimDraft],
    tagger_version: str,
    proposed_places: Mapping[str, int] | None = None,
) -> ClaimsReplaced:
    """Delete the report's machine claims and store the drafts as its new ones, in a
    transaction (a savepoint inside the caller's); see claims_replace_in_transaction."""
    with transaction.atomic():
        return claims_replace_in_transaction(report=report, drafts=drafts, tagger_version=tagger_version,
                                             proposed_places=proposed_places)


def claims_replace_in_transaction(
    *,
    report: Report,
    drafts: Sequence[ClaimDraft],
    tagger_version: str,
    proposed_places: Mapping[str, int] | None = None,
    save: bool = True,
    has_machine_claims: bool = True,
) -> ClaimsReplaced:
    """claims_replace without its own savepoint, for a caller whose transaction is rolled
    back whole when this raises (reports.services.report_tag): two round trips fewer.
    With save=False the new claims are returned unsaved, for the caller to insert
    (events_merge_in_transaction(unsaved=...) inserts them with their events set).

    Delete the report's machine claims and store the drafts as its new ones.

    Machine claims are those with a tagger_version and no author; an editor's claims
    are never touched. `proposed_places` maps a draft's proposed place name to the
    (proposed) Place that stands for it. New claims are not merged into events here,
    except those that return to a reviewed or rejected event. has_machine_claims=False,
    from a caller that knows the report has none (reports.services._report_claim reads it
    with the claim), saves looking for them.
    """
    if not tagger_version:
        raise ValueError("machine claims need a tagger_version")
    proposed_places = proposed_places or {}
    old = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(report=report, created_by__isnull=True)
        .exclude(tagger_version="")
        .select_related("event")
        .order_by("id")
    ) if has_machine_claims else []
    decided = [
        c for c in old
        if c.event_id and c.event.merged_into_id is None
        and c.event.status in (Event.Status.REVIEWED, Event.Status.REJECTED)
    ]
    touched = {c.event_id for c in old if c.event_id}
    deleted = 0
    if old:
        deleted, _ = Claim.objects.filter(pk__in=[c.pk for c in old]).delete()
    new: list[Claim] = []
    for draft in drafts:
        place_id = draft.place_id
        if place_id is None and draft.proposed_place:
            place_id = proposed_places.get(draft.proposed_place)
        new.append(claim_from_draft(report=report, draft=draft, tagger_version=tagger_version, place_id=place_id))
    kept: list[Claim] = []
    used: set[int] = set()
    for claim in new:
        for prior in decided:
            if prior.pk in used:
                continue
            if (prior.type == claim.type and prior.place_id == claim.place_id
                    and _overlap((prior.span_start, prior.span_end), (claim.span_start, claim.span_end))):
                claim.event_id = prior.event_id
                used.add(prior.pk)
                kept.append(claim)
                break
    if save:
        from conflict.services.writes import insert_returning_ids

        insert_returning_ids(new)
    return ClaimsReplaced(created=new, deleted=deleted, touched_event_ids=touched, kept_in_reviewed=kept)
