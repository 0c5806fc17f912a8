"""Event triggers and their roles.

Each trigger word carries an event type and a frame saying where its place and
its two sides are found:
  act    "X captured P from Y"          a1 = subject before, a2 = actor after, place after
  pass   "P was captured by X"          place before, a1 = "by X", a2 = subject
  nom    "the capture of P from Y"      place after, a2 = "from Y", a1 = "by X" or the subject
  lost   "X lost P (to Y)"              a2 = subject, a1 = "to Y" or the other side
  fell   "P fell to X"                  place before, a1 = "to X"
  oust   "X ousted Y from P"            a1 = subject, a2 = first actor after
  clear  "P was cleared of Y"           a2 = "of Y", a1 = subject or the other side
  held   "the X-held town of P"         a statement of holding, not an event
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import regex

from .normalize import WordStarts, ascii_lower, caseless, word_matches, word_prefixes

_F = regex.IGNORECASE

# (type, frame, lemma, pattern); earlier alternatives win at the same position
TRIGGERS: list[tuple[str, str, str, str]] = [
    ("capture", "act", "capture", r"(?:gain(?:ed|s|ing)?|regain(?:ed|s|ing)?|wrest(?:ed|ing)?|assum(?:ed|ing)|"
                                  r"seiz(?:ed|ing)|took|tak(?:e|es|en|ing)|retook|retak(?:e|es|en|ing))\s+"
                                  r"(?:back\s+)?(?:full\s+|complete\s+|total\s+)?control\s+(?:of|over)|"
                                  r"(?:impos|establish|extend)(?:ed|es|ing)\s+(?:its\s+|their\s+)?(?:full\s+|complete\s+|"
                                  r"total\s+)?control\s+(?:over|on)"),
    ("capture", "fell", "fall", r"f[ae]ll(?:s|en)?\s+(?:back\s+)?(?:in)?to"),
    ("capture", "nom", "fall", r"(?:the\s+)?fall\s+of"),
    ("capture", "act", "capture", r"(?:re)?captur(?:e|es|ed|ing)"),
    ("capture", "act", "seize", r"seiz(?:e|es|ed|ing)"),
    ("capture", "nom", "seize", r"seizure"),
    ("capture", "act", "retake", r"retook|retak(?:e|es|en|ing)"),
    ("capture", "act", "take", r"(?:took|tak(?:e|es|en|ing))(?!\s+(?:place|part|refuge|shelter|advantage|"
                               r"responsibility|care|hold|root|cover|aim|note|office|power|turns|steps|measures)\b)"),
    ("capture", "act", "liberate", r"liberat(?:e|es|ed|ing)|freed"),
    ("capture", "nom", "liberate", r"liberation"),
    ("capture", "act", "overrun", r"overr(?:an|un|unning|uns)"),
    ("capture", "act", "storm", r"storm(?:ed|ing)"),
    ("capture", "lost", "lose", r"los(?:t|e|es|ing)|loss\s+of"),
    ("capture", "oust", "oust", r"ous(?:ted|t|ts|ting)|expel(?:led|s|ling)?|"
                                r"dr(?:ove|iven|ive|ives)\s+(?:\w+\s+){0,4}?out"
                                r"|push(?:ed|es|ing)?\s+(?:\w+\s+){0,4}?out\s+of"
                                r"|kick(?:ed)?\s+(?:\w+\s+){0,2}?out|evict(?:ed|ing)?|rout(?:ed|ing)"),
    ("capture", "clear", "clear", r"clear(?:ed|ing)|purg(?:ed|ing)|(?:now\s+)?free\s+of"),
    ("siege", "nom", "siege", r"(?:siege|encirclement)\s+of|under\s+siege"),
    ("siege", "act", "siege", r"besieg(?:e|es|ed|ing)|encircl(?:e|es|ed|ing)|surround(?:s|ed|ing)"),
    ("advance", "act", "advance", r"launch(?:ed|es|ing)?\s+(?:an?|the|its|their|a\s+new|a\s+fresh)\s+(?:\w+\s+)?"
                                  r"(?:offensive|operation|campaign|assault|battle)|"
                                  r"reach(?:ed|es|ing)?\s+the\s+(?:outskirts|edges?|gates|entrances?|outer\s+edges?)\s+of"),
    ("advance", "act", "advance", r"offensives?\s+(?:to|on|against|in|towards?)|push(?:es|ed|ing)?\s+"
                                  r"(?:deeper\s+)?(?:into|towards?|on)"),
    ("advance", "act", "advance", r"advanc(?:e|es|ed|ing)|operations?\s+against"),
    ("advance", "act", "advance", r"(?:made|make|makes|making)\s+(?:\w+\s+)?gains|(?:re)?entered|entering|"
                                  r"deploy(?:ed|s|ing)\s+(?:\w+\s+)?(?:in|into|to)|infiltrat(?:e|ed|es|ing|ion)"),
    ("airstrike", "act", "strike", r"(?:aircraft|warplanes|jets|drones|planes|helicopters|artillery|gunships|"
                                   r"air\s+force)\s+"
                                   r"(?:\w+\s+){0,3}?(?:hit|struck|targeted|pounded|bombed|shelled|strafed)\b|"
                                   r"(?:carr(?:ied|ying|y|ies)\s+out|conduct(?:ed|ing|s)?|launch(?:ed|ing|es)?)\s+"
                                   r"(?:at\s+least\s+|more\s+than\s+)?(?:\d+\s+|several\s+|dozens\s+of\s+)?"
                                   r"(?:air\s?)?strikes|"
                                   r"air\s?strikes?|air\s+raids?|drone\s+strikes?|bombard(?:ed|ing|ment|ments)|"
                                   r"shell(?:ed|ing)|artillery\s+(?:fire|strikes?|shelling)|bomb(?:ed|ing)|"
                                   r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|"
                                   r"dozens\s+of)\s+(?:coalition\s+|precision\s+)?strikes|"
                                   r"(?:fired|launched|fires|firing)\s+(?:[\w-]+\s+){0,3}?(?:missiles|rockets|shells)"),
    ("attack", "act", "attack", r"(?:counter-?)?attack(?:s|ed|ing)?|assault(?:s|ed|ing)?|ambush(?:es|ed|ing)?|"
                                r"raid(?:s|ed|ing)?|suicide\s+(?:bombings?|attacks?|car\s+bombs?)|car\s+bomb(?:s|ings?)?|"
                                r"(?:VB)?IEDs?(?:\s+(?:attacks?|blasts?|explosions?))?|assassinat(?:ed|es|ing|ions?|e)|improvised\s+explosive\s+devices?|(?:roadside|landmine|motorcycle)\s+bombs?|"
                                r"(?:car|suicide)\s+bomber"),
    ("attack", "act", "aggression", r"aggression\s+(?:on|against)"),
    ("clash", "act", "clash", r"clash(?:es|ed|ing)?|fighting(?!\s+positions?)|fights?|fought|battl(?:e|es|ed|ing)|"
                              r"engagements?|"
                              r"skirmish(?:es|ed)?|firefights?|confrontations?|combat"),
    ("withdrawal", "act", "withdraw", r"withdr(?:ew|awn|aw|aws|awing|awal)|retreat(?:ed|ing|s)?|"
                                      r"pull(?:ed|ing|s)?\s+(?:out|back)|fle(?:d|eing|es)|abandon(?:ed|ing|s)?|"
                                      r"(?:left|leaving|leave|leaves)(?=\s+(?:the\s+)?(?:town|city|village|area|base|"
                                      r"airport|region)s?\b)"),
    ("arrest", "act", "arrest", r"arrest(?:ed|s|ing)?|detain(?:ed|s|ing)?|apprehend(?:ed|s)?"),
    ("held", "held", "held", r"-(?:held|controlled|occupied)|held\s+by|controlled\s+by|under\s+(?:the\s+)?control\s+of|"
                             r"occup(?:ies|ied|y)|controls"),
]
# one alternation, stdlib re on ASCII-lowercased text; "(VB)?IEDs?" keeps its capitals
_TRIG_RE = re.compile(r"\b(?:" + "|".join(f"(?P<t{i}>{p.replace('(?:VB)?IEDs?', '(?:vb)?ieds?')})"
                                          for i, (_, _, _, p) in enumerate(TRIGGERS)) + r")\b")

_NONFACT = re.compile(
    r"\b(?:would|will|could|might|may|can|cannot|can't|should|shall|must|not|never|no\s+longer|won't|didn't|"
    r"doesn't|don't|unable\s+to|fail(?:ed|s)?\s+to|(?:tried|try|trying|tries|attempt(?:s|ed|ing)?|aim(?:s|ed|ing)?|"
    r"plan(?:s|ned|ning)?|intend(?:s|ed)?|hop(?:e|es|ed|ing)|seek(?:s|ing)?|sought|want(?:s|ed)?|prepar(?:e|es|ed|ing)|"
    r"threaten(?:s|ed)?|vow(?:s|ed)?|bid|order|allows?|allowed|able\s+not)\s+to|"
    r"prevent(?:s|ed|ing)?\s+(?:\S+\s+){0,3}from|stop(?:s|ped)?\s+(?:\S+\s+){0,3}from|expect\w*|unless|if|whether|"
    r"until|once)"
    r"\s+(?:\S+\s+){0,2}$|\b(?:will|would|could|might|may)\s+(?:likely|probably|possibly|soon|also)\s+(?:\S+\s+){0,4}$",
    re.I)
_NEGATED = re.compile(r"\b(?:no(?!\s+(?:less|more|fewer|longer)\b)|not\s+(?:\S+\s+){0,3}?any|without(?:\s+any)?)\s+"
                      r"(?:(?:heavy|major|serious|further|new|fresh|significant|real)\s+)?$", re.I)
_MODAL_AFTER = re.compile(r"\s+(?:would|will|could|might|may)\s+(?:\w+\s+)?(?:continue|resume|go\s+on|start|begin)\b",
                          re.I)
_DENIED = re.compile(r"\b(?:den(?:y|ies|ied|ying)|rejected\s+claims|false\s+claims?)\s+(?:that\s+)?(?:\S+\s+){0,3}$",
                     re.I)
_INFINITIVE = re.compile(r"\bto\s+(?:\w+\s+and\s+)?$", re.I)
_FACTUAL_TO = re.compile(r"\b(?:(?:able|managed|went\s+on|succeeded|continu(?:e|es|ed|ing)|began|begun|started|"
                            r"proceeded|moved)|used\s+(?:\S+\s+){0,6}?)\s*to\s+(?:\w+\s+and\s+)?$", re.I)
_OPERATION_TO = re.compile(r"\b(?:operation|offensive|campaign|battle|push|drive|assault|attack|bid|fight|"
                              r"mission|ops)s?\s+to\s+$", re.I)
_DONE = re.compile(r"\b(?:finished|completed|ended|concluded|succeeded|over|accomplished)\b", re.I)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|be|get|got|gets)\s+(?:\w+ly\s+|also\s+|now\s+|still\s+)?$")
_ADJ_USE = re.compile(r"^\s+(?:areas?|cities|city|villages?|towns?|garrisons?|enclaves?|pockets?|territor\w+|"
                         r"regions?|zones?|lands?|parts?|"
                         r"neighbou?rhoods?|districts?|fighters|militants|unit|units|weapons|equipment|footage|"
                         r"soldiers|members|prisoners)\b", re.I)
_PERSON = re.compile(r"\b(?:leader|leaders|commander|commanders|emir|emirs|official|officials|militants?|fighters?|"
                        r"members?|second\s+in\s+command|spokesman|deputy|wali|suspects?|man|men|people|prisoners|"
                        r"civilians|soldiers|cell|cells|operatives?|jihadists|hostages?|captives?|women|children|"
                        r"facilitators?|financiers?|couriers?|recruiters?|smugglers?|militiamen|gunmen|"
                        r"detainees|journalists?|aid\s+workers?)\b", re.I)
# "more than 300 villages", "dozens of positions": an unnamed count of places, not the town named before
COUNTED_PLACES = re.compile(r"\s+(?:more\s+than\s+|over\s+|some\s+|at\s+least\s+|nearly\s+|about\s+)?"
                            r"(?:\d[\d,]*|dozens|scores|hundreds|several|many|a\s+number)\s+(?:of\s+)?(?:\w+\s+)?"
                            r"(?:villages|towns|hamlets|farms|positions|areas|points|sites|checkpoints|hills)\b", re.I)
_THINGS = re.compile(r"\b(?:equipment|ammo|ammunition|weapons?|depots?|vehicles?|humvees?|tanks?|footage|"
                        r"photos?|documents?|money|ground|momentum|initiative|fighters|lives|territory|mines|"
                        r"explosives|rubble|roads?|booby[\s-]traps?|IEDs?|debris|members|men|soldiers|"
                        r"battles?|support|ties|contact|hope|interest|(?:\d+\s+)?(?:of\s+)?(?:its|their|his)\s+\w+)\b",
                        _F)
_CLAUSE_BREAK = re.compile(r";|\s+while\s+|,\s*but\s+|\s+but\s+|,\s*although\s+|\s+whereas\s+|,\s*however,?\s+|"
                              r"\.\s+|,\s*even\s+as\s+|:\s+", re.I)
_CLAUSE_BREAK_LOW = caseless(_CLAUSE_BREAK)
_ANAPHORIC_PLACE = re.compile(r"\b(?:the|this|that)\s+(town|city|village|area|locality|oil\s+field|field)\b"
                                 r"(?!\s+of\b)", re.I)
_CONNECTOR = re.compile(
    r"^(?:\s+(?:desert|countryside|city|town|area|outskirts|suburbs|district|region)(?=\s*,|\s+and\s))?"
    r"(?:\s*,\s*(?:and\s+|or\s+|as\s+well\s+as\s+)?|\s+(?:and|or|to|as\s+well\s+as|through|till|until)\s+|"
    r"\s+(?:in|to)\s+the\s+(?:north|south|east|west)\w*\s*,?\s*(?:and|as\s+well\s+as)\s+|"
    r",?\s*and\s+(?:also\s+)?(?:in|at|around|near|on)\s+)"
    r"(?:the\s+)?(?:(?:villages?|towns?|areas?|city|cities)\s+(?:of\s+)?)?$", re.I)
_CASUALTIES = regex.compile(
    r"(?P<n>\d[\d,]*|dozens|scores|hundreds)\s+(?:of\s+)?(?:[\p{L}-]+\s+){0,3}?(?:were\s+|have\s+been\s+|had\s+been\s+|"
    r"was\s+|has\s+been\s+)?(?P<what>killed|dead|wounded|injured)", _F)
_KILLED_N = re.compile(r"(?P<what>killed|wounded|injured)\s+(?:at\s+least\s+|some\s+|over\s+|more\s+than\s+)?"
                          r"(?P<n>\d[\d,]*)", re.I)


@dataclass(slots=True)
class Trigger:
    start: int
    end: int
    text: str
    type: str
    frame: str
    lemma: str


_STEM_WORDS = """gain regain wrest assum impos establish extend seiz too tak retoo retak fall fell captur recaptur
liberat freed overr storm los ous expel drov driv kick evict rout push clear purg siege encircl besieg surround
launch offensive advanc deploy assassinat infiltrat leav left operation mad mak enter aircraft warplane jet drone
plane helicopter artillery gunship carr conduct air bombard shell bomb struck counter attack assault ambush raid
suicide car vb ied clash fight fought battl engagement skirmish firefight confrontation combat withdr retreat pull
fle abandon arrest detain apprehend held controlled under occup controls free now reent fire improvised roadside
landmine motorcycle aggression reach""".split()


def _trie_pattern(words: list[str]) -> str:
    """One regex alternation shaped as a trie ("a(?:ir|ttack|...)"), so each position costs a few
    character tests instead of one try per word."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        if "" in node:  # a word ends here: the shortest prefix is enough to mark a candidate
            return ""
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return emit(trie)


