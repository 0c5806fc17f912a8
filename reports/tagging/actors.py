"""Actor mentions with a rough grammatical role, the report's sides, and who is speaking."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import regex

from .lexicon import Hit, Matcher

_PREPS = frozenset("""of from against on by with between to toward towards for at in into upon over under than near
like as versus vs among amongst about across behind beside besides without within through throughout via onto
along around after before during since until despite including""".split())
_SKIP = frozenset("""the a an its their his her our some many remaining several other few dozens hundreds
fellow rival allied local new fresh""".split())
_MODIFIER_AFTER = re.compile(r"^-?(?:held|controlled|led|backed|affiliated|linked|run|occupied|allied|aligned|"
                                r"supported|dominated|friendly)\b", re.I)
_ANAPHOR = re.compile(r"\b(?:the|this|that) (?:force|forces|group|alliance|militia|organi[sz]ation)\b(?!-)", re.I)
_SPEECH = re.compile(r"\b(?:said|says|told|claimed|claims|reported|reports|announced|stated|tweeted|confirmed|"
                        r"added|noted|according to|quoted|statement)\b", re.I)
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
    seen = set()
    while actor_id is not None and actor_id not in seen:
        seen.add(actor_id)
        a = matcher.actors.get(actor_id)
        if a is None or a.parent_id is None:
            return actor_id
        actor_id = a.parent_id
    return actor_id


def _subject_like(text: str, start: int, sent_start: int) -> bool:
    head = text[sent_start:start]
    words = _WORDS.findall(head[-120:])
    i = len(words) - 1
    while i >= 0 and words[i].lower() in _SKIP:
        i -= 1
    if i < 0:
        return True
    w = words[i].lower()
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
                          "later", "now", "today", "yesterday", "however", "until"})


def _strong_subject(text: str, start: int, sent_start: int) -> bool:
    words = _WORDS.findall(text[max(sent_start, start - 120):start])
    i = len(words) - 1
    while i >= 0 and words[i].lower() in _SKIP:
        i -= 1
    return i < 0 or words[i].lower() in _CLAUSE_HEAD


def find_actors(text: str, hits: list[Hit], matcher: Matcher, sentences) -> list[ActorMention]:
    out: list[ActorMention] = []
    si = 0
    sents = list(sentences)
    for h in hits:
        if h.kind not in ("actor", "generic"):
            continue
        while si + 1 < len(sents) and sents[si].end <= h.start:
            si += 1
        s0 = sents[si].start if sents else 0
        modifier = bool(_MODIFIER_AFTER.match(text[h.end:h.end + 14]))
        subj = not modifier and _subject_like(text, h.start, s0)
        out.append(ActorMention(h.start, h.end, h.spelling, top_actor(matcher, h.refs[0]), h.kind == "generic",
                                subj, modifier, subj and _strong_subject(text, h.start, s0)))
    # "the force", "the group": the last subject actor before it
    for m in _ANAPHOR.finditer(text):
        if any(a.start <= m.start() < a.end for a in out):
            continue
        prev = [a for a in out if a.end <= m.start() and a.subject]
        if not prev:
            continue
        si = 0
        while si + 1 < len(sents) and sents[si].end <= m.start():
            si += 1
        s0 = sents[si].start if sents else 0
        out.append(ActorMention(m.start(), m.end(), m.group(0), prev[-1].actor_id, True,
                                _subject_like(text, m.start(), s0)))
    out.sort(key=lambda a: a.start)
    return out


class Sides:
    """Who fights whom in this report: the most mentioned actors and their opponents."""

    def __init__(self, mentions: list[ActorMention]):
        self.counts = Counter(a.actor_id for a in mentions)
        self.subject_counts = Counter(a.actor_id for a in mentions if a.strong)

    def opponent(self, actor_id: int | None, allies: dict[int, set[int]] | None = None) -> int | None:
        if actor_id is None:
            return None
        friends = (allies or {}).get(actor_id, set())
        others = [(o, n) for o, n in self.counts.most_common() if o != actor_id and o not in friends]
        if not others:
            return None
        # a side named once counts only when it is the only other side
        if others[0][1] >= 2 or len(others) == 1:
            return others[0][0]
        return None

    def main(self) -> set[int]:
        """The two most mentioned sides of the report."""
        return {a for a, _ in self.counts.most_common(2)}

    def topic(self) -> int | None:
        if not self.counts:
            return None
        return max(self.counts, key=lambda a: (self.subject_counts[a], self.counts[a]))


def find_speaker(text: str, s: int, e: int, hits: list[Hit], matcher: Matcher) -> tuple[str, int | None]:
    """Who is quoted in the sentence [s, e): a known source, or an actor's spokesperson."""
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
            actor = next((a.id for a in matcher.lexicon.actors if _slug(a.name) == aff), None)
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


def _slug(name: str) -> str:
    return regex.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
