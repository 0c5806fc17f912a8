"""Place mentions: gazetteer hits, "the X villages", lists and ranges, names the
gazetteer lacks that the text calls a village/town/field, and locators
("near Hajin", "Hajin town of Deir ez-Zor") that situate another place."""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from .lexicon import Hit, Matcher, best_place, fold_token, token_key
from .normalize import WordStarts, caseless, word_matches, word_prefixes

_NAME = r"(?:(?:al|el|Al|El|ad|ar|as|ash|at|az)-)?\p{Lu}[\p{Ll}']+(?:[ -](?:(?:al|el|Al|El)-)?\p{Lu}[\p{Ll}']+){0,2}"
_KINDS = {"village": "village", "villages": "village", "town": "town", "towns": "town", "city": "city",
          "hamlet": "village", "oil field": "oil_field", "oil fields": "oil_field", "gas field": "gas_field",
          "oilfield": "oil_field"}
_OF_NAME = regex.compile(rf"\b(?P<kind>villages?|towns?|city|hamlet|oil fields?|gas field|oilfield)\s+of\s+"
                         rf"(?P<name>{_NAME})")
_NAME_KIND = regex.compile(rf"(?P<name>{_NAME})\s+(?P<kind>village|town|oil field|gas field|oilfield)\b")
_APPOSITION = regex.compile(rf"(?P<name>{_NAME}),\s+an?\s+(?:[\p{{Ll}}-]+\s+){{0,2}}?"
                            r"(?P<kind>village|town|city|oil field)\b")
_KIND_WORD = regex.compile(r"(?<=\s)(?:village|town|city|oil field|gas field|oilfield)\b")
# what a match of _OF_NAME or _KIND_WORD begins with (see word_matches)
_KIND_FIRST = word_prefixes("kind", ["village", "town", "city", "hamlet", "oil", "gas"])
# what the text just before a kind word must end with for _APPOSITION (_NAME_KIND) to match up to that word
_APPOSITION_TAIL = regex.compile(r",\s+an?\s+(?:[\p{Ll}-]+\s+){0,2}\Z")
_NAME_KIND_TAIL = regex.compile(r"\p{Lu}[\p{Ll}']+\s+\Z")
_LIST_MORE = regex.compile(rf"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?P<name>{_NAME})")
_GROUP = regex.compile(r"\bthe\s+(?:two\s+|three\s+|four\s+|twin\s+)?(?P<name>\p{Lu}[\p{L}'-]+)\s+"
                       r"(?P<kind>villages|towns|oil fields|fields)\b")
_NOT_NAMES = frozenset("""the this that these those a an and or of in on at its their his her our syria syrian iraq
iraqi kurdish arab turkish russian american eastern western northern southern central east west north south
january february march april may june july august september october november december monday tuesday wednesday
thursday friday saturday sunday big small large main last first next other several many some all both each
remaining key strategic important nearby border desert hajin euphrates operation""".split())
_LOCATOR_BEFORE = re.compile(
    r"(?:\bnear|\bnearby|\boutside|\bbeyond|\b(?:north|south|east|west|northeast|northwest|southeast|southwest)"
    r"(?:ern)?\s+of|\boutskirts\s+of|\bcountryside\s+of|\bvicinity\s+of|\bkm\s+(?:from|of)|\bkilometers\s+(?:from|of)"
    r"|\bmiles\s+(?:from|of)|\bdirection\s+of|\b(?:road|highway|route)\s+(?:to|from|linking|between)"
    r")\s+(?:the\s+)?(?:(?:town|city|village)\s+of\s+)?$", re.I)
_OF_LOCATOR = re.compile(r"^\s*(?:town|city|village|area|areas|pocket|district|region|countryside)?\s*"
                            r"(?:of|in|,)\s*(?:the\s+)?(?:(?:north|south)?(?:east|west)ern\s+|northern\s+|southern\s+|central\s+)?$",
                            re.I)
_LIST_GAP = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_BIG_KINDS = frozenset({"city", "region"})
_COMPASS = re.compile(r"(?:north|south|east|west)ern\b|\bcentral\b", re.I)