# cheap first pass: where a trigger can start (a stem at a word start, or the hyphen of "-held"); the full
# alternation is then tried only there
_COUNTS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "several",
           "dozens")
_TRIG_STEMS = re.compile(r"\b(?:" + _trie_pattern(_STEM_WORDS) + r"|(?:\d+|" + "|".join(_COUNTS) +
                         r")(?=\s+(?:\w+\s+)?strikes))")
_TRIG_WORDS = word_prefixes("trigger", [*_STEM_WORDS, *"0123456789", *_COUNTS])  # see word_matches
_TRIG_HYPHEN = re.compile(r"-(?=held|controlled|occupied)")


def find_triggers(text: str, s: int = 0, e: int | None = None, lowered: str | None = None,
                  words: WordStarts | None = None) -> list[Trigger]:
    """`lowered`: ascii_lower(text); `words`: WordStarts(text) (both worked out here when not given)."""
    low = lowered if lowered is not None else ascii_lower(text)
    out = []
    end = len(text) if e is None else e
    matches = []
    after = -1
    # a stem match holds word characters only and a hyphen is none: no match of one pattern can hide one of the
    # other, so together they are the matches of the two in one alternation
    starts = (WordStarts(low) if words is None else words)(_TRIG_WORDS)
    cands = [c.start() for c in word_matches(_TRIG_STEMS, starts, low, s, end)]
    hyphens = [c.start() for c in _TRIG_HYPHEN.finditer(low, s, end)]
    for cs in sorted(cands + hyphens) if hyphens else cands:
        if cs < after:
            continue
        m = _TRIG_RE.match(low, cs, end)
        if m:
            matches.append(m)
            after = m.end()
    for m in matches:
        i = int(m.lastgroup[1:])
        typ, frame, lemma, _ = TRIGGERS[i]
        ts, te = m.span()
        word = text[ts:te]
        # "Operation Cizire Storm", "Jazira Storm": capitalised nouns are names, not triggers
        if word[:1].isupper() and ts > s and typ in ("capture", "attack") and text[ts - 2:ts].strip() not in ("", '"'):
            if word.lower().startswith("storm"):
                continue
        out.append(Trigger(ts, te, word, typ, frame, lemma))
    return out


