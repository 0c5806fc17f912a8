"""Date expressions -> DateInterval, with a small regex grammar (no dateparser).

`find_dates(text)` finds the expressions once; `resolve(expr, published)` turns one
into an interval against the publication date (relative expressions stay unknown
without one). `find_dateline(text)` reads "DEIR EZ-ZOR (NOVEMBER 25, 2018) -".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from conflict.dates import DateInterval

from .events import _trie_pattern
from .normalize import WordStarts, ascii_lower, word_matches, word_prefixes

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
NUMBERS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "few": 3, "several": 5, "couple of": 2, "a couple of": 2, "a few": 3,
}

_MON = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|" \
       r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_MON_FULL = r"(?:january|february|march|april|june|july|august|september|october|november|december|" \
            r"jan|feb|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"  # without the modal "may" and "mar"
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_NUM = r"(?:\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|few|several|a few|a couple of|couple of)"
_PART = r"(?:early|mid|late|the end of|end of|the beginning of|beginning of|the start of|start of|" \
        r"the middle of|middle of|the first half of|the second half of)"

_PATTERNS = [
    ("mdy", rf"(?:(?P<wd>{_WD}),?\s+)?(?P<mon>{_MON})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
            rf"(?:,?\s+(?P<yr>(?:19|20)\d\d))?"),
    ("dmy", rf"(?:(?P<wd>{_WD}),?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})"
            rf"(?:,?\s+(?P<yr>(?:19|20)\d\d))?"),
    ("part_month", rf"(?P<part>{_PART})[\s-]+(?P<mon>{_MON})(?:,?\s+(?P<yr>(?:19|20)\d\d))?"),
    ("month_year", rf"(?P<mon>{_MON})(?:,)?\s+(?P<yr>(?:19|20)\d\d)"),
    ("part_year", rf"(?P<part>{_PART})[\s-]+(?P<yr>(?:19|20)\d\d)"),
    ("month", rf"(?:(?P<prep>in|since|during|of|by|until|through|throughout|from|early|late|last|this|mid)[\s-]+)"
              rf"(?P<mon>{_MON_FULL}|march|may)\b(?!\s+\d)"),
    ("year", r"(?:(?P<prep>in|since|during|by|until|through|throughout|from|of)\s+)(?P<yr>(?:19|20)\d\d)\b"),
    ("past", rf"(?:over|in|during|within|for|throughout)\s+the\s+(?:course\s+of\s+the\s+)?(?:past|last|previous)\s+"
             rf"(?:(?P<n>{_NUM})\s+)?(?P<unit>days?|weeks?|months?|years?)"),
    ("ago", rf"(?P<n>{_NUM})\s+(?P<unit>days?|weeks?|months?|years?)\s+ago"),
    ("weeks_of", rf"(?:after|following)\s+(?:(?P<n>{_NUM})\s+)?(?P<unit>days?|weeks?|months?)\s+of"),
    ("weekday", rf"(?:(?P<rel>on|last|this|early|late)\s+)?(?P<wd>{_WD})(?!,?\s+(?:{_MON}\s+\d|\d{{1,2}}\s+{_MON}))"
                rf"(?:\s+(?:morning|night|evening|afternoon))?"),
    ("rel", r"(?P<rel>earlier today|this morning|this afternoon|this evening|last night|overnight|yesterday|"
            r"today|tonight|"
            r"this week|last week|this month|last month|this year|last year|recently|in recent days|"
            r"in recent weeks|in recent months|at the moment|currently|in the past few days)"),
]
_FORMS = [k for k, _ in _PATTERNS]
_GROUP_NAMES = ("wd", "mon", "day", "yr", "part", "prep", "n", "unit", "rel")


def _unique_groups(form: str, pattern: str) -> str:
    for g in _GROUP_NAMES:
        pattern = pattern.replace(f"(?P<{g}>", f"(?P<{g}__{form}>")
    return pattern


# one compiled alternation (stdlib re, on ASCII-lowercased text: no IGNORECASE cost)
_RE = re.compile(r"\b(?:" + "|".join(f"(?P<_{k}>{_unique_groups(k, p)})" for k, p in _PATTERNS) + ")")
# form -> (name, group of _RE) for the named groups of that form, in the pattern's order (of m.groupdict())
_FORM_GROUPS = {form: [(k[: -len(f"__{form}")], k) for k in _RE.groupindex if k.endswith(f"__{form}")]
                for form in _FORMS}
_DATELINE = regex.compile(
    rf"^\s*[A-Z][A-Z .,'/-]{{2,60}}(?:\(\s*|,\s*|\s+-\s*)(?P<mon>{_MON})\s+(?P<day>\d{{1,2}}),?\s+(?P<yr>(?:19|20)\d\d)"
    r"\s*\)?\s*(?:\(\s*[A-Za-z][A-Za-z .&/-]{0,30}\)\s*)?[-:\u2013\u2014]",
    regex.IGNORECASE | regex.MULTILINE)
_SINCE = re.compile(r"(?:since|as of|from)\s+$")


@dataclass(slots=True)
class DateExpr:
    start: int
    end: int
    text: str
    form: str  # mdy, dmy, part_month, month_year, part_year, month, year, past, ago, weeks_of, weekday, rel
    parts: dict
    since: str = ""  # "since" / "as of" / "from" before it
    flags: list[str] = field(default_factory=list)

    @property
    def vague(self) -> bool:
        """A period that can govern the claims of its paragraph ("recently", "over the past month")."""
        return self.form in ("past", "weeks_of", "range") or (
            self.form == "rel" and self.parts.get("rel", "").lower() in (
            "recently", "in recent days", "in recent weeks", "in recent months", "in the past few days"))


# every date expression holds one of these words; the full grammar runs only in windows around them
_CORE = re.compile(r"\b(?:a(?:go|fternoon|pr(?:il)?\b|ug(?:ust)?\b)|currently|d(?:ay|ec(?:ember)?\b)|evening|"
                   r"f(?:eb(?:ruary)?\b|riday\b)|j(?:an(?:uary)?|une?|uly?)\b|"
                   r"m(?:ar(?:ch)?\b|ay\b|onday\b|onth|orning|oment)|n(?:ov(?:ember)?\b|ight)|oct(?:ober)?\b|overnight|recent|"
                   r"s(?:ep(?:t(?:ember)?)?\b|aturday\b|unday\b)|t(?:oday|onight|uesday\b|hursday\b)|"
                   r"w(?:ednesday\b|eek)|y(?:ear|esterday)|(?:19|20)\d\d\b)")
# what the words that _CORE matches begin with
_CORE_WORDS = word_prefixes("date", [
    "ago", "afternoon", "apr", "aug", "currently", "day", "dec", "evening", "feb", "friday", "jan", "jun", "jul", "mar",
    "may", "monday", "month", "morning", "moment", "nov", "night", "oct", "overnight", "recent", "sep", "saturday",
    "sunday", "today", "tonight", "tuesday", "thursday", "wednesday", "week", "year", "yesterday", "19", "20"])


# every word a match of _RE can start with (a digit aside), gathered from the patterns mdy, dmy, part_month,
# month_year, part_year, month, year, past, ago, weeks_of, weekday and rel
_FIRST_WORDS = sorted({
    *WEEKDAYS, *MONTHS, "the", "early", "mid", "late", "end", "beginning", "start", "middle",
    "in", "since", "during", "of", "by", "until", "through", "throughout", "from", "last", "this",
    "over", "within", "for", *(w.split()[0] for w in NUMBERS), "after", "following", "on",
    "earlier", "overnight", "yesterday", "today", "tonight", "recently", "at", "currently",
})
# Where a match of _RE can start (a superset): the big alternation costs about 1 us a position tried. A first word
# is followed by a space, "-", "." or "," in every pattern (so it ends at \b: "a" is not "and", "of" not "offensive"),
# but for the words that can run on ("Mondays", "yesterday's"); the commonest are tried only before what the patterns
# that begin with them need next ("in" before a month, a year or "the": "in the past week", "in the town").
_RUN_ON = frozenset({*WEEKDAYS, "overnight", "yesterday", "today", "tonight", "recently", "currently"})
_UNITS = r"(?:day|week|month|year)"
_BEFORE = {
    # month (of a year: "since 2017"), past ("during the past week"), rel ("in recent days")
    **dict.fromkeys(("in", "since", "during", "throughout", "through", "until", "by", "of", "from"),
                    r"[\s-]+(?:\d|the\b|recent|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"),
    **dict.fromkeys(("for", "over", "within", "at"), r"\s+the\b"),  # past; "at the moment"
    "a": rf"\s+(?:few|couple|{_UNITS})",  # ago
    **dict.fromkeys(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "few", "several",
                     "couple"), rf"\s+(?:of\s+)?{_UNITS}"),  # ago
    **dict.fromkeys(("end", "beginning", "start", "middle"), r"\s+of\b"),  # part_month, part_year
    **dict.fromkeys(("after", "following"), rf"\s+(?:\d|a|one|two|three|four|five|six|seven|eight|nine|ten|few|"
                                            rf"several|couple|{_UNITS})"),  # weeks_of
    "on": r"\s+(?:mon|tue|wed|thu|fri|sat|sun)",  # weekday
    "the": r"\s+(?:\d|end|beginning|start|middle|first|second)",  # dmy, part_month, part_year
}
_START = re.compile(r"\b(?:\d|" + _trie_pattern(sorted(_RUN_ON)) + "|" +
                    "|".join(f"{w}(?={after})" for w, after in _BEFORE.items()) + "|(?:" +
                    "|".join(sorted(set(_FIRST_WORDS) - _RUN_ON - set(_BEFORE), key=lambda w: (-len(w), w))) + r")\b)")
# where a word that _START can match begins, in spaced(low): after a space (the window is short: a regex scan)
_START_PRE = re.compile(b" (?:\\d|" + _trie_pattern(_FIRST_WORDS).encode() + b")")


def _finditer(low: str, pos: int, endpos: int, spaced_low: bytes | bytearray) -> Iterator[re.Match]:
    """The matches of _RE.finditer(low, pos, endpos), with _RE tried only where _START says one can start."""
    starts = [c.start() + 1 for c in _START_PRE.finditer(spaced_low, max(pos - 1, 0), endpos)]
    for c in word_matches(_START, starts, low, pos, endpos):
        if c.start() < pos:
            continue
        m = _RE.match(low, c.start(), endpos)
        if m is None:
            continue
        yield m
        pos = m.end()


def _iter_date_matches(low: str, words: WordStarts):
    windows: list[list[int]] = []
    for c in word_matches(_CORE, words(_CORE_WORDS), low):
        ws = low.rfind(" ", 0, max(0, c.start() - 45)) + 1
        we = c.end() + 40
        if windows and ws <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], we)
        else:
            windows.append([ws, we])
    last = 0
    for ws, we in windows:
        for m in _finditer(low, max(ws, last), min(we, len(low)), words.spaced_low):
            # keep a match only if it is not cut by the window's end
            if m.end() >= we - 1 and we < len(low):
                full = _RE.match(low, m.start())
                if full:
                    m = full
            last = m.end()
            yield m


def find_dates(text: str, lowered: str | None = None, words: WordStarts | None = None) -> list[DateExpr]:
    """`lowered`: ascii_lower(text); `words`: WordStarts(text) (both worked out here when not given)."""
    low = lowered if lowered is not None else ascii_lower(text)
    out = []
    for m in _iter_date_matches(low, WordStarts(low) if words is None else words):
        form = m.lastgroup[1:]
        parts = {}
        for name, key in _FORM_GROUPS[form]:
            gs, ge = m.span(key)
            if gs >= 0:
                parts[name] = text[gs:ge]
        s, e = m.span()
        if form == "month" and parts.get("mon", "").lower().rstrip(".") in ("may", "march") and \
                parts.get("prep", "").lower() not in ("in", "since", "during", "until", "through", "throughout",
                                                         "early", "late", "mid", "last"):
            continue
        since = ""
        pre = text[max(0, s - 10):s]
        sm = _SINCE.search(pre.lower())
        if sm:
            since = sm.group(0).strip().lower()
        if parts.get("prep", "").lower() in ("since", "from"):
            since = "since"
        out.append(DateExpr(s, e, text[s:e], form, parts, since))
    return out


def find_dateline(text: str) -> dt.date | None:
    m = _DATELINE.search(text[:600])
    if not m:
        return None
    try:
        return dt.date(int(m.group("yr")), MONTHS[m.group("mon").lower().rstrip(".")], int(m.group("day")))
    except ValueError:
        return None


def _num(s: str | None) -> int:
    if not s:
        return 1
    s = s.lower()
    return int(s) if s.isdigit() else NUMBERS.get(s, 1)


def _month_end(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _minus_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return dt.date(y, m + 1, min(d.day, _month_end(y, m + 1)))


def _year_for(month: int, published: dt.date | None, day: int = 1) -> int | None:
    if published is None:
        return None
    return published.year if (month, day) <= (published.month, published.day) or month <= published.month \
        else published.year - 1


def resolve(expr: DateExpr, published: dt.date | None, year_hint: int | None = None) -> DateInterval:
    """The interval an expression stands for; flags "weekday_mismatch" on the expression."""
    p = expr.parts
    f = expr.form
    try:
        if f in ("mdy", "dmy"):
            mon = MONTHS[p["mon"].lower().rstrip(".")]
            day = int(p["day"])
            yr = int(p["yr"]) if p.get("yr") else _year_for(mon, published, day)
            wd = p.get("wd")
            if wd:
                check_year = yr or year_hint
                if check_year and dt.date(check_year, mon, day).weekday() != WEEKDAYS[wd.lower()]:
                    if "weekday_mismatch" not in expr.flags:
                        expr.flags.append("weekday_mismatch")
                    return DateInterval.unknown()
            if yr is None:
                return DateInterval.unknown()
            d = dt.date(yr, mon, day)
            return _since(expr, DateInterval.day(d), published)
        if f in ("part_month", "month_year", "month"):
            mon = MONTHS[p["mon"].lower().rstrip(".")]
            yr = int(p["yr"]) if p.get("yr") else _year_for(mon, published)
            if yr is None:
                return DateInterval.unknown()
            if p.get("prep", "").lower() == "last" and published and yr == published.year and mon >= published.month:
                yr -= 1
            iv = DateInterval.month(yr, mon)
            part = (p.get("part") or (p.get("prep") if p.get("prep", "").lower() in ("early", "late", "mid") else "")
                    or "").lower()
            if part:
                iv = _part(iv, part)
            return _since(expr, iv, published)
        if f in ("year", "part_year"):
            yr = int(p["yr"])
            iv = DateInterval.year(yr)
            if p.get("part"):
                pl = p["part"].lower()
                if "early" in pl or "beginning" in pl or "start" in pl or "first" in pl:
                    iv = DateInterval(dt.date(yr, 1, 1), dt.date(yr, 4, 30), "month")
                elif "mid" in pl or "middle" in pl:
                    iv = DateInterval(dt.date(yr, 5, 1), dt.date(yr, 8, 31), "month")
                else:
                    iv = DateInterval(dt.date(yr, 9, 1), dt.date(yr, 12, 31), "month")
            return _since(expr, iv, published)
        if published is None:
            return DateInterval.unknown()
        if f == "past":
            n = _num(p.get("n"))
            unit = p["unit"].lower().rstrip("s")
            start = _back(published, n, unit)
            return DateInterval(start, published, "day" if unit == "day" and n <= 1 else
                                ("week" if (published - start).days <= 10 else "month"))
        if f == "ago":
            n = _num(p.get("n"))
            unit = p["unit"].lower().rstrip("s")
            d = _back(published, n, unit)
            if unit == "day":
                return DateInterval.day(d)
            return DateInterval(_back(d, 1, "week") if unit == "week" else d.replace(day=1), d,
                                "week" if unit == "week" else "month")
        if f == "weeks_of":
            unit = p["unit"].lower().rstrip("s")
            if p.get("n"):  # "after a week of fighting": that long, and a little slack
                start = _back(published, _num(p["n"]) + 1, unit)
            else:  # "after weeks of clashes": about a month
                start = _back(published, {"day": 1, "week": 1, "month": 3}[unit], "week" if unit == "day" else "month")
            return DateInterval(start, published, "month" if (published - start).days > 10 else "week")
        if f == "weekday":
            target = WEEKDAYS[p["wd"].lower()]
            rel = (p.get("rel") or "").lower()
            delta = (published.weekday() - target) % 7
            if rel == "last" and delta == 0:
                delta = 7
            return DateInterval.day(published - dt.timedelta(days=delta))
        if f == "rel":
            r = p["rel"].lower()
            if r in ("earlier today", "this morning", "this afternoon", "this evening", "today", "tonight",
                     "at the moment", "currently"):
                return DateInterval.day(published)
            if r in ("yesterday", "last night"):
                return DateInterval.day(published - dt.timedelta(days=1))
            if r == "overnight":  # the night before the report: either day
                return DateInterval(published - dt.timedelta(days=1), published, "day")
            if r == "this week":
                return DateInterval(published - dt.timedelta(days=6), published, "week")
            if r == "last week":
                return DateInterval(published - dt.timedelta(days=13), published - dt.timedelta(days=7), "week")
            if r == "this month":
                return DateInterval(published.replace(day=1), published, "month")
            if r == "last month":
                d = _minus_months(published.replace(day=1), 1)
                return DateInterval.month(d.year, d.month)
            if r == "this year":
                return DateInterval(dt.date(published.year, 1, 1), published, "year")
            if r == "last year":
                return DateInterval.year(published.year - 1)
            if r in ("in recent days", "in the past few days"):
                return DateInterval(published - dt.timedelta(days=10), published, "week")
            if r in ("recently", "in recent weeks"):
                return DateInterval(_minus_months(published, 1), published, "month")
            if r == "in recent months":
                return DateInterval(_minus_months(published, 3), published, "month")
    except (ValueError, KeyError):
        return DateInterval.unknown()
    return DateInterval.unknown()


def _back(d: dt.date, n: int, unit: str) -> dt.date:
    if unit == "day":
        return d - dt.timedelta(days=n)
    if unit == "week":
        return d - dt.timedelta(days=7 * n)
    if unit == "month":
        return _minus_months(d, n)
    return _minus_months(d, 12 * n)


def _part(iv: DateInterval, part: str) -> DateInterval:
    s = iv.start
    last = iv.end.day
    if "early" in part or "beginning" in part or "start" in part:
        return DateInterval(s, s.replace(day=10), "week")
    if "mid" in part or "middle" in part:
        return DateInterval(s.replace(day=11), s.replace(day=20), "week")
    if "first half" in part:
        return DateInterval(s, s.replace(day=15), "week")
    if "second half" in part:
        return DateInterval(s.replace(day=16), iv.end, "week")
    return DateInterval(s.replace(day=21), s.replace(day=last), "week")  # late, end of


def _since(expr: DateExpr, iv: DateInterval, published: dt.date | None) -> DateInterval:
    if expr.since == "since" and iv.start is not None:
        if published is not None and published >= iv.start:
            return DateInterval(iv.start, published, iv.precision if iv.precision != "day" else "day")
        return DateInterval(iv.start, None, iv.precision)
    return iv


def latest_stated(exprs: list[DateExpr]) -> dt.date | None:
    """The latest date the text states on its own (full dates and months with a year)."""
    best = None
    for e in exprs:
        if e.form in ("mdy", "dmy", "month_year", "part_month") and e.parts.get("yr") and not e.flags:
            iv = resolve(e, None)
            if iv.end and (best is None or iv.end > best):
                best = iv.end
    return best


def year_hint(exprs: list[DateExpr]) -> int | None:
    years = [int(e.parts["yr"]) for e in exprs if e.parts.get("yr")]
    return max(years) if years else None
