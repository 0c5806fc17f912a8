"""Cheap language identification by stop-word ratio (langdetect is far too slow here)."""

from __future__ import annotations

import re
from collections import Counter

import regex

_WORD = regex.compile(r"\p{L}+")
_ASCII_WORD = re.compile(r"[a-z]+")
_STOP = {
    "en": frozenset("the of and to in a is that for on was with by as at from are it has have been were its their "
                    "this which said after an be or they against who had".split()),
    "fr": frozenset("le la les des de du et est dans une un pour que qui sur au aux par avec ont été ses leur".split()),
    "de": frozenset("der die das und ist nicht den dem des ein eine zu mit von auf für sich im wurde sind".split()),
    "es": frozenset("la los las del y en que por con una un para se su fue han sus como".split()),
    "tr": frozenset("ve bir bu ile için da de olarak olan gibi daha çok ise en ancak".split()),
    "ku": frozenset("û ji di de bi ku li ew ya yê yên hat kir dike wek jî".split()),
    "it": frozenset("il lo gli di che un una per con non sono della".split()),
}
_SCRIPTS = [
    ("ar", regex.compile(r"\p{Arabic}")), ("ru", regex.compile(r"\p{Cyrillic}")), ("he", regex.compile(r"\p{Hebrew}")),
    ("el", regex.compile(r"\p{Greek}")), ("zh", regex.compile(r"\p{Han}")),
]


def detect_language(text: str, sample: int = 1500) -> str:
    """An ISO 639-1 code, or "und" when the text gives too little to say."""
    s = text[:sample]
    if s.isascii():  # no other script can be present: skip the per-script scans
        words = _ASCII_WORD.findall(s.lower())  # \p{L} is [A-Za-z] here
        if sum(map(len, words)) < 3:
            return "und"
    else:
        runs = _WORD.findall(s)
        letters = sum(map(len, runs))  # the runs of letters hold every letter once
        if letters < 3:
            return "und"
        # every letter of those scripts is beyond ASCII: with few such characters in all, none can be 40%
        if len(s) - len(s.encode("ascii", "ignore")) > letters * 0.4:
            for code, rx in _SCRIPTS:
                if len(rx.findall(s)) > letters * 0.4:
                    return code
        words = [w.lower() for w in runs]
    if not words:
        return "und"
    counts = Counter(words)  # one pass over the words, then a lookup per stop word
    hits = {code: sum(counts[w] for w in stop if w in counts) for code, stop in _STOP.items()}
    scores = {code: n / len(words) for code, n in hits.items()}
    best = max(scores, key=scores.get)
    if best != "en" and hits[best] < 3 and len(words) < 30:
        return "en"
    if scores[best] < 0.05:
        return "en" if len(words) < 30 else "und"  # too short to tell: headlines and one-liners
    return best


def is_supported(code: str) -> bool:
    return code == "en"