def clause_bounds(text: str, s: int, e: int, pos: int, cache: dict | None = None,
                  low: str | None = None) -> tuple[int, int]:
    """The clause of the sentence [s, e) that holds pos. `cache` (one dict per text) keeps the breaks.
    `low`: ascii_lower(text), when lowered_matches(text) (the breaks are then found without IGNORECASE)."""
    breaks = cache.get((s, e)) if cache is not None else None
    if breaks is None:
        if low is not None:
            breaks = [m.span() for m in _CLAUSE_BREAK_LOW.finditer(low, s, e)]
        else:
            breaks = [m.span() for m in _CLAUSE_BREAK.finditer(text, s, e)]
        if cache is not None:
            cache[(s, e)] = breaks
    cs, ce = s, e
    for bs, be in breaks:
        if be <= pos:
            cs = be
        elif bs >= pos:
            ce = bs
            break
    return cs, ce


_REPULSED_AFTER = re.compile(r"\b(?:repel(?:led)?|repuls(?:ed|e)|thwart(?:ed)?|foil(?:ed)?|beaten\s+back|"
                             r"driven\s+back)\b", re.I)
_ATTEMPT = re.compile(r"\b(?:tried|attempted|tries|attempts|trying|attempting)\s+(?:again\s+)?to\s+$", re.I)


