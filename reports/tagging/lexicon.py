"""One compiled matcher over every place spelling and actor alias.

The text is cut into word tokens; each token is folded (case, diacritics,
apostrophes, a trailing possessive 's, doubled letters) and the folded tokens
are concatenated without separators, so "Deir ez-Zor", "Deir Ezzor" and
"DEIR EZ-ZOR" all read "deirezor". One Aho-Corasick automaton (pyahocorasick)
holds every folded spelling; a hit counts only when it starts and ends on token
boundaries. The matcher is built once per Lexicon and cached.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from .normalize import normalize_text
from .types import ActorEntry, Lexicon, PlaceEntry

TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_TOKEN_SPLIT = re.compile(f"({TOKEN_RE.pattern})")  # the tokens and the gaps between them
ARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ath", "adh"})
_KIND_RANK = {"source": 0, "actor": 1, "generic": 2, "place": 3}

# spellings that are also ordinary English words or too short to trust
_UNSAFE_SPELLINGS = frozenset({
    "raka", "dez", "reqa", "hjyn", "rqh", "as", "at", "is", "tiba", "wasta", "march", "may", "mine", "war",
})
_FOLD_CACHE: dict[str, str] = {}


def _fold_char(c: str) -> str:
    f = _FOLD_CACHE.get(c)
    if f is None:
        d = unicodedata.normalize("NFKD", c)
        f = "".join(x for x in d if not unicodedata.combining(x)).casefold()
        _FOLD_CACHE[c] = f
    return f


def fold_token(tok: str) -> str:
    low = tok.casefold()
    if low.endswith("'s"):
        low = low[:-2]
    if low.isascii():
        s = low.replace("'", "")
    else:
        s = "".join(_fold_char(c) for c in low if c not in "'ʾʿ")
    return s


def fold_key(name: str, strip_article: bool = True) -> str:
    toks = [fold_token(t) for t in TOKEN_RE.findall(normalize_text(name))]
    toks = [t for t in toks if t]
    if strip_article and len(toks) > 1 and toks[0] in ARTICLES | {"the"}:
        toks = toks[1:]
    if len(toks) > 1:
        toks = toks[:1] + [t for t in toks[1:] if t not in ("al", "el")]
    return _collapse("".join(token_key(t) for t in toks))


_PHONETIC = (("ee", "i"), ("oo", "u"), ("ou", "u"), ("dh", "d"))
# whole tokens that are one word in different transliterations ("Ras al-Ayn" ~ "Ras el Ain");
# an article inside a name ("Ras al-Ain", "Deir el-Zor") is dropped from the key, in the lexicon and the text
_TOKEN_SAME = {"ayn": "ain", "ein": "ain", "al": "", "el": ""}


def token_key(folded: str) -> str:
    """A folded token with common transliteration variants merged: Hajeen ~ Hajin, Baghouz ~ Baghuz,
    Dhiban ~ Diban; then doubled letters folded."""
    s = folded
    if s in _TOKEN_SAME:
        return _TOKEN_SAME[s]
    for a, b in _PHONETIC:
        if a in s:
            s = s.replace(a, b)
    return _collapse(s)


def _collapse(s: str) -> str:
    out = []
    prev = ""
    for c in s:
        if c == prev and c.isalpha():
            continue
        out.append(c)
        prev = c
    return "".join(out)


class Token(NamedTuple):
    start: int
    end: int  # end of the core (a trailing 's excluded)
    text: str
    folded: str


@dataclass(slots=True)
class Hit:
    kind: str  # place | actor | generic | source
    start: int
    end: int
    refs: tuple  # ids (place or actor id, or source slug)
    spelling: str
    tok_start: int
    tok_end: int  # exclusive


_FOLD_TOKEN_CACHE: dict[str, tuple[str, str, str, int, bool]] = {}
_TOKENIZE_CACHE: dict[str, str] = {}


def tokenize(text: str) -> list[Token]:
    """The word tokens of a text, folded (not used on the hot path of Matcher.find)."""
    out = []
    cache = _TOKENIZE_CACHE
    if len(cache) > 200_000:
        cache.clear()
    pos = 0
    for t in TOKEN_RE.findall(text):
        s = text.index(t, pos)
        e = pos = s + len(t)
        f = cache.get(t)
        if f is None:
            f = cache[t] = fold_token(t)
        if f.__len__() < len(t) and (t.endswith("'s") or t.endswith("'S")) and len(t) > 2:
            e -= 2
        out.append(Token(s, e, t, f))
    return out


def _is_acronym(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return 0 < len(letters) <= 5 and all(c.isupper() for c in letters)


def _token_info(t: str) -> tuple[str, str, str, int, bool]:
    """(key, first letter, last letter if alphabetic, key length, is an article)."""
    f = token_key(fold_token(t))
    return f, f[:1], f[-1] if f and f[-1].isalpha() else "", len(f), t.lower() in ("al", "el")


class Matcher:
    """Compiled lookup built from one Lexicon (and the bundled sources)."""

    def __init__(self, lexicon: Lexicon, sources: list[dict] | None = None):
        self.lexicon = lexicon
        self.places = {p.id: p for p in lexicon.places}
        self.actors = {a.id: a for a in lexicon.actors}
        self.sources = {s["slug"]: s for s in (sources or [])}
        self.auto = ahocorasick.Automaton()
        entries: dict[str, dict] = {}  # folded key -> {(kind, ref): case_rule}
        self.first_token_index: dict[str, set[int]] = {}

        def add(kind: str, ref, spelling: str, strip_article: bool) -> None:
            key = fold_key(spelling, strip_article)
            if not key or (kind == "place" and len(key) < 3):
                return
            rule = "exact" if _is_acronym(spelling) else ("any" if kind == "generic" else "cap")
            slot = entries.setdefault(key, {})
            old = slot.get((kind, ref))
            # the loosest rule wins: a proper spelling beats an acronym
            order = {"any": 0, "cap": 1, "exact": 2}
            if old is None or order[rule] < order[old]:
                slot[(kind, ref)] = rule

        self.exact_spelling: dict[str, set[int]] = {}  # article-keeping keys, to choose among places that share a key
        for p in lexicon.places:
            primary = fold_key(p.name)
            for sp in p.spellings:
                key = fold_key(sp)
                if key != primary and (len(key) <= 4 or key in _UNSAFE_SPELLINGS):
                    continue
                if key in _UNSAFE_SPELLINGS:
                    continue
                add("place", p.id, sp, True)
                self.exact_spelling.setdefault(_exact_key(sp), set()).add(p.id)
            toks = [fold_token(t) for t in TOKEN_RE.findall(p.name)]
            toks = [t for t in toks if t and t not in ARTICLES]
            if len(toks) > 1:
                self.first_token_index.setdefault(token_key(toks[0]), set()).add(p.id)
        for a in lexicon.actors:
            for al in a.aliases:
                add("actor", a.id, al, False)
            for g in a.generic:
                add("generic", a.id, g, False)
        for s in sources or []:
            for al in [s["name"], *s.get("aliases", [])]:
                add("source", s["slug"], al, False)
        for key, slot in entries.items():
            refs = tuple((k, r, rule) for (k, r), rule in slot.items())
            # what a hit on the key names, by whether its first letter passes the rule "cap" and its words the rule
            # "exact" (see find): worked out here once instead of for every hit
            outcomes = tuple(_outcome(refs, cap_ok, exact_ok) for cap_ok in (False, True) for exact_ok in (False, True))
            self.auto.add_word(key, (len(key), any(rule == "exact" for _, _, rule in refs), outcomes))
        self.auto.make_automaton()

    def find(self, text: str, tokens: list[Token] | None = None) -> tuple[list[Hit], list[Token]]:
        """Leftmost-longest, non-overlapping hits over the (normalised) text. The second value is
        kept for compatibility and is an empty list (tokens are not materialised on the hot path)."""
        fcache = _FOLD_TOKEN_CACHE
        if len(fcache) > 200_000:
            fcache.clear()
        # The tokens, and the gaps between them: the offsets of tokens are summed from their lengths (in C, below),
        # which costs much less than a str.index per token.
        pieces = _TOKEN_SPLIT.split(text)  # [gap, token, gap, token, ..., gap]
        toks = pieces[1::2]
        infos = list(map(fcache.get, toks))
        if None in infos:
            for k, info in enumerate(infos):
                if info is None:
                    infos[k] = fcache[toks[k]] = _token_info(toks[k])
        parts = []
        add_part = parts.append
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        pos = 0
        prev = ""
        i = 0
        for f, first, last, flen, art in infos:
            if flen:
                if first == prev:
                    # the token's first letter merges into the previous token's last one ("ez"+"zor")
                    starts.setdefault(pos - 1, i)
                    if flen > 1:
                        add_part(f[1:])
                        pos += flen - 1
                else:
                    starts[pos] = i
                    add_part(f)
                    pos += flen
                prev = last
                ends[pos] = i
            else:
                starts.setdefault(pos, i)
                if not art:  # an inner article never ends a name
                    ends[pos] = i
            i += 1
        joined = "".join(parts)
        cands = []
        sget, eget = starts.get, ends.get
        for end_idx, value in self.auto.iter(joined):
            ti = sget(end_idx + 1 - value[0])
            if ti is None:
                continue
            tj = eget(end_idx + 1)
            if tj is None or tj < ti:
                continue
            # sorted by start, then longest first (i, the number of tokens, exceeds any tj); a tie keeps the
            # automaton's order (the sort is stable)
            cands.append((ti * (i + 1) - tj, ti, tj + 1, value))
        cands.sort(key=itemgetter(0))
        hits: list[Hit] = []
        taken_until = 0
        bounds = list(accumulate(map(len, pieces)))  # token k is text[bounds[2k]:bounds[2k + 1]]
        for _, ti, tj, (_, needs_exact, outcomes) in cands:
            if ti < taken_until:
                continue
            # "cap": a capital (or no cased letter) first; "exact" (an acronym): no lowercase letter in the words
            first = toks[ti][0]
            cap_ok = not first.isalpha() or first.isupper() or not first.islower()
            exact_ok = needs_exact and all(_all_caps(_core(toks[k])) for k in range(ti, tj))
            outcome = outcomes[2 * cap_ok + exact_ok]
            if outcome is None:
                continue
            kind, ids = outcome
            start = bounds[2 * ti]
            # a leading Arabic article joined by a hyphen or a space belongs to the name
            if kind == "place" and ti > 0:
                article = _core(toks[ti - 1])
                if article.lower() in ARTICLES:
                    gap = text[bounds[2 * ti - 2] + len(article):start]
                    if gap in ("-", " "):
                        start = bounds[2 * ti - 2]
            end = bounds[2 * tj - 2] + len(_core(toks[tj - 1]))
            hits.append(Hit(kind, start, end, ids, text[start:end], ti, tj))
            taken_until = tj
        return hits, []


def _core(tok: str) -> str:
    """A token without a possessive 's ("Raqqa's"): the end of a name."""
    return tok[:-2] if len(tok) > 2 and tok[-2:] in ("'s", "'S") else tok