@dataclass(slots=True)
class PlaceMention:
    start: int
    end: int
    text: str
    place_ids: tuple[int, ...]  # one id, or several for "the Baghuz villages"; empty for a proposed place
    proposed: str | None = None
    kind: str = ""
    locator: bool = False
    listed: bool = False  # a locator only as an item of a list after "near" ("near Hajin and al-Shaafah")

    @property
    def keys(self) -> list:
        return list(self.place_ids) if self.place_ids else [self.proposed]


def find_places(text: str, hits: list[Hit], matcher: Matcher, low: str | None = None,
                words: WordStarts | None = None) -> list[PlaceMention]:
    """`low`: ascii_lower(text), when lowered_matches(text); `words`: WordStarts(text), if worked out already."""
    kind_starts = (WordStarts(text) if words is None else words)(_KIND_FIRST)
    occupied = [(h.start, h.end) for h in hits if h.kind != "place"]
    out: list[PlaceMention] = []
    for h in hits:
        if h.kind == "place":
            pid = best_place(matcher, h.refs, h.spelling)
            if _person_like(text, h, matcher):
                continue
            out.append(PlaceMention(h.start, h.end, h.spelling, (pid,), None, matcher.places[pid].kind))
    # "the Baghuz villages": every place whose name starts with that word
    for m in _GROUP.finditer(text):
        ids = matcher.first_token_index.get(token_key(fold_token(m.group("name"))))
        if not ids:
            continue
        s, e = m.start("name"), m.end("kind")
        out = [p for p in out if not (s <= p.start < e)]
        ids_sorted = tuple(sorted(ids))
        out.append(PlaceMention(s, e, text[s:e], ids_sorted, None, _KINDS.get(m.group("kind"), "village")))
    # names the gazetteer lacks
    known = [(p.start, p.end) for p in out] + occupied

    def free(s: int, e: int) -> bool:
        return not any(s < ke and ks < e for ks, ke in known)

    def propose(s: int, e: int, kind: str) -> None:
        # "In Tayyana": leading capitalised function words are not part of the name
        while True:
            sp = text.find(" ", s, e)
            if sp < 0 or text[s:sp].lower() not in _NOT_NAMES:
                break
            s = sp + 1
        name = text[s:e]
        words = name.replace("-", " ").lower().split(" ")
        if not words or words[-1] in _NOT_NAMES or words[0] in _NOT_NAMES and len(words) == 1:
            return
        if any(w in _NOT_NAMES for w in words if w not in ("al", "el")):
            return
        if free(s, e):
            out.append(PlaceMention(s, e, name, (), name, kind))
            known.append((s, e))

    for m in word_matches(_OF_NAME, kind_starts, text):
        kind = _KINDS[m.group("kind")]
        propose(m.start("name"), m.end("name"), kind)
        if m.group("kind").endswith("s"):  # "the villages of A, B and C"
            pos = m.end("name")
            while True:
                lm = _LIST_MORE.match(text, pos)
                if not lm:
                    break
                propose(lm.start("name"), lm.end("name"), kind)
                pos = lm.end("name")
    # (a match of _KIND_WORD begins after a space: where a word starts)
    for k in word_matches(_KIND_WORD, kind_starts, text):
        # the name sits just before the kind word: try the two patterns in a window that ends there
        ws = max(0, k.start() - 80)
        for rx, tail in ((_APPOSITION, _APPOSITION_TAIL), (_NAME_KIND, _NAME_KIND_TAIL)):
            # only a match that ends with this kind word counts; none can without the tail before it (most
            # kind words: "the village", "a town"), and the scan of the window costs ten times the check
            if not tail.search(text, ws, k.start()):
                continue
            for m in rx.finditer(text, ws, k.end()):
                ns = m.start("name")
                if m.end("kind") == k.end() and not (ns > 0 and (text[ns - 1] == "-" or text[ns - 1].isalpha())):
                    propose(ns, m.end("name"), _KINDS[m.group("kind")])
                    break
    out.sort(key=lambda p: p.start)
    _mark_locators(text, out, matcher, low)
    return out


_CAP_BEFORE = regex.compile(r"(\p{Lu}\p{Ll}+)\s+$")
_CAP_AFTER = regex.compile(r"\s+(?:al-|bin\s+|ibn\s+)?(\p{Lu}\p{Ll}+)")