def _sentence_end(text: str, pos: int, span: int = 150) -> int:
    i = text.find(". ", pos, pos + span)
    return i if i >= 0 else min(len(text), pos + span)


class _FactRx(NamedTuple):
    """The IGNORECASE patterns of factuality()."""

    attempt: re.Pattern
    repulsed_after: re.Pattern
    factual_to: re.Pattern
    operation_to: re.Pattern
    done: re.Pattern
    nonfact: re.Pattern
    negated: re.Pattern
    modal_after: re.Pattern
    denied: re.Pattern
    infinitive: re.Pattern


_FACT_RX = _FactRx(_ATTEMPT, _REPULSED_AFTER, _FACTUAL_TO, _OPERATION_TO, _DONE, _NONFACT, _NEGATED, _MODAL_AFTER,
                   _DENIED, _INFINITIVE)
_FACT_RX_LOW = _FactRx(*map(caseless, _FACT_RX))


def factuality(text: str, trig: Trigger, cs: int, ce: int, low: str | None = None) -> str:
    """'fact', 'nonfact', 'operation' ("the operation to capture X"), or 'attempt' ("tried to storm X": an
    attack on it, whatever came of it). `low`: ascii_lower(text), when lowered_matches(text)."""
    rx, t = (_FACT_RX, text) if low is None else (_FACT_RX_LOW, low)
    before = text[max(cs, trig.start - 60):trig.start]
    b = t[max(cs, trig.start - 60):trig.start]
    if trig.type in ("capture", "advance") and trig.frame in ("act", "oust") and rx.attempt.search(b) and \
            rx.repulsed_after.search(t, trig.end, _sentence_end(text, trig.end)):
        return "attempt"  # "tried to advance on X but were repelled after heavy clashes"
    has_to = "to" in before[-40:].lower()  # the three "to" patterns end within a few words of the trigger
    if has_to and rx.factual_to.search(b):
        return "fact"
    if has_to and rx.operation_to.search(b):
        return "done" if rx.done.search(t, trig.end, ce) else "operation"
    # (on the lowercased text, _NEGATED needs a "no", "not" or "without" in the window: looked for first)
    if rx.nonfact.search(b) or (low is None or "no" in b or "without" in b) and rx.negated.search(b):
        return "nonfact"  # "there was no fighting in X", "had not carried out any airstrikes on X"
    if rx.modal_after.match(t, trig.end):
        return "nonfact"  # "the fight would continue"
    lb = before.lower()
    if ("den" in lb or "claim" in lb) and rx.denied.search(b):  # "denied that forces had surrounded"
        return "nonfact"
    if has_to and rx.infinitive.search(b):
        return "nonfact"
    return "fact"


