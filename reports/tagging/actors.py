"""Actor mentions with a rough grammatical role, the report's sides, and who is speaking."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import regex

from .lexicon import Hit, Matcher
from .normalize import WordStarts, caseless, word_matches, word_prefixes

_PREPS = frozenset("""of from against on by with between to toward towards for at in into upon over under than near
like as versus vs among amongst about across behind beside besides without within through throughout via onto
along around after before during since until despite including""".split())
_SKIP = frozenset("""the a an its their his her our some many remaining several other few dozens hundreds
fellow rival allied local new fresh""".split())
_MODIFIER_AFTER = re.compile(r"^\.?-?(?:held|controlled|led|backed|affiliated|linked|run|occupied|allied|aligned|"
                                r"supported|dominated|friendly)\b", re.I)
_ANAPHOR = re.compile(r"\b(?:the|this|that) (?P<noun>force|forces|group|alliance|militia|organi[sz]ation|factions|"
                     r"rebels|militias|militiamen|gunmen)\b(?!-)", re.I)
# what a match of _ANAPHOR in the lowercased text begins with (see word_matches)
_ANAPHOR_WORDS = word_prefixes("anaphor", [f"{det} {noun}" for det in ("the", "this", "that") for noun in (
    "force", "group", "alliance", "militia", "organi", "faction", "rebel", "gunmen")])
# "the alliance" names an alliance or coalition (never a single group); "the factions" the last side called so
_INTRODUCED = re.compile(r"\b(organi[sz]ation|group)\s*[\"\u201c']?\s*$", re.I)
_INTRODUCED_AFTER = re.compile(r"[\"\u201d']?\s+(organi[sz]ation|group)\b", re.I)
_ALLIANCE_WORDS = re.compile(r"\balliance\b", re.I)
_BARE_GENERIC = re.compile(r"(?:the\s+)?(terrorists|mercenaries|militants|jihadists|extremists)")
_NOUN_TAIL = re.compile(r"[\w/)-]\s+(terrorists|mercenaries|militants|jihadists|extremists)$")
_HEAD_NOUNS = frozenset({"factions", "rebels", "militias", "militiamen", "gunmen"})
_SPEECH_WORDS = ("said", "says", "told", "claimed", "claims", "reported", "reports", "announced", "stated", "tweeted",
                 "confirmed", "added", "noted", "according to", "quoted", "statement")
_SPEECH = re.compile(r"\b(?:" + "|".join(_SPEECH_WORDS) + r")\b", re.I)
_SPOKES = re.compile(r"^\s*(?:'s\s+)?(?:spokesperson|spokesman|spokeswoman|official|officials|commander|"
                        r"media (?:center|centre|office)|press office|statement)\b", re.I)
_WORDS = re.compile(r"[^\W\d_][\w'-]*|\d+(?:[.,]\d+)*|[,;:(\"]")
_COUNTS = frozenset({"dozens", "hundreds", "thousands", "scores", "several", "two", "three", "four", "five", "six",
                     "seven", "eight", "nine", "ten", "many", "some"})
_WORD_BEFORE = regex.compile(r"([\p{L}'-]+)[\s,]*$")


@dataclass(slots=True)
class ActorMention:
    start: int
    end: int
    text: str
    actor_id: int
    generic: bool
    subject: bool  # not the object of a preposition nor a modifier ("SDF-held")
    modifier: bool = False  # "SDF-held", "Coalition-backed"
    strong: bool = False  # at the head of a clause: "The SDF said", ", and ISIS fighters"


def top_actor(matcher: Matcher, actor_id: int | None) -> int | None:
    # asked for every actor mention; the answer depends on the lexicon only, so it is kept on the matcher
    tops: dict[int | None, int | None] | None = getattr(matcher, "tops", None)
    if tops is None:
        tops = matcher.tops = {}
    if actor_id not in tops:
        tops[actor_id] = _top_actor(matcher, actor_id)
    return tops[actor_id]


def _top_actor(matcher: Matcher, actor_id: int | None) -> int | None:
    seen = set()
    while actor_id is not None and actor_id not in seen:
        seen.add(actor_id)
        a = matcher.actors.get(actor_id)
        if a is None or a.parent_id is None:
            return actor_id
        actor_id = a.parent_id
    return actor_id


def _subject_like(text: str, start: int, sent_start: int) -> bool:
    return _subject_roles(text, start, sent_start)[0]


def _subject_roles(text: str, start: int, sent_start: int) -> tuple[bool, bool]:
    """(subject-like, and at the head of a clause), from one look at the words of the 120 characters before
    `start` (within the sentence)."""
    ws = max(sent_start, start - 120)
    # The last few words decide: read the last 60 characters first, cut after a space (no word straddles the
    # cut, so they are the last words of the whole window too); the whole window only when the decision could
    # look further back than they reach (eight words before the deciding one). Before that, the last 24: the
    # deciding word alone decides, unless it is "and".
    sp = text.rfind(" ", ws, start - 24)
    if sp >= 0:
        words = _WORDS.findall(text[sp + 1:start])
        i = _last_unskipped(words)
        if i >= 0 and words[i].lower() != "and":
            return _roles_of(words, i)
    sp = text.rfind(" ", ws, start - 60)
    if sp >= 0:
        words = _WORDS.findall(text[sp + 1:start])
        i = _last_unskipped(words)
        if i >= 8:
            return _roles_of(words, i)
    words = _WORDS.findall(text[ws:start])
    i = _last_unskipped(words)
    if i < 0:
        return True, True
    return _roles_of(words, i)


def _last_unskipped(words: list[str]) -> int:
    i = len(words) - 1
    while i >= 0 and words[i].lower() in _SKIP:
        i -= 1
    return i


def _roles_of(words: list[str], i: int) -> tuple[bool, bool]:
    w = words[i].lower()
    return _subject_word(words, i, w), w in _CLAUSE_HEAD


def _subject_word(words: list[str], i: int, w: str) -> bool:
    is_year = len(w) == 4 and w[:2] in ("19", "20")
    if (w[0].isdigit() and not is_year) or w in _COUNTS:  # "killed 30 SDF members": a count of victims, not an agent
        return False
    if w == "and":  # "between A and B", "A and B" after a preposition
        j = i - 1
        while j >= 0 and words[j] not in (",", ";", ":") and j > i - 8:
            if words[j].lower() in ("between", "against", "from", "of", "with", "by", "on"):
                return False
            j -= 1
        return True
    return w not in _PREPS


_CLAUSE_HEAD = frozenset({",", ";", ":", "(", '"', "that", "and", "but", "while", "when", "after", "as", "because",
                          "although", "though", "since", "then", "where", "before", "meanwhile", "also", "earlier",
                          "later", "now", "today", "yesterday", "however", "until",
                          # "The SDF said Turkish forces tried to advance": the reported clause has its own subject
                          "said", "says", "claimed", "reported", "announced", "stated", "added", "confirmed"})


# "Turkish regime forces", "Russian warships": a nationality before a military noun names that state's side
_DEMONYMS = {"Turkish": "Turkey", "Russian": "Russia", "Iraqi": "Iraqi Security Forces",
             "Iranian": "Iran-backed militias",
             "Israeli": "Israel", "American": "Coalition", "Syrian": "Syrian government"}
_DEMONYM_NP = re.compile(r"\b(?P<dem>Turkish|Russian|Iraqi|Iranian|Israeli|American|Syrian)\s+(?:[a-z-]+\s+)?"
                         r"(?:forces|troops|soldiers|army|warplanes|jets|warships|aircraft|drones|artillery|navy|"
                         r"military|regime|occupation|units|helicopters|air\s+force|Air\s+Force)\b"
                         # "warplanes, believed to be Israeli": the aircraft with the side they are said to be
                         r"|\b(?:warplanes|jets|aircraft|drones|planes|helicopters)\s*,?\s+(?:believed|thought|"
                         r"suspected|said|likely)\s+(?:to\s+(?:be|have\s+been)\s+)?"
                         r"(?P<dem2>Turkish|Russian|Iraqi|Iranian|Israeli|American)\b")
_DEMONYM_FIRST = (*_DEMONYMS, "warplanes", "jets", "aircraft", "drones", "planes", "helicopters")
_DEMONYM_WORDS = word_prefixes("demonym", [w.lower() for w in _DEMONYM_FIRST])  # see word_matches
# "U.S.-backed Syrian militias", "Turkish-backed rebels": the side backed by the named one
_BACKED_NP = re.compile(r"^\.?-?\s*(?:backed|supported|sponsored)\s+(?:[A-Za-z-]+\s+){0,2}?"
                        r"(?:forces|fighters|militias?|rebels|groups?|factions|troops|alliance|opposition|"
                        r"gunmen|mercenaries)\b")
# what a party's own media call its side
_SELF_NP = re.compile(r"\b(?:our\s+(?:forces|fighters|troops|units|heroes|soldiers)|(?:the\s+)?army\s+(?:units|troops)|"
                      r"the\s+army|(?:the\s+)?armed\s+forces)\b", re.I)


_DATELINE_PREFIX = re.compile(r"[A-Z][\w'.-]*(?:[ ,]+[A-Z][\w'.-]*){0,4},?\s*(?:\([^)]{1,40}\))?\s+[-\u2013\u2014]+\s+")


_BACKER_BEFORE = re.compile(r"\b(?:backed|supported|assisted|aided|helped|sponsored)\s+by\s+(?:the\s+)?$|"
                            r"\bwith\s+(?:the\s+)?(?:support|backing|help)\s+of\s+(?:the\s+)?$", re.I)


def _relations(matcher: Matcher) -> tuple[dict[int, int], dict[str, int]]:
    """(backer id -> the first actor it backs, actor name -> id), from data/actors.json; cached on the matcher."""
    cached = getattr(matcher, "proxies", None)
    if cached is not None:
        return cached
    from .lexicon import DATA_DIR, read_actors_json
    by_name = {a.name: a.id for a in matcher.lexicon.actors}
    proxies: dict[int, int] = {}
    try:
        raw = read_actors_json(DATA_DIR / "actors.json")
    except OSError:
        raw = []
    slug_to_id = {r["slug"]: by_name.get(r["name"]) for r in raw}
    for r in raw:
        me = slug_to_id.get(r["slug"])
        for rel in r.get("relations", []):
            other = slug_to_id.get(rel.get("other"))
            if rel.get("kind") == "backed_by" and me is not None and other is not None:
                proxies.setdefault(other, me)
    matcher.proxies = (proxies, by_name)
    return matcher.proxies


def find_actors(text: str, hits: list[Hit], matcher: Matcher, sentences,
                self_actor: int | None = None, low: str | None = None,
                words: WordStarts | None = None) -> list[ActorMention]:
    """`low`: ascii_lower(text), when lowered_matches(text); `words`: WordStarts(text), if worked out already."""
    if words is None:
        words = WordStarts(text)
    rx, t = (_RX, text) if low is None else (_RX_LOW, low)
    out: list[ActorMention] = []
    si = 0
    sents = list(sentences)
    proxies, by_name = _relations(matcher)
    extra: list[tuple[int, int, str, int]] = []
    for m in word_matches(_DEMONYM_NP, words(_DEMONYM_WORDS), text):
        aid = by_name.get(_DEMONYMS[m.group("dem") or m.group("dem2")])
        if aid is not None:
            extra.append((m.start(), m.end(), m.group(0), aid))
    if self_actor is not None:
        for m in _SELF_NP.finditer(text):
            extra.append((m.start(), m.end(), m.group(0), self_actor))
    if extra:
        def covered(h):
            return any(s <= h.start < e or h.start <= s < h.end for s, e, _, _ in extra)
        # a demonym phrase wins over a generic inside it ("Turkish regime forces"), not over a name that holds it
        extra = [x for x in extra if not any(h.start <= x[0] and x[1] <= h.end and h.kind == "actor" for h in hits)]
        hits = [h for h in hits if h.kind not in ("actor", "generic") or not covered(h)]
    # "YPG/PKK terrorists", "PKK militias": a generic word right after a name belongs to that name's mention
    merged = []
    for h in hits:
        if merged and h.kind == "generic" and merged[-1].kind == "actor" and 0 < h.start - merged[-1].end <= 1 \
                and text[merged[-1].end:h.start] == " " and h.tok_start == merged[-1].tok_end:
            prev = merged[-1]
            merged[-1] = Hit(prev.kind, prev.start, h.end, prev.refs, text[prev.start:h.end], prev.tok_start, h.tok_end)
            continue
        merged.append(h)
    hits = merged
    for h in hits:
        if h.kind not in ("actor", "generic"):
            continue
        while si + 1 < len(sents) and sents[si].end <= h.start:
            si += 1
        s0 = sents[si].start if sents else 0
        after = text[h.end:h.end + 60]
        modifier = bool(_MODIFIER_AFTER.match(after))
        aid = top_actor(matcher, h.refs[0])
        if modifier:
            bm = _BACKED_NP.match(after)
            proxy = proxies.get(aid) if bm else None
            if proxy is not None and not any(h.end < x.start < h.end + bm.end() for x in hits):
                subj, strong = _subject_roles(text, h.start, s0)
                e = h.end + bm.end()
                out.append(ActorMention(h.start, e, text[h.start:e], top_actor(matcher, proxy), True, subj, False,
                                        subj and strong))
                continue
        win = text[max(0, h.start - 30):h.start]
        if not modifier and ("by" in win or "of" in win) and rx.backer_before.search(t[max(0, h.start - 30):h.start]):
            modifier = True  # "troops backed by Russia": the backer, not the side that acts
        subj, strong = (False, False) if modifier else _subject_roles(text, h.start, s0)
        strong = subj and strong
        if not subj and not modifier and rx.conj_before.search(t, max(s0, h.start - 12), h.start) and \
                _FINITE_AFTER.match(text, h.end):
            subj = strong = True  # "after the jihadists had recaptured it": a clause, not a prepositional phrase
        out.append(ActorMention(h.start, h.end, h.spelling, aid, h.kind == "generic", subj, modifier, strong))
    for s, e, spelling, aid in extra:
        while si > 0 and sents[si].start > s:
            si -= 1
        while si + 1 < len(sents) and sents[si].end <= s:
            si += 1
        s0 = sents[si].start if sents else 0
        subj, strong = _subject_roles(text, s, s0)
        out.append(ActorMention(s, e, spelling, top_actor(matcher, aid), True, subj, False, subj and strong))
    # "AKCAKALE, Turkey (Reuters) - ...": a dateline names where the report was filed, not a side
    cut = []
    for sent in sents:
        if sent.index == 0 or sents[sent.index - 1].para != sent.para:
            dm = _DATELINE_PREFIX.match(text, sent.start, min(sent.end, sent.start + 90))
            if dm:
                cut.append((sent.start, dm.end()))
    if cut:
        out = [a for a in out if not any(s <= a.start < e for s, e in cut)]
    out.sort(key=lambda a: a.start)
    # "the force", "the group": the last subject actor before it
    # "YPG/PKK terrorists ... the terrorists": a bare generic word is the side last called by it in this report
    # (Anadolu's terrorists are the YPG, SANA's are ISIS)
    named: dict[str, ActorMention] = {}
    for a in out:
        low = a.text.lower()
        bare = _BARE_GENERIC.fullmatch(low)
        if bare and a.generic:
            prev = named.get(bare.group(1))
            if prev is not None and a.start - prev.end < 2500:
                a.actor_id = prev.actor_id
        else:
            tail = _NOUN_TAIL.search(low)
            if tail:
                named[tail.group(1)] = a
    alliances = _alliance_ids(matcher)
    intro: dict[int, str] = {}  # id of a mention -> the noun it is introduced with, or "": the same for every anaphor
    # (the prefixes are lowercase: used on the lowercased text only)
    for m in word_matches(rx.anaphor, words(_ANAPHOR_WORDS) if rx is _RX_LOW else None, t):
        ms = m.start()
        if any(a.start <= ms < a.end for a in out):
            continue
        noun = m.group("noun").lower()
        introduced = []
        if noun in ("organization", "organisation", "group"):
            for a in out:
                if a.end <= ms:
                    by = intro.get(id(a))
                    if by is None:
                        im = rx.introduced.search(t, max(0, a.start - 20), a.start) or \
                            rx.introduced_after.match(t, a.end)  # 'the organization "IS"', 'the "IS" organization'
                        by = intro[id(a)] = im.group(1).lower() if im else ""
                    if by == noun:
                        introduced.append(a)
        if introduced:  # 'the organization "Islamic State" ... the organization's members': the one so introduced
            prev = introduced
        elif noun in _HEAD_NOUNS:  # "Turkish-backed factions ... the factions"
            prev = [a for a in out if a.end <= m.start() and a.text.lower().endswith(noun)]
        else:
            prev = [a for a in out if a.end <= m.start() and a.subject]
            if noun == "alliance":
                prev = [a for a in prev if a.actor_id in alliances]
            # a side at the head of a clause ("The YPG terrorists had been advancing") over one named in passing
            # ("cutting the Daesh supply route"), within the last few sentences
            strong = [a for a in prev if a.strong and m.start() - a.end < 600]
            prev = strong or prev
        if not prev:
            continue
        si = 0
        while si + 1 < len(sents) and sents[si].end <= m.start():
            si += 1
        s0 = sents[si].start if sents else 0
        out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], prev[-1].actor_id, True,
                                _subject_like(text, m.start(), s0)))
    out.sort(key=lambda a: a.start)
    return out


def _alliance_ids(matcher: Matcher) -> set[int]:
    """Actors that are alliances or coalitions (by kind, name, aliases or description in data/actors.json)."""
    cached = getattr(matcher, "alliance_ids", None)
    if cached is not None:
        return cached
    from .lexicon import DATA_DIR, read_actors_json
    by_name = {a.name: a.id for a in matcher.lexicon.actors}
    out: set[int] = set()
    try:
        raw = read_actors_json(DATA_DIR / "actors.json")
    except OSError:
        raw = []
    for r in raw:
        words = " ".join([r.get("description", ""), *r.get("generic", [])])
        if r.get("name") in by_name and (r.get("kind") == "coalition" or _ALLIANCE_WORDS.search(words)):
            out.add(top_actor(matcher, by_name[r["name"]]))
    matcher.alliance_ids = out
    return out


class Sides:
    """Who fights whom in this report: the most mentioned actors and their opponents."""

    def __init__(self, mentions: list[ActorMention]):
        self.counts = Counter(a.actor_id for a in mentions)
        self.subject_counts = Counter(a.actor_id for a in mentions if a.strong)
        # most mentioned first, ranked once: opponent() and main() are asked for every claim of the report
        self.ranked = self.counts.most_common()

    def opponent(self, actor_id: int | None, allies: dict[int, set[int]] | None = None) -> int | None:
        if actor_id is None:
            return None
        friends = (allies or {}).get(actor_id, set())
        others = [(o, n) for o, n in self.ranked if o != actor_id and o not in friends]
        if not others:
            return None
        # a side named once counts only when it is the only other side
        if others[0][1] >= 2 or len(others) == 1:
            return others[0][0]
        return None

    def main(self) -> set[int]:
        """The two most mentioned sides of the report."""
        return {a for a, _ in self.ranked[:2]}  # most_common(2) is most_common()[:2]

    def topic(self) -> int | None:
        if not self.counts:
            return None
        return max(self.counts, key=lambda a: (self.subject_counts[a], self.counts[a]))


_SPEECH_LOW = re.compile(_SPEECH.pattern)  # on ASCII-lowercased text: no IGNORECASE cost
_SPEECH_FIRST = word_prefixes("speech", [w.split()[0] for w in _SPEECH_WORDS])  # see word_matches


def speech_index(low: str, words: WordStarts | None = None) -> tuple[list[int], list]:
    """The speech verbs of a whole (ASCII-lowercased, length-preserving) text, with their starts. `words`:
    WordStarts(low), if worked out already."""
    ms = word_matches(_SPEECH_LOW, (WordStarts(low) if words is None else words)(_SPEECH_FIRST), low)
    return [m.start() for m in ms], ms


def find_speaker(text: str, s: int, e: int, hits: list[Hit], matcher: Matcher,
                 speech: tuple[list[int], list] | None = None) -> tuple[str, int | None]:
    """Who is quoted in the sentence [s, e): a known source, or an actor's spokesperson."""
    if speech is not None:  # the speech verbs of the whole text, found once
        i = bisect_left(speech[0], s)
        sm = speech[1][i] if i < len(speech[1]) and speech[1][i].end() <= e else None
    else:
        sm = _SPEECH.search(text, s, e)
    if not sm:
        return "", None
    best = None
    for h in hits:
        if h.end <= s or h.start >= e:
            continue
        if h.kind == "source":
            src = matcher.sources[h.refs[0]]
            aff = src.get("affiliation")
            actor = _actor_by_slug(matcher).get(aff)
            cand = (src["name"], actor)
        elif h.kind == "actor" and _SPOKES.match(text[h.end:h.end + 30]):
            cand = (f"{matcher.actors[h.refs[0]].name} spokesperson", h.refs[0])
        else:
            continue
        according = sm.group(0).lower().startswith("according")
        after = h.start > sm.start()
        dist = abs(h.start - sm.start())
        if after and not according:
            dist += 1000  # "said SDF commander X": only when no one is named before the verb
        if best is None or dist < best[0]:
            best = (dist, cand)
    return best[1] if best else ("", None)