_KUNYA = re.compile(r"^(?:abu|umm|abou)\s", re.I)
_NASAB_AFTER = regex.compile(r"^\s+(?:(?:al|el)-\p{Lu}|bin\s|ibn\s|\p{Lu}\p{Ll}+\s+al-)")


def _person_like(text: str, h: Hit, matcher: Matcher) -> bool:
    """A place name that is part of a person's name: "Abu Hassan al-Muhajir", or a single-word village
    next to a capitalised word ("Mazloum Abdi")."""
    if _KUNYA.match(h.spelling) and _NASAB_AFTER.match(text[h.end:h.end + 30]):
        return True
    p = matcher.places[h.refs[0]]
    if p.kind != "village" or " " in h.spelling.strip():
        return False
    before = _CAP_BEFORE.search(text[max(0, h.start - 30):h.start])
    after = _CAP_AFTER.match(text[h.end:h.end + 30])
    common = {"In", "At", "From", "Near", "The", "And", "Of", "To", "On", "Around", "Village", "Town"}
    if before and before.group(1) not in common and not text[max(0, h.start - 3):h.start].strip().endswith("."):
        return True
    return bool(after and after.group(1) not in {"Village", "Town", "City", "And", "In", "On"})


_GLOSS_BEFORE = re.compile(r"\(\s*(?:upper\s+|lower\s+|the\s+|also\s+|or\s+|aka\s+|a\.k\.a\.\s+)?$",
                              re.I)
_GLOSS_BEFORE_LOW, _LOCATOR_BEFORE_LOW = caseless(_GLOSS_BEFORE), caseless(_LOCATOR_BEFORE)
# a match of _LOCATOR_BEFORE ends with spaces after one of these words ("near", "north of", "the", "town of" ...)
_LOCATOR_LAST = ("near", "nearby", "outside", "beyond", "of", "from", "to", "linking", "between", "the")


def _mark_locators(text: str, places: list[PlaceMention], matcher: Matcher, low: str | None = None) -> None:
    gloss_before, locator_before, t = (_GLOSS_BEFORE, _LOCATOR_BEFORE, text) if low is None else \
        (_GLOSS_BEFORE_LOW, _LOCATOR_BEFORE_LOW, low)
    located: dict[int, bool] = {}

    def near(k: int) -> bool:  # "near X", "east of X": for each place once (the next one asks again)
        got = located.get(k)
        if got is None:
            s = places[k].start
            before = t[max(0, s - 40):s]
            # on the lowercased text, a cheap test first: the words a match must end with
            got = located[k] = (low is None or before.rstrip().endswith(_LOCATOR_LAST)) and \
                bool(locator_before.search(before))
        return got

    for i, p in enumerate(places):
        # a gloss in brackets ("Baghouz Fawqani (Upper Baghuz)", "Wilayat al-Khayr (Deir ez-Zor)") names no new scene
        if text[p.end:p.end + 2].lstrip().startswith(")") and gloss_before.search(t[max(0, p.start - 12):p.start]):
            p.locator = True
            continue
        if near(i):
            p.locator = True
            continue
        q = places[i - 1] if i > 0 else None
        if q is not None and (q.listed or q.locator and near(i - 1)):
            gap = _LIST_GAP.fullmatch(text, q.end, p.start)
            if gap and ("," not in gap.group() or p.kind not in _BIG_KINDS or "and" in gap.group()):
                p.locator = p.listed = True  # "strikes near Hajin and al-Shaafah": every item of the list is near
                continue
        if i > 0 and p.kind in _BIG_KINDS:
            q = places[i - 1]
            gap = text[q.end:p.start]
            if len(gap) < 25 and _OF_LOCATOR.match(gap) and _COMPASS.search(gap) and q.place_ids != p.place_ids:
                p.locator = True  # "Al-Mayadeen in southeastern Deir Ezzor"
            elif len(gap) < 25 and _OF_LOCATOR.match(gap) and q.kind not in _BIG_KINDS | {""} and not \
                    (q.place_ids and p.place_ids and q.place_ids == p.place_ids):
                p.locator = True
            elif len(gap) < 25 and _OF_LOCATOR.match(gap) and q.kind == "region" and p.kind == "city":
                p.locator = True