_IRREGULAR_PAST = frozenset({"took", "retook", "fell", "fought", "lost", "struck", "overran", "drove", "fled",
                             "withdrew",
                             "seized", "taken", "retaken", "driven", "overrun", "made", "make", "launched", "pushed"})
_AUX_BEFORE = re.compile(r"\b(?:is|are|was|were|been|be|has|have|had|will|would|to|continues?|continued|kept|keep|"
                            r"began|started|and|or|also|then|still|now|reportedly|successfully)\s+$", re.I)
_SUPPORT_VERB = re.compile(r"\b(?:launch|carr(?:y|ied|ies)\s+out|conduct|stag|mount|wag|continu|resum|open|beg[ia]n|"
                              r"start|kick(?:ed)?\s+off|"
                              r"step(?:s|ped)?\s+up|intensif|repel|repuls|foil|thwart|unleash|led|lead|fought|initiat)"
                              r"\w*\s+(?:[\w-]+\s+){0,4}$", re.I)


_NOUN_BEFORE = re.compile(r"\b(?:the|a|an|its|their|his|her|of|heavy|fierce|intense|new|several|many|some|these|"
                          r"those|after|following|during|amid|with|in|by|for|and|recent|renewed|continued|ongoing|"
                          r"further)\s+$", re.I)
