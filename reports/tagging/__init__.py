"""Tidemark's rule-based tagger: report text in, claims with spans out. No Django here.

    from reports.tagging import tag, TAGGER_VERSION
    result = tag(text, published=date(2018, 12, 14), lexicon=lexicon, title="...")

Pipeline: normalise (length-preserving) -> language -> one automaton pass for
places, actors and sources -> sentences -> dates -> triggers with roles -> claims.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from operator import attrgetter
from typing import NamedTuple

from conflict.dates import DateInterval

from .actors import ActorMention, Sides, find_actors, find_speaker, speech_index, top_actor
from .dates import DateExpr, find_dateline, find_dates, latest_stated, resolve, year_hint
from .events import (
    _ANAPHORIC_PLACE,
    _PERSON,
    _THINGS,
    COUNTED_PLACES,
    Trigger,
    adjective_use,
    casualties,
    clause_bounds,
    connected,
    factuality,
    find_triggers,
    is_verb,
    support_verb_before,
    voice,
)
from .language import detect_language, is_supported
from .lexicon import DATA_DIR, Matcher, get_matcher, read_actors_json
from .normalize import WordStarts, ascii_lower, caseless, lowered_matches, normalize_text
from .places import PlaceMention, find_places
from .sentences import Sentence, split_sentences
from .types import ClaimDraft, Lexicon, Mention, ProposedPlace, TagResult

TAGGER_VERSION = "rules-1.4"

__all__ = ["tag", "TAGGER_VERSION"]

_WINDOW = 110
_STRIKE_VERB = re.compile(r"\b(?:hit|struck|targeted|pounded|bombed|shelled|strafed|carried|carrying|"
                          r"conducted|conducting|launched|launching|"
                          r"bombarded)\b", re.I)
_POSSESSIVE_BEFORE = re.compile(r"\b(?:its|their)\s+(?:\w+\s+)?$", re.I)
_OTHER_EVENT_DATE = re.compile(r"\b(?:founded|formed|set\s+up|established|created|born)\s+(?:on\s+|in\s+)?$", re.I)
_SPEECH_DATE = re.compile(r"\b(?:said|says|told(?:\s+[\w.-]+){0,4}?|announced|reported|stated|confirmed|added|"
                          r"tweeted|claimed)\s+(?:late\s+|early\s+)?$", re.I)
_RELATIVE_BEFORE = re.compile(r",\s*(?:which|that|where)\s+(?:[\w'-]+\s+){0,4}$", re.I)
_AIRCRAFT_FIRST = re.compile(r"^(?:aircraft|warplanes|jets|drones|planes|helicopters|artillery|gunships|air\s+force)\b",
                             re.I)
_MODEL_GAP = re.compile(r"\s+(?:[A-Z]{1,3}-?\d[\w-]*\s+){1,2}")
_TWO_SIDED = ("capture", "siege", "clash", "attack", "advance", "airstrike", "arrest")
_CASUALTY_PERIOD = re.compile(r"\b(?:killed|dead|deaths|losses|casualties|toll|number|fled|escaped|displaced)\b"
                              r"(?:(?!\b(?:captur|took|seiz|liberat)).){0,70}\b(?:since|as of)\s+$", re.I | re.S)
_FROM = {"from", "against", "on", "with", "versus", "vs"}
_BREAK_SIEGE = re.compile(r"\b(?:br(?:oke|eak|eaks|eaking|oken)|lift(?:ed|s|ing)?|end(?:ed|s|ing)?|ended)\s+"
                          r"(?:through\s+)?(?:the\s+|a\s+)?(?:[\w-]+\s+){0,2}$", re.I)
_NP_END = re.compile(r"\b(?:held|controlled|in|at|near|from|on|of|east|west|north|south|inside|outside|with)\b|[,;]",
                     re.I)
_IT_AFTER = re.compile(r"\s+it\b(?!\s+(?:was|is|had|has|would|will)\b)", re.I)
_ANAPHOR_KINDS = {"town": frozenset({"town", "village", "city"}), "city": frozenset({"city", "town"}),
                  "village": frozenset({"village", "town"}), "field": frozenset({"oil_field", "gas_field"}),
                  "oil field": frozenset({"oil_field", "gas_field"})}
_DESTINATION = re.compile(r"\b(?:to|towards?|into|for|heading\s+(?:to|towards?))\s+(?:the\s+)?"
                          r"(?:(?:town|city|village|area)s?\s+of\s+)?$", re.I)
_BY_AFTER = re.compile(r"\s+(?:(?:carried\s+out|conducted|launched)\s+)?by\s+(?:the\s+)?", re.I)
_SCENE_BEFORE = re.compile(r"\b(?:in|at|near|around|outside|inside)\s+(?:the\s+)?"
                           r"(?:(?:town|village|city|area)\s+of\s+)?$", re.I)
_OPERATION_AFTER = re.compile(r"\s+(?:operations?|campaigns?|offensive)\b", re.I)
_REPELLED = re.compile(r"\b(?:repel|repuls|foil|thwart|fend)\w*\s+(?:off\s+)?(?:an?\s+|the\s+|their\s+|its\s+)?"
                       r"(?:[\w-]+\s+){0,2}$", re.I)
_COMMA_BEFORE = re.compile(r",\s*$")
_AND_GAP = re.compile(r"\s*,?\s*(?:and|&)\s+(?:the\s+)?$", re.I)
_DATELINE_AFTER = re.compile(r"\s*\)?\s*[-\u2013\u2014]")
_THAT_SUBJECT = re.compile(r"\bthat\s+(?:the\s+)?(?:(?:village|town|city|area)\s+of\s+)?$", re.I)
_ARTICLE_GAP = re.compile(r"\s+(?:(?:large|major|new|fresh|surprise|suicide|massive|failed|renewed)\s+)?")
_WHO_GAP = re.compile(r",?\s+(?:who|which)\s+(?:(?:had|has|have|also|then|later)\s+)?", re.I)
_CONTAINER_BEFORE = re.compile(r"\b(?:countryside|province|governorate|suburbs)\s+of\s+(?:the\s+)?$", re.I)
_SAME_DAY = re.compile(r"\b(?:on\s+|later\s+(?:on\s+)?|earlier\s+(?:on\s+)?)?the\s+same\s+day\b", re.I)
_ONGOING = re.compile(r"\b(?:now|currently|continu(?:e|es|ed|ing)|ongoing|underway|this\s+week)\b", re.I)
# "ISIS still controls a number of villages close to the town": who holds the villages, not the town.
_HELD_NEARBY = re.compile(r"\s+(?:[\w'-]+\s+){0,4}?(?:villages|towns|areas|parts|positions|pockets|territory|"
                          r"territories|neighbou?rhoods|fields|farms|hamlets)\s+(?:[\w'-]+\s+){0,2}?"
                          r"(?:near|close\s+to|around|outside|surrounding|east|west|north|south|in\s+the\s+vicinity)\b",
                          re.I)
_RELATIVE_WHERE = re.compile(r"\b(?:in\s+which|where)\s+(?:[\w'-]+\s+){0,5}$", re.I)
_APPOSITIVE_HEAD = re.compile(r"(?:,\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,3}(?:town|village|city|area|pocket|place|"
                              r"stronghold|enclave)\s+)|\s+", re.I)
_OF_THINGS = re.compile(r"\s+of\s+(?:the\s+)?(?:remaining\s+)?(?:land\s*)?(?:mines|landmines|explosives|rubble|"
                        r"booby[\s-]traps|IEDs|unexploded|debris|bodies)\b", re.I)
_SINCE_BEFORE = re.compile(r"\bsince\s+(?:[\w'-]+\s+){0,3}$", re.I)
_COMPOUND_AFTER = re.compile(r"\s+(?:workshops?|factor(?:y|ies)|facilit(?:y|ies)|depots?|caches?|makers?|"
                             r"manufactur\w*|production|storage|warehouses?|experts?|networks?|cells?)\b", re.I)
_MOVED_AFTER = re.compile(r"\s+(?:away\s+)?(?:to|towards?|into)\b", re.I)
_AFTER_PERIOD = re.compile(r"\b(?:after|following)\s+(?:[\w-]+\s+){0,5}?(?:of\s+)?(?:[\w-]+\s+)?$", re.I)
_AGAINST_BEFORE = re.compile(r"\b(?:against|versus|vs\.?)\s+(?:the\s+)?(?:(?:last|remaining|final)\s+)?$", re.I)
_RANGE_GAP = re.compile(r"\s*(?:and|to|until|till|through|-|\u2013)\s*", re.I)
_RANGE_BEFORE = re.compile(r"\b(?:between|from)\s+(?:the\s+)?$", re.I)
_FOOTER = re.compile(r"\n[ \t]*(?:Related(?:\s+(?:posts|articles|stories|news|coverage))?|"
                     r"Leave\s+a\s+(?:reply|comment)|"
                     r"Comments|Read\s+more|See\s+also|More\s+(?:from|on)\s+[^\n]{0,40})[ \t]*:?[ \t]*(?=\n|$)", re.I)
_DISTRIBUTIVE = re.compile(r"\b(?:all|most|many|some|\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                           r"(?:but\s+\w+\s+)?of\s+(?:them|which|these|those)(?:\s+strikes)?\s+(?:were\s+|was\s+)?"
                           r"(?:near|in|around)\s", re.I)
_NEAR_JOIN = re.compile(r"\s*,?\s*(?:and|or)\s+(?:near|outside|around)\s+(?:the\s+)?", re.I)
_HEAD_GAP = re.compile(r"\s+(?:(?:members|fighters|militants|units|forces|troops|terrorists|gangs|mercenaries|"
                       r"elements|jets|warplanes|aircraft|drones|helicopters|artillery|warships)\s+)?"
                       r"(?:and\s+(?:jets|warplanes|aircraft|drones|helicopters|artillery|warships)\s+)?$", re.I)


class _Rx(NamedTuple):
    """The IGNORECASE patterns searched over windows of the text, the hot ones."""

    casualty_period: re.Pattern
    other_event_date: re.Pattern
    speech_date: re.Pattern
    same_day: re.Pattern
    ongoing: re.Pattern
    anaphoric_place: re.Pattern
    after_period: re.Pattern
    relative_where: re.Pattern
    relative_before: re.Pattern
    against_before: re.Pattern
    break_siege: re.Pattern
    since_before: re.Pattern
    repelled: re.Pattern


_RX = _Rx(_CASUALTY_PERIOD, _OTHER_EVENT_DATE, _SPEECH_DATE, _SAME_DAY, _ONGOING, _ANAPHORIC_PLACE, _AFTER_PERIOD,
          _RELATIVE_WHERE, _RELATIVE_BEFORE, _AGAINST_BEFORE, _BREAK_SIEGE, _SINCE_BEFORE, _REPELLED)
# the same without IGNORECASE, for the ASCII-lowercased text (see lowered_matches)
_RX_LOW = _Rx(*map(caseless, _RX))


def tag(text: str, *, published: dt.date | None, lexicon: Lexicon, title: str = "",
        outlet_actor_id: int | None = None) -> TagResult:
    """`outlet_actor_id`: the actor whose own media published the report (SANA: the Syrian government;
    Amaq: ISIS), so that "our forces", "the army" and unattributed acts resolve to that side."""
    nt = normalize_text(text)
    lang = detect_language(nt)
    if not is_supported(lang):
        return TagResult(lang, False, published, False, [], [], [], [], TAGGER_VERSION)
    return _Tagger(text, nt, published, get_matcher(lexicon), title, outlet_actor_id).run(lang)


class _Tagger:
    def __init__(self, text: str, nt: str, published: dt.date | None, matcher: Matcher, title: str,
                 outlet_actor_id: int | None = None):
        self.outlet_actor = outlet_actor_id
        self.text, self.nt, self.m = text, nt, matcher
        self.published = published
        self.title = title
        self.flags: list[str] = []

    # ---------------------------------------------------------------- setup
    def run(self, lang: str) -> TagResult:
        nt, m = self.nt, self.m
        self.low = ascii_lower(nt)
        # IGNORECASE costs the regex engine 2-3x: the hot patterns run without it on the lowercased text, unless
        # that could find other spans (lowered_matches). low_rx: that text, or None, for the helpers taking one;
        # rx and rt: the patterns of _Rx and the text (same offsets) they run on.
        self.low_rx: str | None = self.low if lowered_matches(nt) else None
        self.rx, self.rt = (_RX, nt) if self.low_rx is None else (_RX_LOW, self.low_rx)
        self.words = WordStarts(nt)  # for the scans that need only look where some words start (word_matches)
        self.exprs: list[DateExpr] = find_dates(nt, self.low, self.words)
        pub, inferred, resolve_pub = self.published, False, self.published
        if pub is None:
            dl = find_dateline(nt)
            if dl is not None:
                pub, inferred, resolve_pub = dl, True, dl
            else:
                latest = latest_stated(self.exprs)
                if latest is not None:
                    pub, inferred = latest, True  # a lower bound only: relative dates stay unknown
        self.resolve_pub = resolve_pub
        yh = resolve_pub.year if resolve_pub else year_hint(self.exprs)
        self.intervals = [resolve(e, resolve_pub, yh) for e in self.exprs]
        self._join_ranges(resolve_pub)
        for e in self.exprs:
            if "weekday_mismatch" in e.flags and "weekday_mismatch" not in self.flags:
                self.flags.append("weekday_mismatch")
        self.hits, _ = m.find(nt)
        self.sents: list[Sentence] = split_sentences(nt)
        self.title_end = self._title_end()
        fm = _FOOTER.search(nt)
        self.footer_start = fm.start() if fm else len(nt)
        self.places: list[PlaceMention] = find_places(nt, self.hits, m, self.low_rx, self.words)
        self.actors: list[ActorMention] = find_actors(nt, self.hits, m, self.sents,
                                                      top_actor(m, self.outlet_actor) if self.outlet_actor else None,
                                                      self.low_rx, self.words)
        self.sides = Sides(self.actors)
        # sorted starts, for slicing by position instead of scanning
        self.place_starts = [p.start for p in self.places]
        self.actor_starts = [a.start for a in self.actors]
        self.sent_starts = [s.start for s in self.sents]
        self.expr_starts = [e.start for e in self.exprs]
        self.hit_starts = [h.start for h in self.hits]
        self.expr_para = [self._para_of(e.start) for e in self.exprs]
        self._acts_cache: dict[int, list[ActorMention]] = {}
        self._sent_dates: dict[int, tuple[int, list, list]] = {}
        self._owners: dict[tuple[int, int], Trigger | None] = {}
        self.lead_para = next((s.para for s in self.sents if s.start >= self.title_end), 0)
        self._breaks: dict = {}
        self._attacker: dict[int, int] = {}
        self._against: dict[int, bool] = {}
        self.allies = _allies(m)
        claims = self._claims()
        mentions = self._mentions()
        proposals = [ProposedPlace(p.proposed, p.kind, (p.start, p.end), self._sentence_text(p.start))
                     for p in self.places if p.proposed]
        return TagResult(lang, True, pub, inferred, claims, mentions, proposals, self.flags, TAGGER_VERSION)

    def _join_ranges(self, pub: dt.date | None) -> None:
        """"between November 18 and November 24", "from Monday to Wednesday": one interval, not two days;
        "in September last year": that month of the year before."""
        nt, exprs, ivs = self.nt, self.exprs, self.intervals
        i = 0
        while i + 1 < len(exprs):
            a, b, ia, ib = exprs[i], exprs[i + 1], ivs[i], ivs[i + 1]
            gap = nt[a.end:b.start]
            if _RANGE_GAP.fullmatch(gap) and _RANGE_BEFORE.search(nt, max(0, a.start - 12), a.start) and \
                    ia.start and ib.end and ia.start <= ib.end and (ib.end - ia.start).days <= 62:
                span = (ib.end - ia.start).days
                prec = "day" if span == 0 else "week" if span <= 10 else "month"
                ivs[i] = DateInterval(ia.start, ib.end, prec)
                del exprs[i + 1], ivs[i + 1]
                a.end, a.form = b.end, "range"  # a period: it can govern its paragraph, like "over the past week"
                continue
            if a.form == "month" and gap.strip() == "" and b.text.lower() == "last year" and pub is not None \
                    and ia.start is not None:
                ivs[i] = DateInterval.month(pub.year - 1, ia.start.month)
                del exprs[i + 1], ivs[i + 1]
                a.end = b.end
                continue
            i += 1

    def _para_of(self, pos: int) -> int | None:
        i = bisect_right(self.sent_starts, pos) - 1
        if i >= 0 and pos < self.sents[i].end:
            return self.sents[i].para
        return None

    def _places_in(self, s: int, e: int) -> list[PlaceMention]:
        return self.places[bisect_left(self.place_starts, s):bisect_left(self.place_starts, e)]

    def _title_end(self) -> int:
        nt = self.nt
        if self.title:
            t = normalize_text(self.title).strip()
            i = nt.find(t[:60]) if t else -1
            if 0 <= i < 200:
                return i + len(t)
        # a first line without a full stop, followed by a blank line, is a headline
        first_nl = nt.find("\n")
        if 0 < first_nl < 250 and nt[first_nl + 1:first_nl + 2] == "\n" \
                and not nt[:first_nl].rstrip().endswith((".", '"')):
            return first_nl
        return 0

    def _sentence_text(self, pos: int) -> str:
        for s in self.sents:
            if s.start <= pos < s.end:
                return self.text[s.start:s.end]
        return ""

    # ---------------------------------------------------------------- claims
    def _claims(self) -> list[ClaimDraft]:
        raw: list[dict] = []
        prev_speaker: tuple[str, int | None] = ("", None)
        every = find_triggers(self.nt, lowered=self.low, words=self.words)
        by_sent: dict[int, list[Trigger]] = {}
        si = 0
        for tr in every:
            while si + 1 < len(self.sents) and self.sents[si].end <= tr.start:
                si += 1
            if self.sents and self.sents[si].start <= tr.start and tr.end <= self.sents[si].end:
                by_sent.setdefault(si, []).append(tr)
        self.all_triggers = [tr for v in by_sent.values() for tr in v]
        self.trigs_by_sent = {k: [x for x in v if x.type != "held"] for k, v in by_sent.items()}
        speech = speech_index(self.low, self.words)
        for k, sent in enumerate(self.sents):
            if sent.end <= self.title_end:
                continue
            if sent.start >= self.footer_start:
                break  # "Related" headlines and comment forms are other articles, not this report
            sent_hits = self.hits[bisect_left(self.hit_starts, sent.start):bisect_left(self.hit_starts, sent.end)]
            speaker = find_speaker(self.nt, sent.start, sent.end, sent_hits, self.m, speech)
            if not speaker[0] and self.nt[sent.start] == '"':
                speaker = prev_speaker
            prev_speaker = speaker if speaker[0] else prev_speaker
            trigs = by_sent.get(k, [])
            if not trigs:
                continue
            # no place in the sentence and nothing that points back to one: no claim can come of it
            if not self._places_in(sent.start, sent.end) and \
                    not self.rx.anaphoric_place.search(self.rt, sent.start, sent.end):
                continue
            cas = None
            for i, t in enumerate(trigs):
                for c in self._claims_for(sent, t, trigs[i + 1:]):
                    if cas is None:
                        cas = casualties(self.nt, sent.start, sent.end, self.low_rx)
                    c["speaker"], c["casualties"] = speaker, cas
                    raw.append(c)
        self._fill_sides(raw)
        out: list[ClaimDraft] = []
        kept: dict[tuple, int] = {}
        for c in raw:
            date, dspan, dflags = self._date_for(c["sent"], c["trigger"])
            d = ClaimDraft(
                type=c["type"], span=(c["sent"].start, c["sent"].end), quote=self.text[c["sent"].start:c["sent"].end],
                place_id=c["place_id"], proposed_place=c["proposed"], proposed_place_kind=c["proposed_kind"],
                actor1_id=c["a1"], actor2_id=c["a2"], date=date, speaker=c["speaker"][0],
                speaker_actor_id=c["speaker"][1],
                evidence={k: v for k, v in (("place", c["place_span"]), ("actor1", c.get("a1_span")),
                                            ("trigger", [c["trigger"].start, c["trigger"].end]), ("date", dspan))
                          if v},
                flags=dflags,
            )
            if c["casualties"]:
                first = c["casualties"][0]
                d.casualties = {k: v for k, v in first.items() if k != "text"}
            # one claim per sentence, type, place and side ("SDF Seizes X: The SDF seized X on October 22"),
            # the one with a date kept
            key = (d.span, d.type, d.place_id, d.proposed_place, d.actor1_id)
            j = kept.get(key)
            if j is None:
                kept[key] = len(out)
                out.append(d)
            elif not out[j].date.is_known and d.date.is_known:
                out[j] = d
        return out

    def _claims_for(self, sent: Sentence, t: Trigger, later: list[Trigger]) -> list[dict]:
        nt = self.nt
        if adjective_use(nt, t) or _COMPOUND_AFTER.match(nt, t.end):
            return []  # "a car bomb workshop", "attack drones": the trigger word names a thing here
        if t.type == "capture" and t.lemma == "take" and _MOVED_AFTER.match(nt, t.end):
            return []  # "the families were taken towards areas held by the group": moved, not captured
        cs, ce = clause_bounds(nt, sent.start, sent.end, t.start, self._breaks, self.low_rx)
        low_t = t.text.lower()
        if t.type in ("clash", "attack", "siege") and not low_t.endswith("ed") and \
                (not low_t.endswith("ing") or low_t in ("fighting", "shelling", "bombing")):
            earlier = [x for x in self.trigs_by_sent.get(sent.index, ()) if x.end <= t.start]
            if self.rx.after_period.search(self.rt, max(sent.start, t.start - 45), t.start) and \
                    any(x.type in ("capture", "withdrawal") for x in earlier):
                # "captured Hajin after a week of street fighting", "fled towards X after heavy clashes": the
                # lead-up of the capture or retreat, told once (and not at the place fled to)
                return []
            if t.type == "attack" and nt[max(0, t.start - 4):t.start].lower() == "the " and \
                    any(x.type == "attack" for x in earlier):
                return []  # "ISIS attacked positions near X ... before the assault was repelled": the same attack
        typ, frame = t.type, t.frame
        fact = factuality(nt, t, cs, ce, self.low_rx) if typ != "held" else "fact"
        if fact == "nonfact":
            return []
        if typ == "siege" and self.rx.break_siege.search(self.rt, max(cs, t.start - 40), t.start):
            typ, frame = "advance", "breaksiege"  # "broke the siege of X": the breaker advances
        if fact == "operation" or (t.lemma == "clear" and _OPERATION_AFTER.match(nt, t.end)):
            typ, frame = "advance", "act"  # "the operation to capture X", "a clearing operation in X"
        if t.text[:6].lower() == "deploy" and voice(nt, t) == "pass":
            return []  # "units have been deployed in X since 2017": a state, not a move
        if fact == "attempt":
            typ, frame = "attack", "act"  # "tried to advance on X but were repelled"
        if typ == "attack" and t.text[:4].lower() == "raid" and \
                any(x.type == "arrest" for x in self.trigs_by_sent.get(sent.index, ())):
            typ = "arrest"  # "a raid in X ... detained three suspects": the raid is the arrest
        v = voice(nt, t)
        window_end = min(ce, t.end + _WINDOW)
        for lt in later:
            if lt.type != "held" and lt.start > t.end and not adjective_use(nt, lt):
                window_end = min(window_end, lt.start)
                break
        # ---- places
        direction = "after"
        if frame in ("fell",) or (frame in ("act", "clear") and v == "pass"):
            direction = "before"
        if frame == "held" and not t.text.startswith("-") and t.text.lower().split()[0] in ("held", "controlled",
                                                                                              "under"):
            direction = "before"
        group = self._group_after(t, window_end) if direction == "after" else self._group_before(t, cs)
        if frame == "held" and direction == "after" and _HELD_NEARBY.match(nt, t.end, window_end):
            return []
        rel = self.rx.relative_where.search(self.rt, max(sent.start, t.start - 60), t.start) if not group or \
            direction == "before" else None
        if rel:  # "Baghuz Fawqani, the last town in which the mercenaries are besieged"
            p = self._last_place_before(rel.start(), rel.start() - 60)
            if p is not None and _APPOSITIVE_HEAD.fullmatch(nt, p.end, rel.start()):
                group = [p]
        if t.lemma == "aggression" and not group:
            return []  # "the Turkish aggression on Syrian territory": only a named place makes it a claim
        if group and typ == "withdrawal" and _DESTINATION.search(nt, max(t.end, group[0].start - 25), group[0].start):
            group = []  # "fled toward Markada": where they went, not the place they left
            if direction == "after":
                group = self._group_before(t, cs)
        if not group and typ in ("attack", "airstrike", "arrest", "advance") and direction == "after":
            # "In Hasakah's countryside, gunmen attacked a checkpoint near Markada": the nearer scene wins;
            # an advance only right at the trigger ("advances east of Hajin")
            group = self._group_after(t, window_end if typ != "advance" else min(window_end, t.end + 30),
                                      locators_ok=True)
        if typ == "advance" and self.rx.since_before.search(self.rt, max(cs, t.start - 40), t.start) and \
                all(p.kind == "region" for p in group):
            return []  # "killed since it launched its offensive in the area": a time anchor, not news
        if not group and typ in ("siege", "clash", "attack", "airstrike", "withdrawal", "advance", "arrest"):
            group = self._group_before(t, cs) if direction == "after" else self._group_after(t, window_end)
            if typ == "arrest":
                group = self._scene(group)
        if not group and direction == "before" and typ == "capture":
            group = self._group_after(t, window_end)
        if not group and direction == "after" and \
                self.rx.relative_before.search(self.rt, max(cs, t.start - 60), t.start):
            group = self._group_before(t, cs)  # "the Omar oil field, which the SDF seized in 2017"
        if not group and t.lemma == "storm":
            group = self._group_after(t, window_end, locators_ok=True)
            if group:  # "stormed a camp near al-Bahrah": an attack on something there, not the town taken
                typ = "attack"
        if not group and typ in ("clash", "attack", "airstrike", "arrest"):
            # "clashed with ISIS near al-Kishkiyah", "strikes near Hajin": with no other place, near will do
            # ("clashes between A, backed by B, and C in the vicinity of X": the pair can be long)
            group = self._group_after(t, min(ce, t.end + 2 * _WINDOW) if typ == "clash" else window_end,
                                      locators_ok=True)
            if not group:  # "Near Abu Kamal, five strikes engaged ..."
                near = [p for p in self._places_in(cs, t.start) if p.end <= t.start and p.kind != "region"]
                group = near[-1:]
        if not group and typ == "airstrike":
            dm = _DISTRIBUTIVE.search(nt, t.end, sent.end)
            if dm:  # "35 strikes between November 18 and 24, all but two of them near Hajin and Susah"
                group = self._group_after(Trigger(dm.end() - 1, dm.end() - 1, "", "", "", ""), sent.end,
                                          locators_ok=True)
        if typ == "capture" and t.lemma in ("lose", "clear", "liberate") and group and frame != "clear" or \
                (t.lemma == "clear" and v != "pass" and group):
            between = nt[t.end:group[0].start]
            if group[0].start > t.end and (_THINGS.search(between) or _PERSON.search(between)):
                return []  # "lost 20 fighters in Hajin", "cleared mines in Raqqa", "freed hostages in X"
            if t.lemma == "clear" and _OF_THINGS.match(nt, group[-1].end):
                return []  # "clearing al-Susah of mines": the town is held already
        if frame in ("act", "nom") and typ == "capture" and t.lemma in ("capture", "seize", "take", "retake"):
            stop = group[0].start if group else window_end
            between = nt[t.end:stop]
            np_end = _NP_END.search(between)
            if np_end:  # "capturing the last pocket held by the jihadists": only the object itself can be a person
                between = between[:np_end.start()]
            if t.lemma in ("take", "retake") and group and len(between) > 30:
                return []
            if _PERSON.search(between) or (not group and _PERSON.search(nt, t.end, min(ce, t.end + 60))):
                typ = "arrest"
                if not group:
                    group = self._group_after(t, min(ce, t.end + 140), locators_ok=True) or \
                        self._scene(self._group_before(t, cs))  # "in Hajin, SDF commandos captured two men"
            elif _THINGS.search(between):
                return []
        if not group and typ in ("capture", "advance", "siege") and COUNTED_PLACES.match(nt, t.end):
            return []  # "captured more than 300 villages in its countryside": not the city named before
        if not group and typ != "arrest" and _IT_AFTER.match(nt, t.end):
            p = self._last_place_before(t.start, sent.start - 400)  # "the jihadists had recaptured it"
            if p is not None:
                group = [p]
        if not group:
            am = self.rx.anaphoric_place.search(self.rt, sent.start, sent.end)
            if am:
                kinds = _ANAPHOR_KINDS.get(" ".join(am.group(1).lower().split()))
                p = self._last_place_before(am.start(), sent.start - 500, kinds)
                if p is not None:
                    group = [p]
        if not group:
            return []
        # ---- actors
        a1, a2, a1_span = self._roles(sent, t, frame, v, cs, ce, window_end)
        if typ == "attack" and self.rx.repelled.search(self.rt, max(cs, t.start - 45), t.start) and \
                (a1_span is None or a1_span[0] < t.start):  # not "repelled an attack by ISIS"
            # "the SDF repelled an attack": the attacker is the other side, the one just said to attack if any
            named = next((a for a in self.actors[bisect_left(self.actor_starts, max(cs, t.start - 40)):
                                                 bisect_left(self.actor_starts, t.start)]
                          if _ARTICLE_GAP.fullmatch(nt, a.end, t.start)), None)
            if named is not None:  # "its fighters repelled an ISIS attack on al-Susah"
                a1, a2, a1_span = named.actor_id, (a2 if a2 != named.actor_id else None), [named.start, named.end]
            else:
                a1, a2, a1_span = self._attacker.get(sent.index), a1, None
        elif typ == "attack" and a1 is not None:
            self._attacker[sent.index] = a1
        if typ == "withdrawal" and a1 is None:
            return []
        if typ == "arrest" and low_t.endswith("ing") and _COMMA_BEFORE.search(nt, max(cs, t.start - 4), t.start):
            # "US-backed forces seized the group's encampment, capturing 157 jihadists": the main clause's subject
            lead = [a for a in self.actors[bisect_left(self.actor_starts, sent.start):
                                           bisect_left(self.actor_starts, t.start)] if a.subject and not a.modifier]
            if lead and lead[0].actor_id != a1:
                a1, a2, a1_span = lead[0].actor_id, (a2 if a2 != lead[0].actor_id else None), [lead[0].start,
                                                                                              lead[0].end]
        out = []
        for p in group:
            for key in p.keys:
                out.append({
                    "type": typ, "frame": frame, "lemma": t.lemma, "trigger": t, "sent": sent,
                    "place_key": key, "place_id": key if p.place_ids else None,
                    "proposed": None if p.place_ids else p.proposed, "proposed_kind": "" if p.place_ids else p.kind,
                    "place_span": [p.start, p.end], "a1": a1, "a2": a2, "a1_span": a1_span,
                    "explicit_a1": a1 is not None,
                })
        return out

    def _group_after(self, t: Trigger, end: int, locators_ok: bool = False) -> list[PlaceMention]:
        cands = [p for p in self._places_in(t.end, end) if locators_ok or not p.locator]
        if not cands:
            return []
        group = [cands[0]]
        i = bisect_right(self.place_starts, cands[0].start)
        for p in self.places[i:i + 12]:
            if p.locator and not (locators_ok and p.listed):
                if not locators_ok and _NEAR_JOIN.fullmatch(self.nt, group[-1].end, p.start):
                    group.append(p)  # "in al-Bahrah, Gharanij and near the Kishma oil field"
                continue
            if connected(self.nt, group[-1].end, p.start, self._locators_between(group[-1].end, p.start)):
                group.append(p)
            else:
                break
        return group

    def _scene(self, group: list[PlaceMention]) -> list[PlaceMention]:
        """A place before an arrest is its scene only when named as one ("a raid in X", "in X, forces
        detained"), not when it is the object of another act ("seized the X field, captured fighters")."""
        if group and _SCENE_BEFORE.search(self.nt, max(0, group[0].start - 30), group[0].start):
            return group
        return []

    def _locators_between(self, s: int, e: int) -> list[tuple[int, int]]:
        return [(p.start, p.end) for p in self._places_in(s, e) if p.locator and p.end <= e]

    def _group_before(self, t: Trigger, cs: int) -> list[PlaceMention]:
        cands = [p for p in self._places_in(cs, t.start) if p.end <= t.start and not p.locator]
        if not cands:
            return []
        group = [cands[-1]]
        earlier = [p for p in self._places_in(cs, group[0].start) if p.end <= group[0].start and not p.locator]
        for p in reversed(earlier):
            if connected(self.nt, p.end, group[0].start) or \
                    (self.nt[p.end:group[0].start].strip().lower() == "to" and
                     self.nt[max(cs, p.start - 6):p.start].lower().strip().endswith("from")):
                group.insert(0, p)
            else:
                break
        return group

    def _last_place_before(self, pos: int, floor: int, kinds: frozenset | None = None) -> PlaceMention | None:
        cands = [p for p in self._places_in(max(floor, 0), pos) if p.end <= pos and p.kind != "region"]
        if kinds:  # "the field" is the last oil field named, "the town" the last town or village
            cands = [p for p in cands if not _CONTAINER_BEFORE.search(self.nt, max(0, p.start - 40), p.start)]
            for p in reversed(cands):  # not "the eastern countryside of Deir ez-Zor": that names no town
                if p.kind in kinds:
                    return p
        return cands[-1] if cands else None

    # ---------------------------------------------------------------- roles
    def _roles(self, sent, t, frame, v, cs, ce, window_end):
        acts = self._acts_cache.get(sent.index)
        if acts is None:
            acts = self._acts_cache[sent.index] = self.actors[bisect_left(self.actor_starts, sent.start):
                                                              bisect_left(self.actor_starts, sent.end)]
        nt, low = self.nt, self.low_rx

        against_cache = self._against

        def against(a):  # "the Coalition against ISIS conducted", "the campaign against the last ISIS enclave"
            r = against_cache.get(a.start)
            if r is None:
                w = self.low[max(sent.start, a.start - 40):a.start]
                r = against_cache[a.start] = ("against" in w or " vs" in w or "versus" in w) and \
                    bool(self.rx.against_before.search(self.rt, max(sent.start, a.start - 40), a.start))
            return r

        def adjacent():
            for a in acts:
                if against(a):
                    continue
                if a.end <= t.start and _WHO_GAP.fullmatch(nt, a.end, t.start):
                    return a  # "progress by the SDF, who advanced on the outskirts"
                if a.modifier and a.end <= t.start and not t.text.startswith("-") and \
                        (t.type != "airstrike" or nt[a.end:t.start].strip()):
                    continue
                if _AIRCRAFT_FIRST.match(t.text) and a.end <= t.start and t.start - a.end <= 14 and \
                        _MODEL_GAP.fullmatch(nt, a.end, t.start):
                    return a  # "US F-15 jets struck"
                if a.end <= t.start and t.start - a.end <= 4 and nt[a.end:t.start].strip() in ("", "'s", "'"):
                    return a
                if a.end <= t.start and t.start - a.end <= 40 and a.strong and _HEAD_GAP.match(nt, a.end, t.start):
                    return a  # "ISIS members withdrew", "Coalition aircraft and artillery struck"
                if a.start < t.start < a.end:  # "Coalition aircraft hit": the trigger starts inside the name
                    return a
            return None

        def first_conjunct(a):
            # "The Turkish Armed Forces and the Syrian National Army have liberated": the first named leads
            for b in acts:
                if b.end <= a.start and a.start - b.end <= 12 and _AND_GAP.match(nt, b.end, a.start) \
                        and b.actor_id != a.actor_id and not b.modifier:
                    return b
            return a

        def subj_before(strong_first=True):
            cands = [a for a in acts if a.end <= t.start and a.subject and a.start >= cs - 200 and not against(a)]
            if strong_first:
                for a in reversed(cands):
                    if a.strong:
                        return first_conjunct(a)
            return first_conjunct(cands[-1]) if cands else None

        def after_prep(preps, limit=None):
            lim = limit or min(ce, t.end + 90)
            for a in acts:
                if t.end <= a.start < lim:
                    head = nt[t.end:a.start].lower().split()
                    head = [w for w in head if w not in ("the", "a", "an", "its", "their", "remaining", "last",
                                                         "final", "few", "some")]
                    if not head:  # "free of ISIS": the preposition ends the trigger itself
                        head = t.text.lower().split()[-1:]
                    if head and head[-1].strip(",") in preps:
                        return a
            return None

        def first_after(limit=None):
            lim = limit or min(ce, t.end + 90)
            for a in acts:
                if t.end <= a.start < lim and not a.modifier:
                    return a
            for a in acts:
                if t.end <= a.start < lim:
                    return a
            return None

        a1 = a2 = None
        if t.type == "clash":
            pair = self._between(sent, acts)
            if pair:
                a1, a2 = pair
            else:
                verbal = is_verb(nt, t, sent.start, low) or support_verb_before(nt, t, sent.start, low)
                a1 = adjacent() or (subj_before() if verbal else None)
                a2 = after_prep({"with", "against"})
        elif frame == "held":
            if t.text.startswith("-"):
                a1 = adjacent()
            elif t.text.lower().split()[0] in ("held", "controlled", "under"):
                a1 = first_after()
            else:
                a1 = subj_before()
        elif frame == "fell":
            a1 = first_after()
        elif frame == "breaksiege":
            a1 = subj_before()
        elif frame == "lost":
            a2 = subj_before()
            a1 = after_prep({"to"})
        elif frame == "oust" and v == "pass":
            a2 = subj_before()
            a1 = after_prep({"by"})
        elif frame == "oust":
            a1 = subj_before()
            a2 = first_after()
        elif frame == "clear":
            if v == "pass":
                a2 = after_prep({"of"})
                a1 = after_prep({"by"})
            else:
                a1 = subj_before()
                a2 = after_prep({"of"})
        elif frame == "nom":
            a1 = after_prep({"by"}) or adjacent() or subj_before()
            a2 = after_prep(_FROM)
        elif v == "pass":
            a2 = subj_before()
            if a2 is not None and t.type == "capture" and any(
                    _THAT_SUBJECT.search(nt, max(a2.end, p.start - 40), p.start)
                    for p in self._places_in(a2.end, t.start)):
                a2 = None  # "declaring that the village of Baghuz ... had been liberated": the place is the subject
            a1 = after_prep({"by"})
        else:
            verbal = t.type == "capture" or is_verb(nt, t, sent.start, low) or \
                support_verb_before(nt, t, sent.start, low) or \
                bool(_POSSESSIVE_BEFORE.search(nt, max(sent.start, t.start - 12), t.start))
            if t.type == "airstrike":
                verbal = bool(_STRIKE_VERB.search(t.text)) or support_verb_before(nt, t, sent.start, low) or \
                    (t.text.lower().endswith(("ed", "ing")) and is_verb(nt, t, sent.start, low))
            if _AIRCRAFT_FIRST.match(t.text):  # "Israeli jets struck": the side is the word before, or no one
                # ... or the one whose aircraft they are ("the coalition said its aircraft had hit")
                verbal = bool(_POSSESSIVE_BEFORE.search(nt, max(sent.start, t.start - 12), t.start))
            bm = _BY_AFTER.match(nt, t.end)  # "shelling by coalition warplanes"
            by = next((a for a in acts if bm.start() < a.start <= bm.end()), None) if bm else None  # "by the X"
            if t.type == "withdrawal" and t.text.lower().endswith("al"):
                by = by or after_prep({"of"}, min(ce, t.end + 40))  # "the withdrawal of the last ISIS members"
            a1 = by or adjacent() or (subj_before() if verbal else None)
            if a1 is None and t.text.lower().endswith("ing") and \
                    _COMMA_BEFORE.search(nt, max(cs, t.start - 4), t.start):
                a1 = subj_before()  # "..., shelling residential neighborhoods": the participle shares the subject
            if a1 is None and _AIRCRAFT_FIRST.match(t.text):
                a1 = next((a for a in acts if a.end <= t.start and _AND_GAP.fullmatch(nt, a.end, t.start)), None)
            if a1 is None and t.type == "attack":
                a1 = subj_before(strong_first=False)  # the nearest side before a noun "attack"
            a2 = after_prep(_FROM) or (first_after(window_end) if t.type in ("attack", "siege", "airstrike", "arrest")
                                       else None)
        id1 = a1.actor_id if a1 else None
        id2 = a2.actor_id if a2 else None
        if a1 is not None and a2 is a1:
            a2 = None
            id2 = None
        if id1 is not None and id1 == id2:
            id2 = None
        return id1, id2, ([a1.start, a1.end] if a1 else None)

    def _between(self, sent, acts):
        nt = self.nt
        low = nt[sent.start:sent.end].lower()
        i = low.find("between ")
        if i < 0:
            return None
        pos = sent.start + i + 8
        first = next((a for a in acts if pos <= a.start <= pos + 12), None)
        if first is None:
            return None
        j = nt.find(" and ", first.end, first.end + 40)
        if j < 0:
            return None
        second = next((a for a in acts if j < a.start <= j + 12 and a.actor_id != first.actor_id), None)
        if second is None:
            return None
        return first, second

    def _fill_sides(self, raw: list[dict]) -> None:
        by_lemma: dict[str, Counter] = {}
        for c in raw:
            if c["explicit_a1"] and c["type"] == "capture":
                by_lemma.setdefault(c["lemma"], Counter())[c["a1"]] += 1
                by_lemma.setdefault("*", Counter())[c["a1"]] += 1
        topic = self.sides.topic()
        for c in raw:
            if c["a1"] is None and c["type"] == "airstrike":
                # unattributed strikes: the outlet's own side (a Coalition strike summary), else whoever was last
                # said to strike
                c["a1"] = top_actor(self.m, self.outlet_actor) if self.outlet_actor else \
                    self._last_striker(c["trigger"])
            if c["a1"] is None and c["type"] != "airstrike":
                cand = None
                if c["type"] == "capture" and (c["lemma"] in by_lemma or "*" in by_lemma):
                    cand = by_lemma.get(c["lemma"], by_lemma.get("*")).most_common(1)[0][0]
                if cand is None and c["a2"] is not None:
                    cand = self.sides.opponent(c["a2"], self.allies)
                if cand is None and c["speaker"][1] is not None and c["type"] in ("advance", "attack", "siege",
                                                                                  "capture", "withdrawal"):
                    cand = top_actor(self.m, c["speaker"][1])  # a party speaking of "our fighters", "fighters"
                if cand is None:
                    cand = self._discourse_actor(c["sent"]) or topic
                if cand is not None and cand == c["a2"]:
                    cand = self.sides.opponent(c["a2"], self.allies)
                c["a1"] = cand
            if c["a2"] is None and c["type"] in _TWO_SIDED and c["a1"] in self.sides.main():
                if c["frame"] != "fell" or c["a1"] is not None:
                    c["a2"] = self.sides.opponent(c["a1"], self.allies)
            if c["a1"] is not None and c["a1"] == c["a2"]:
                c["a2"] = self.sides.opponent(c["a1"], self.allies)

    def _last_striker(self, t: Trigger) -> int | None:
        for x in reversed(self.all_triggers):
            if x.type != "airstrike" or x.start >= t.start:
                continue
            if t.start - x.start > 1500:
                break
            before = [a for a in self.actors[bisect_left(self.actor_starts, max(0, x.start - 150)):
                                             bisect_left(self.actor_starts, x.start)] if a.subject and not a.modifier]
            if before:
                return before[-1].actor_id
        return None

    def _discourse_actor(self, sent: Sentence) -> int | None:
        for a in reversed(self.actors[:bisect_left(self.actor_starts, sent.start)]):
            if a.end <= sent.start and a.strong:
                if self._para_of(a.start) == sent.para:
                    return a.actor_id
                break
        return None

    # ---------------------------------------------------------------- dates
    def _owner(self, sent: Sentence, i: int) -> Trigger | None:
        """The trigger the date expression i belongs to: "X captured Y on Thursday" (the last trigger before it
        in its clause), else "On Thursday, X captured Y" (the first after it), else the nearest."""
        key = (sent.index, i)
        if key in self._owners:  # per report: every claim of the sentence asks about the same expressions
            return self._owners[key]
        e = self.exprs[i]
        trigs = self.trigs_by_sent.get(sent.index, [])
        found = None
        if trigs:
            before = []
            for x in trigs:
                if x.end <= e.start:
                    xcs, xce = clause_bounds(self.nt, sent.start, sent.end, x.start, self._breaks, self.low_rx)
                    if xcs <= e.start < xce:
                        before.append(x)
            if before:
                found = before[-1]
            else:
                after = [x for x in trigs if x.start >= e.end]
                found = after[0] if after else min(trigs, key=lambda x: abs(x.start - e.start))
        self._owners[key] = found
        return found

    def _sentence_dates(self, sent: Sentence) -> tuple[int, list, list]:
        """(index of the sentence's first expression, the expressions that can date its claims, those that date
        a statement in it), whatever the trigger; per report, as each claim of the sentence asks again."""
        got = self._sent_dates.get(sent.index)
        if got is not None:
            return got
        nt, rx, rt = self.nt, self.rx, self.rt
        lo, hi = bisect_left(self.expr_starts, sent.start), bisect_left(self.expr_starts, sent.end)
        inside = [(i, e) for i, e in enumerate(self.exprs[lo:hi], lo)
                  if not rx.casualty_period.search(rt, max(sent.start, e.start - 80), e.start)]
        inside = [(i, e) for i, e in inside
                  if not rx.other_event_date.search(rt, max(sent.start, e.start - 25), e.start)]
        dateline = [(i, e) for i, e in inside if e.start - sent.start < 60 and _DATELINE_AFTER.match(nt, e.end)]
        if dateline and len(inside) > len(dateline):
            # "DEIR EZ-ZOR (JANUARY 9, 2019) – ... captured X on January 8": the dateline dates the report
            inside = [ie for ie in inside if ie not in dateline]
        # "..., a spokesman said on Monday": the day of the statement bounds every claim of the sentence
        speech = [(i, e) for i, e in inside if rx.speech_date.search(rt, max(sent.start, e.start - 45), e.start)]
        inside = [ie for ie in inside if ie not in speech]
        got = self._sent_dates[sent.index] = (lo, inside, speech)
        return got

    def _date_for(self, sent: Sentence, t: Trigger):
        cs, ce = clause_bounds(self.nt, sent.start, sent.end, t.start, self._breaks, self.low_rx)
        lo, inside, speech = self._sentence_dates(sent)
        vague = [(i, e) for i, e in inside if e.vague]
        others = [(i, e) for i, e in inside if not e.vague and cs <= e.start and e.end <= t.start]
        inside = [(i, e) for i, e in inside
                  if (o := self._owner(sent, i)) is None or (o.start, o.end) == (t.start, t.end)]
        if not inside and vague:
            inside = vague
        if not inside and others:
            inside = others  # "clashes took place on Tuesday ..., accompanied by shelling": the clause's date
        if not inside and speech:
            inside = speech
        if inside:
            in_clause = [(i, e) for i, e in inside if cs <= e.start < ce] or inside
            i, e = min(in_clause, key=lambda ie: abs(ie[1].start - t.start))
            flags = list(e.flags)
            return self.intervals[i], [e.start, e.end], flags
        if self.resolve_pub is None:
            return DateInterval.unknown(), None, []
        # the governing period of the paragraph, or of the lead
        lead_para = self.lead_para
        best = None
        for i in range(lo):
            e = self.exprs[i]
            if not e.vague or e.start < self.title_end:
                continue
            para = self.expr_para[i]
            if para is not None and (para == sent.para or para == lead_para):
                best = (i, e)
        if best:
            i, e = best
            return self.intervals[i], [e.start, e.end], []
        same = self.rx.same_day.search(self.rt, cs, ce)
        if same:  # "later on the same day": the day of the last dated statement before
            for i in range(lo - 1, -1, -1):
                if self.intervals[i].precision == "day" and self.exprs[i].start >= self.title_end:
                    return self.intervals[i], [same.start(), same.end()], []
        if sent.para == lead_para or self.rx.ongoing.search(self.rt, cs, ce):
            # the lead of a dated report, or what is going on ("continued clashes", "has now reached"): the days
            # up to the publication
            return DateInterval(self.resolve_pub - dt.timedelta(days=6), self.resolve_pub, "week"), None, []
        return DateInterval.unknown(), None, []

    # ---------------------------------------------------------------- mentions
    def _mentions(self) -> list[Mention]:
        out: list[Mention] = []
        t = self.text
        for p in self.places:
            if p.place_ids:
                for pid in p.place_ids:
                    out.append(Mention("place", p.start, p.end, t[p.start:p.end], pid))
            else:
                out.append(Mention("proposed_place", p.start, p.end, t[p.start:p.end], p.proposed))
        for a in self.actors:
            out.append(Mention("actor", a.start, a.end, t[a.start:a.end], a.actor_id))
        for e, iv in zip(self.exprs, self.intervals, strict=True):
            ref = f"{iv.start.isoformat() if iv.start else ''}/{iv.end.isoformat() if iv.end else ''}"
            out.append(Mention("date", e.start, e.end, t[e.start:e.end], ref))
        for tr in self.all_triggers:
            out.append(Mention("trigger", tr.start, tr.end, t[tr.start:tr.end], tr.type))
        out.sort(key=attrgetter("start", "end"))
        return out


def _allies(m: Matcher) -> dict[int, set[int]]:
    """Friends of each actor (part of, backed by, allied with, either way), from data/actors.json by name."""
    cached = getattr(m, "allies", None)
    if cached is not None:
        return cached
    by_name = {a.name.lower(): a.id for a in m.lexicon.actors}
    out: dict[int, set[int]] = {a.id: set() for a in m.lexicon.actors}
    try:
        raw = read_actors_json(DATA_DIR / "actors.json")
    except OSError:
        raw = []
    slug_to_id = {r["slug"]: by_name.get(r["name"].lower()) for r in raw}
    for r in raw:
        me = slug_to_id.get(r["slug"])
        for rel in r.get("relations", []):
            other = slug_to_id.get(rel.get("other"))
            if me is None or other is None:
                continue
            a, b = top_actor(m, me), top_actor(m, other)
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    m.allies = out  # built once per matcher, like the automaton
    return out
