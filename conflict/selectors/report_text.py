"""A report's text with its tagged spans and claims highlighted, as safe HTML.

Every piece of report text goes through django.utils.html.escape; the markup around
it is built with format_html, so a report that contains HTML or script shows it as
text. Claims wrap their span in <mark id="claim-ID">, entity spans (places, actors,
dates, event words) sit inside as <span class="tag tag-KIND">.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

KINDS = {"place": "place", "proposed_place": "place proposed", "actor": "actor", "date": "date",
         "trigger": "trigger", "event": "trigger"}


def _entity_spans(spans: Sequence[dict[str, Any]], length: int) -> list[tuple[int, int, str, str]]:
    """Well-formed, non-overlapping spans in text order; a span overlapping an earlier one is dropped."""
    parsed: list[tuple[int, int, str, str]] = []
    for span in spans or []:
        try:
            start, end = int(span["start"]), int(span["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= start < end <= length:
            kind = str(span.get("kind"))
            parsed.append((start, end, KINDS.get(kind, "other"), kind))
    clean: list[tuple[int, int, str, str]] = []
    for item in sorted(parsed, key=lambda s: (s[0], -s[1])):
        if not clean or item[0] >= clean[-1][1]:
            clean.append(item)
    return clean


def highlighted_report_text(text: str, spans: Sequence[dict[str, Any]], claims: Sequence[tuple[int, int, int]],
                            ) -> SafeString:
    """HTML for a report: `claims` are (claim id, span start, span end)."""
    length = len(text)
    entities = _entity_spans(spans, length)
    claim_spans = sorted((max(0, s), min(length, e), cid) for cid, s, e in claims if s < e and s < length)
    cuts = {0, length}
    for s, e, *_ in entities:
        cuts.update((s, e))
    for s, e, _ in claim_spans:
        cuts.update((s, e))
    bounds = sorted(cuts)
    anchored: set[int] = set()
    out: list[SafeString] = []
    open_claim: int | None = None
    buffer: list[SafeString] = []
    entity_i = 0

    def flush() -> None:
        nonlocal buffer
        if not buffer:
            return
        inner = format_html_join("", "{}", ((b,) for b in buffer))
        if open_claim is None:
            out.append(inner)
        else:
            anchor = f"claim-{open_claim}" if open_claim not in anchored else ""
            anchored.add(open_claim)
            if anchor:
                out.append(format_html('<mark class="claim" id="{}" data-claim="{}">{}</mark>', anchor, open_claim,
                                       inner))
            else:
                out.append(format_html('<mark class="claim" data-claim="{}">{}</mark>', open_claim, inner))
        buffer = []

    for a, b in zip(bounds, bounds[1:], strict=False):
        if a == b:
            continue
        covering = [cid for s, e, cid in claim_spans if s <= a and b <= e]
        claim = covering[0] if covering else None
        # Claims that start here but are covered by an earlier one still get their anchor.
        for s, _, cid in claim_spans:
            if s == a and cid != claim and cid not in anchored:
                flush()
                out.append(format_html('<span class="claim-anchor" id="claim-{}"></span>', cid))
                anchored.add(cid)
        if claim != open_claim:
            flush()
            open_claim = claim
        while entity_i < len(entities) and entities[entity_i][1] <= a:
            entity_i += 1
        piece = text[a:b]
        entity = entities[entity_i] if entity_i < len(entities) else None
        if entity and entity[0] <= a and b <= entity[1]:
            buffer.append(format_html('<span class="tag tag-{}" title="{}">{}</span>',
                                      entity[2].split()[0], entity[3].replace("_", " "), escape(piece)))
        else:
            buffer.append(escape(piece))
    flush()
    return format_html_join("", "{}", ((piece,) for piece in out))
