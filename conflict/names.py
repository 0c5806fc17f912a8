"""Normalised forms of place and actor names, for lookup.

Pure Python (no Django): the tagger and the database share one definition, so a
spelling stored in PlaceName.normalized is found the same way in a report.
Folds case, diacritics, apostrophes and hyphens, and a leading Arabic article
(al-, el-, ad-, ash-, ...), so "al-Sha'fah", "Shaafah" and "Al Shaafah" meet.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u02bf\u02be'`\u2032\u00b4]")
_SEPARATORS = re.compile(r"[-_/.,()\[\]\u2010-\u2015]")
_SPACES = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(?:al|el|the|ad|ar|as|ash|at|az|an|ath|adh|ad|az) ")
_DOUBLED = re.compile(r"([a-z])\1")


def normalize_name(name: str) -> str:
    """Case, diacritics, apostrophes, separators and a leading article folded."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold()
    s = _APOSTROPHES.sub("", s)
    s = _SEPARATORS.sub(" ", s)
    s = _SPACES.sub(" ", s).strip()
    s = _ARTICLE.sub("", s)
    return s


def loose_name(name: str) -> str:
    """A looser key for transliteration variants: doubled letters and spaces folded
    ("Deir Ezzor" ~ "Deir ez-Zor", "Hassan" ~ "Hasan")."""
    s = normalize_name(name).replace(" ", "")
    return _DOUBLED.sub(r"\1", s)
