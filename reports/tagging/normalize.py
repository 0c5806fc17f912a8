"""Length-preserving text normalisation.

Every character maps to exactly one character, so offsets computed on the
normalised text are valid offsets into the text as received. It folds:
look-alike letters of other scripts (Greek omicron, Cyrillic 'о') to Latin
when they sit inside a Latin word, odd spaces and zero-width characters to a
plain space, curly quotes and primes to straight quotes, dashes to '-'.
"""

from __future__ import annotations

import re

import regex

# Characters mapped whatever their neighbours are.
_ALWAYS = {
    # spaces and invisible characters -> plain space
    "\u00a0": " ", "\u1680": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ",
    "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u205f": " ", "\u3000": " ", "\u200b": " ", "\u200c": " ", "\u200d": " ", "\u2060": " ", "\ufeff": " ",
    "\u00ad": " ", "\t": " ", "\r": " ", "\u2028": "\n", "\u2029": "\n", "\x0b": " ", "\x0c": " ",
    # quotes and primes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "\u02bb": "'",
    "\u00b4": "'", "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    # dashes and hyphens
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\ufe63": "-", "\uff0d": "-",
}

# Look-alike letters (Cyrillic, Greek, fullwidth) -> Latin. Applied only inside
# words that also contain Latin letters, so real Russian or Greek text stays itself.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    # Greek
    "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}
# fullwidth ASCII letters and digits
for _c in range(0xFF01, 0xFF5F):
    _CONFUSABLES[chr(_c)] = chr(_c - 0xFEE0)

_ALWAYS_RE = re.compile("[" + "".join(re.escape(c) for c in _ALWAYS) + "]")
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
_CONF_CHARS = "".join(re.escape(c) for c in _CONFUSABLES)
_HAS_CONFUSABLE = re.compile(f"[{_CONF_CHARS}]")
_MIXED_WORD = regex.compile(rf"(?<!\p{{L}})[A-Za-z{_CONF_CHARS}0-9]*[{_CONF_CHARS}][A-Za-z{_CONF_CHARS}0-9]*"
                            r"(?!\p{L})")
_LATIN = re.compile(r"[A-Za-z]")


def _always(m: re.Match) -> str:
    return _ALWAYS[m.group()]


def _fix_word(m: re.Match) -> str:
    word = m.group(0)
    # only a word that mixes Latin with look-alikes is a spoofed Latin word
    if _LATIN.search(word) or len(word) == 1:
        return word.translate(_CONFUSABLE_TABLE)
    return word


def normalize_text(text: str) -> str:
    """The text with look-alikes, odd spaces, quotes and dashes folded; same length."""
    # A substitution per folded character: str.translate looks up every character of the
    # text in the table, ten times slower on a report with a few curly quotes.
    out = _ALWAYS_RE.sub(_always, text)
    if _HAS_CONFUSABLE.search(out):
        out = _MIXED_WORD.sub(_fix_word, out)
    assert len(out) == len(text)
    return out


_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")


def ascii_lower(text: str) -> str:
    """ASCII letters lowercased, nothing else touched: same length, so offsets still hold."""
    # str.lower is the same mapping on ASCII, and much faster than translate; the runs of
    # other characters are kept as they are.
    if text.isascii():
        return text.lower()
    parts = _NON_ASCII.split(text)
    parts[::2] = [part.lower() for part in parts[::2]]
    return "".join(parts)


# The four non-ASCII letters that re.IGNORECASE matches to an ASCII letter ("ſ" to "s", the Kelvin sign to "k").
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def lowered_matches(text: str) -> bool:
    """Whether an IGNORECASE pattern finds the same spans in ascii_lower(text) once compiled without
    IGNORECASE (`caseless`): unless the text holds one of the letters IGNORECASE folds onto ASCII."""
    return not _FOLDS_TO_ASCII.search(text)


def caseless(rx: re.Pattern[str]) -> re.Pattern[str]:
    """`rx` without IGNORECASE, to run on ascii_lower(text): the engine's case folding costs it 2-3x."""
    if re.search(r"(?<!\\)(?<!\(\?)[A-Z]", rx.pattern):  # not an escape (\S) nor a named group (?P<
        raise ValueError(f"a capital letter in {rx.pattern!r} would match nothing in lowercased text")
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)