_NAME_BEFORE = re.compile(r"[\w)]\s+$")
_BE_BEFORE = re.compile(r"\b(?:is|are|was|were|been)\s+(?:\w+ly\s+)?$", re.I)
_NOUN_BEFORE_LOW, _AUX_BEFORE_LOW, _BE_BEFORE_LOW, _SUPPORT_VERB_LOW = map(caseless, (_NOUN_BEFORE, _AUX_BEFORE,
                                                                                   _BE_BEFORE, _SUPPORT_VERB))
_ADJ_BEFORE = re.compile(r"(?:\b(?:the|of|towards?|into|to|in|from|and|some|many|dozens\s+of|several)\s+|^)$", re.I)


def is_verb(text: str, trig: Trigger, sent_start: int, low: str | None = None) -> bool:
    """A finite or infinitive verb ("captured", "are attacking", "to counterattack") rather than a noun
    ("the attacks", "heavy shelling"). `low`: ascii_lower(text), when lowered_matches(text)."""
    w = trig.text.lower().split()[0]
    before = text[max(sent_start, trig.start - 40):trig.start]
    if low is None:
        noun_before, aux_before, be_before, b = _NOUN_BEFORE, _AUX_BEFORE, _BE_BEFORE, before
    else:
        noun_before, aux_before, be_before = _NOUN_BEFORE_LOW, _AUX_BEFORE_LOW, _BE_BEFORE_LOW
        b = low[max(sent_start, trig.start - 40):trig.start]
    if noun_before.search(b) and not w.endswith("ed") and w not in _IRREGULAR_PAST:
        return False
    if w.endswith("ed") or w in _IRREGULAR_PAST:
        return True
    if aux_before.search(b):
        return True
    # "ISIS attacks the town": a bare present right after a name
    return bool(_NAME_BEFORE.search(before)) and not w.endswith("s") or w.endswith("ing") and \
        bool(be_before.search(b))