_CONJ_BEFORE = re.compile(r"\b(?:after|before|since|until|as|once)\s+(?:the\s+)?$", re.I)
_FINITE_AFTER = re.compile(r"\s+(?:(?:fighters|militants|forces|troops|members|units)\s+)?"
                           r"(?:had|has|have|was|were|is|are|\w+ed|took|retook|fled|withdrew|fought|overran|drove)\b",
                           re.I)
_SLUG = re.compile(r"[^a-z0-9]+")


class _Rx(NamedTuple):
    """The IGNORECASE patterns of find_actors."""

    backer_before: re.Pattern
    conj_before: re.Pattern
    anaphor: re.Pattern
    introduced: re.Pattern
    introduced_after: re.Pattern


_RX = _Rx(_BACKER_BEFORE, _CONJ_BEFORE, _ANAPHOR, _INTRODUCED, _INTRODUCED_AFTER)
# the same without IGNORECASE, for the ASCII-lowercased text (see lowered_matches)
_RX_LOW = _Rx(*map(caseless, _RX))


def _slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-")


def _actor_by_slug(matcher: Matcher) -> dict[str, int]:
    cached = getattr(matcher, "actor_by_slug", None)
    if cached is None:
        cached = matcher.actor_by_slug = {}
        for a in matcher.lexicon.actors:
            cached.setdefault(_slug(a.name), a.id)
    return cached