def _all_caps(word: str) -> bool:
    return not any(c.isalpha() and not c.isupper() for c in word)


def _outcome(refs: tuple, cap_ok: bool, exact_ok: bool) -> tuple[str, tuple] | None:
    """(kind, ids) of a hit whose refs pass the case rules as given, or None: the refs that pass, of the
    highest ranked kind among them ("source" over "actor" over "generic" over "place")."""
    ok = [(kind, ref) for kind, ref, rule in refs if rule == "any" or (exact_ok if rule == "exact" else cap_ok)]
    if not ok:
        return None
    if len(ok) > 1:
        ok.sort(key=lambda kr: _KIND_RANK[kr[0]])
    kind = ok[0][0]
    return kind, tuple(r for k, r in ok if k == kind)


def _exact_key(name: str) -> str:
    return "".join(fold_token(t) for t in TOKEN_RE.findall(name.casefold()) if t not in ("the",)).lstrip()


def best_place(matcher: Matcher, refs: tuple, spelling: str) -> int:
    """Of the places that share a key ("Abu Hassan", "Abu al-Hassan"), the one spelled as in the text."""
    if len(refs) > 1:
        exact = matcher.exact_spelling.get(_exact_key(spelling), ())
        for r in refs:
            if r in exact:
                return r
        key = _exact_key(spelling)
        if key[:2] in ("al", "el"):
            exact = matcher.exact_spelling.get(key[2:], ())
            for r in refs:
                if r in exact:
                    return r
    return refs[0]