def support_verb_before(text: str, trig: Trigger, sent_start: int, low: str | None = None) -> bool:
    if low is not None:
        return bool(_SUPPORT_VERB_LOW.search(low[max(sent_start, trig.start - 60):trig.start]))
    return bool(_SUPPORT_VERB.search(text[max(sent_start, trig.start - 60):trig.start]))


def voice(text: str, trig: Trigger) -> str:
    word = trig.text.lower().split()[0]
    if trig.frame == "clear" and word in ("free", "now"):
        return "pass"  # "the villages are now free of ISIS"
    if (word.endswith("ed") or word.endswith("en") or word in ("lost", "taken", "overrun", "driven", "held")) and \
            _PASSIVE.search(text[max(0, trig.start - 30):trig.start]):
        return "pass"
    return "act"


_SURROUNDING_ADJ = re.compile(r"^\s+(?:\w+\s+)?(?:villages?|areas?|countryside|towns?|regions?|neighbou?rhoods?|"
                              r"hills?|farms?|desert|districts?|territor\w+|land|streets?|positions?)\b", re.I)


def adjective_use(text: str, trig: Trigger) -> bool:
    """'liberated areas', 'captured fighters', 'the surrounding villages': a participle used as an adjective."""
    if trig.text.lower() == "surrounding" and _SURROUNDING_ADJ.match(text[trig.end:trig.end + 30]):
        return True
    return trig.text.lower().endswith("ed") and bool(_ADJ_USE.match(text[trig.end:trig.end + 20])) and \
        bool(_ADJ_BEFORE.search(text[max(0, trig.start - 20):trig.start]))


_CASUALTY_WORDS = re.compile(r"killed|dead|wounded|injured", re.I)
_CASUALTY_WORDS_LOW = caseless(_CASUALTY_WORDS)  # a scan for its four first letters: IGNORECASE tries each position


def casualties(text: str, s: int, e: int, low: str | None = None) -> list[dict]:
    """`low`: ascii_lower(text), when lowered_matches(text)."""
    out = []
    if not (_CASUALTY_WORDS.search(text, s, e) if low is None else _CASUALTY_WORDS_LOW.search(low, s, e)):
        return out
    for rx in (_CASUALTIES, _KILLED_N):
        for m in rx.finditer(text, s, e):
            n = m.group("n").lower()
            num = int(n.replace(",", "")) if n[0].isdigit() else None
            what = m.group("what").lower()
            what = "killed" if what in ("killed", "dead") else "wounded"
            out.append({what: num if num is not None else n, "span": [m.start(), m.end()], "text": m.group(0)})
    return out


_APPOSITION_GAP = regex.compile(r"^,\s+an?\s+(?:[\p{L}-]+\s+){0,3}?(?:village|town|city|hamlet)"
                                r"(?:\s+(?:[\p{L}-]+\s+){0,3}?"
                                r"\u0000)?(?=,)", _F)


_PARENS = re.compile(r"\s*\([^()]{0,60}\)")


def connected(text: str, a_end: int, b_start: int, locators: list[tuple[int, int]] | None = None) -> bool:
    """Whether two place names are items of one list ("A, B and C", "from A to B", "A, a village near X, and B")."""
    gap = text[a_end:b_start]
    for s, e in sorted(locators or [], reverse=True):
        gap = gap[:s - a_end] + "\u0000" + gap[e - a_end:]
    # each substitution only where it can match: either pattern is tried at every position of a long gap
    if gap.startswith(","):
        gap = _APPOSITION_GAP.sub("", gap)
    if "(" in gap:
        gap = _PARENS.sub("", gap)
    return len(gap) <= 40 and bool(_CONNECTOR.match(gap))
