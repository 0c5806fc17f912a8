"""Paragraphs and sentences as spans of the text (offsets into the original)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

_ABBREV = frozenset({
    "u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "col", "gen", "lt", "maj", "capt", "sgt", "st", "no", "vs", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "brig", "adm", "cpt", "rep",
    "sen", "gov", "inc", "co", "corp", "approx", "est", "etc", "e.g", "i.e", "al", "u.s.-led", "u.k.-based",
})
_PARA = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*[\"'A-Z0-9\-\*\u2022])")
_END = regex.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[\p{Lu}\d])|[.!?]+[\"')\]]*$")


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    para: int
    index: int


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for m in _PARA.finditer(text):
        if text[pos:m.start()].strip():
            out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for pi, (ps, pe) in enumerate(split_paragraphs(text)):
        para = text[ps:pe]
        start = 0
        for m in _END.finditer(para):
            e = m.end()
            # the word before the full stop: an abbreviation or an initial does not end a sentence
            head = para[start:m.start()]
            word = head.rsplit(None, 1)[-1].lower() if head.strip() else ""
            if m.group(0).startswith(".") and (word.strip("(\"'") in _ABBREV or
                                               (len(word) == 1 and word.isalpha())):
                continue
            _add(out, text, ps + start, ps + e, pi)
            start = e
        if para[start:].strip():
            _add(out, text, ps + start, pe, pi)
    for i, s in enumerate(out):
        s.index = i
    return out


def _add(out: list[Sentence], text: str, s: int, e: int, para: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append(Sentence(s, e, para, 0))
