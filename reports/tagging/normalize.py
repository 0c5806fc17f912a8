"""Length-preserving text normalisation.

Every character maps to exactly one character, so offsets computed on the
normalised text are valid offsets into the text as received. It folds:
look-alike letters of other scripts (Greek omicron, Cyrillic 'о') to Latin
when they sit inside a Latin word, odd spaces and zero-width characters to a
plain space, curly quotes and primes to straight quotes, dashes to '-'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick
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
# the folded characters that are ASCII (no look-alike is): str.translate is fast on an ASCII text
_ALWAYS_ASCII = str.maketrans({c: f for c, f in _ALWAYS.items() if c.isascii()})


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
    if text.isascii():  # no look-alike to fix, and few characters to fold
        return text.translate(_ALWAYS_ASCII)
    # A substitution per folded character: str.translate looks up every character of the
    # text in the table, ten times slower on a report with a few curly quotes.
    out = _ALWAYS_RE.sub(_always, text)
    if _HAS_CONFUSABLE.search(out):
        out = _MIXED_WORD.sub(_fix_word, out)
    assert len(out) == len(text)
    return out


def ascii_lower(text: str) -> str:
    """ASCII letters lowercased, nothing else touched: same length, so offsets still hold."""
    # str.lower is the same mapping on ASCII, and much faster than translate; bytes.lower maps only ASCII
    # letters, and in UTF-8 every other character is bytes beyond ASCII ("surrogatepass": any str encodes).
    if text.isascii():
        return text.lower()
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


# The four non-ASCII letters that re.IGNORECASE matches to an ASCII letter ("ſ" to "s", the Kelvin sign to "k").
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def lowered_matches(text: str) -> bool:
    """Whether an IGNORECASE pattern finds the same spans in ascii_lower(text) once compiled without
    IGNORECASE (`caseless`): unless the text holds one of the letters IGNORECASE folds onto ASCII."""
    return text.isascii() or not any(c in text for c in _FOLDS_TO_ASCII)  # str.find each: faster than a class


def caseless(rx: re.Pattern[str]) -> re.Pattern[str]:
    """`rx` without IGNORECASE, to run on ascii_lower(text): the engine's case folding costs it 2-3x."""
    if re.search(r"(?<!\\)(?<!\(\?)[A-Z]", rx.pattern):  # not an escape (\S) nor a named group (?P<
        raise ValueError(f"a capital letter in {rx.pattern!r} would match nothing in lowercased text")
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)


# every ASCII character but a word character ([A-Za-z0-9_]) -> a space
_SPACE_TABLE = bytes(c if chr(c).isalnum() and c < 128 or c == ord("_") else ord(" ") for c in range(256))
_REGEX_WORD = regex.compile(r"\w")


def spaced(text: str) -> bytes | bytearray:
    """The text as bytes, one a character, with every character that is not a word character made a space, for
    word_matches: a word starts where it does in the text. A letter of another script stands as "a", a decimal
    digit as "0" (what \\w and \\d see in them). A character that re and regex do not both take for a word
    character ("²" for regex, a combining accent for re) is a space: a word may start after it for either."""
    b: bytes | bytearray = text.encode("ascii", "replace")  # each other character a "?"
    if not text.isascii():
        b = bytearray(b)
        i = b.find(b"?")
        while i >= 0:
            c = text[i]
            if c.isalnum() and _REGEX_WORD.match(c):
                b[i] = 48 if c.isdecimal() else 97
            i = b.find(b"?", i + 1)
    return b.translate(_SPACE_TABLE)


_PREFIXES: dict[str, frozenset[str]] = {}
_AUTOMATON: list[ahocorasick.Automaton] = []  # [the automaton of _PREFIXES], built at first use after a change


def word_prefixes(name: str, prefixes: Iterable[str]) -> str:
    """Registers, under `name`, what a word must begin with (lowercase ASCII) for a match of some pattern to begin
    there: WordStarts(text)(name) are then the offsets of such words. Returns name."""
    _PREFIXES[name] = frozenset(prefixes)
    _AUTOMATON.clear()
    return name


def _automaton() -> ahocorasick.Automaton:
    if not _AUTOMATON:
        by_key: dict[str, list[str]] = {}
        for name, prefixes in _PREFIXES.items():
            for w in prefixes:
                by_key.setdefault(" " + w, []).append(name)
        auto = ahocorasick.Automaton()
        for key, names in by_key.items():
            auto.add_word(key, (len(key), tuple(names)))
        auto.make_automaton()
        _AUTOMATON.append(auto)
    return _AUTOMATON[0]


class WordStarts:
    """Where the words of one text begin with the prefixes registered by word_prefixes(), for every name at once:
    one pass of an Aho-Corasick automaton over spaced(text).lower() (a space, then a prefix: a word starting with
    it) costs less than a regex scan of the text for each of them."""

    def __init__(self, text: str):
        self.spaced_low = spaced(text).lower()  # = spaced(ascii_lower(text)): bytes.lower maps only ASCII letters
        self._starts: dict[str, list[int]] | None = None

    def __call__(self, name: str) -> list[int]:
        if self._starts is None:
            found: dict[str, set[int]] = {n: set() for n in _PREFIXES}
            for end, (klen, names) in _automaton().iter(self.spaced_low.decode("ascii")):
                for n in names:
                    found[n].add(end - klen + 2)  # after the space
            self._starts = {n: sorted(v) for n, v in found.items()}
        return self._starts[name]


def word_matches(rx: re.Pattern[str] | regex.Pattern[str], starts: Iterable[int] | None, text: str,
                 pos: int = 0, endpos: int | None = None) -> list:
    r"""list(rx.finditer(text, pos, endpos)), for a pattern whose every match begins where a word starts (\b, or
    (?<=\s), then a word character): tried only at `starts` (sorted; from WordStarts, or a scan of spaced(text)),
    where the words that such a match can begin with start, and at pos 0. A pattern that begins with \b is tried
    at every position of the text (some 50 ns each, 100-200 us a report). `starts` None: the plain finditer."""
    end = len(text) if endpos is None else endpos
    if starts is None:
        return list(rx.finditer(text, pos, end))
    out = []
    after = pos
    # a word starts at 0 (\b then looks at no character before), or after a non-word character
    for i in [0, *starts] if pos == 0 else starts:
        if i >= after:
            if i >= end:
                break
            if m := rx.match(text, i, end):
                out.append(m)
                after = m.end()
    return out