_CACHE: dict[tuple[int, int], Matcher] = {}


def get_matcher(lexicon: Lexicon) -> Matcher:
    key = (id(lexicon), lexicon.version)
    m = _CACHE.get(key)
    if m is None or m.lexicon is not lexicon:
        if len(_CACHE) > 8:
            _CACHE.clear()
        m = Matcher(lexicon, load_sources())
        _CACHE[key] = m
    return m


DATA_DIR = Path(__file__).resolve().parents[2] / "data"
_SOURCES: list[dict] | None = None


def load_sources(path: Path | None = None) -> list[dict]:
    global _SOURCES
    if path is not None:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    if _SOURCES is None:
        p = DATA_DIR / "sources.json"
        _SOURCES = json.loads(p.read_text(encoding="utf-8")) if p.exists() else []
    return _SOURCES


def _read_places(path: Path, first_id: int) -> list[PlaceEntry]:
    out = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            alts = [a.strip() for a in (row.get("alt_names") or "").split("|") if a.strip()]
            spellings = tuple(dict.fromkeys([row["name"], *alts]))
            out.append(PlaceEntry(
                id=first_id + i, name=row["name"], kind=row.get("kind") or "village", spellings=spellings,
                lat=float(row["lat"]) if row.get("lat") else None,
                lon=float(row["lon"]) if row.get("lon") else None,
                admin1=row.get("admin1") or "",
            ))
    return out


def read_actors_json(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def lexicon_from_files(gazetteer_csv, regions_csv=None, actors_json=None) -> Lexicon:
    """A Lexicon from the bundled files; ids are row order (gazetteer rows 1..n, then regions;
    actors 1..m in file order), stable as long as the files only grow at the end."""
    places = _read_places(Path(gazetteer_csv), 1)
    if regions_csv:
        places += _read_places(Path(regions_csv), len(places) + 1)
    actors: list[ActorEntry] = []
    if actors_json:
        raw = read_actors_json(Path(actors_json))
        ids = {a["slug"]: i + 1 for i, a in enumerate(raw)}
        for i, a in enumerate(raw):
            actors.append(ActorEntry(
                id=i + 1, name=a["name"], aliases=tuple(dict.fromkeys([a["name"], *a.get("aliases", [])])),
                generic=tuple(a.get("generic", [])), parent_id=ids.get(a.get("parent") or ""),
            ))
    return Lexicon(places=places, actors=actors, version=0)


def bundled_lexicon() -> Lexicon:
    return lexicon_from_files(DATA_DIR / "gazetteer" / "syria_east.csv", DATA_DIR / "regions.csv",
                              DATA_DIR / "actors.json")
