"""Slack's search query language, parsed once into plain values (docs/search.md). No I/O here.

A query is words, `"exact phrases"`, `-excluded` words or phrases, `prefix*`, and modifiers:
`in:#channel`, `in:<#C…>`, `in:@person` (the DM with them), `from:@name`, `from:<@U…>`,
`from:me`, `before:`/`after:`/`on:` a date (YYYY-MM-DD, `today`, `yesterday`), `during:` a
period (YYYY-MM-DD, YYYY-MM, YYYY, `today`, `yesterday`, `week`, `month`, `year`, a month's
name: `january` or `jan`), `has:link`,
`has:pin`, `has:reaction`, `is:thread`, and for files `type:` a filetype (`pdf`, `png`) or a
kind of files.list's `types` (`images`, `pdfs`, `snippets`, `zips`).

Everything else is text, compared as a substring of the folded message (domain/search_text.py):
an unknown modifier, a quote without its partner, and every operator of the engines behind the
index (FTS5's NEAR, OR, NOT, `^`, column filters, PostgreSQL's `& | ! <->`), which the stores
only ever receive as quoted literals or bound parameters. Dates are days where the searcher
lives: the caller passes their zone as a value (a tzinfo), as it passes `today`.

The query is bounded: over MAX_QUERY characters or MAX_TERMS terms it matches nothing, as does
a known modifier whose value does not parse (a date that is no date).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from hubbub.domain.files import TYPE_FILTERS
from hubbub.domain.search_text import fold, is_prefix

MAX_QUERY = 1000
MAX_TERMS = 30
# The last instant a stored ts can name (domain/ts.py: ten digits of seconds).
MAX_US = 10**16 - 1
# Terms shorter than this cannot use a trigram index (docs/search.md: short terms).
TRIGRAM = 3

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,32}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,32}")
_ANGLED = re.compile(r"<([#@])([A-Z0-9]{2,32})(?:\|[^<>]*)?>")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_YEAR = re.compile(r"[0-9]{4}")
_MODIFIERS = frozenset({"in", "from", "before", "after", "on", "during", "has", "is", "type"})
# A filetype as domain/files.py names them: lower-case letters and digits.
_FILETYPE = re.compile(r"[a-z0-9]{1,32}")
_HAS = {"link": "has_link", "pin": "has_pin", "reaction": "has_reaction"}
# during:january, during:jan: English names, as Slack's own (not the locale's: calendar's names
# follow the process's locale, and a query must mean the same on every server).
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_NAMES = {name: i for i, name in enumerate(_MONTHS, 1)} | {
    name[:3]: i for i, name in enumerate(_MONTHS, 1)
}


@dataclass(frozen=True, slots=True)
class Ref:
    """A channel or person a modifier names: by id, or by name (lower case, no # or @)."""

    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    terms: tuple[str, ...] = ()  # folded words and phrases; each must occur
    prefixes: tuple[str, ...] = ()  # folded `word*`: each must begin a word (search_text.py)
    excluded: tuple[str, ...] = ()  # folded; none may occur
    channels: tuple[Ref, ...] = ()  # in:#channel; with dms, any one of them
    dms: tuple[Ref, ...] = ()  # in:@person: the DM with each
    authors: tuple[Ref, ...] = ()  # from:; any one of them (Ref(id="me"): the searcher)
    after_us: int | None = None  # from this instant on (µs since 1970)
    before_us: int | None = None  # up to, not including, this one
    has_link: bool = False
    has_pin: bool = False
    has_reaction: bool = False
    is_thread: bool = False
    # type:…: files of any of these filetypes; only files have one, so a message never matches.
    filetypes: tuple[str, ...] = ()
    impossible: bool = False  # matches nothing (over the bounds, or a value that does not parse)

    @property
    def words(self) -> tuple[str, ...]:
        """What the text must hold somewhere: the terms, and the prefixes as substrings (the
        index's candidates, the score and the highlights; a prefix's word start is checked
        apart)."""
        return self.terms + self.prefixes

    @property
    def scoped(self) -> bool:
        return bool(self.channels or self.dms)


NOTHING = SearchQuery(impossible=True)


class _Bad(Exception):
    """A known modifier's value that does not parse: the query matches nothing."""


def parse(query: str, today: date, zone: tzinfo = UTC) -> SearchQuery:
    """The query as plain values; never raises. today: the date `today` names where the
    searcher lives; zone: their time zone, where each day named begins and ends."""
    if len(query) > MAX_QUERY:
        return NOTHING
    tokens = _tokens(query)
    if len(tokens) > MAX_TERMS:
        return NOTHING
    found = _Builder(today, zone)
    try:
        for negated, quoted, text in tokens:
            found.add(negated, quoted, text)
    except (_Bad, OverflowError):  # OverflowError: a day after the last one a date holds
        return NOTHING
    return found.build()


def _tokens(query: str) -> list[tuple[bool, bool, str]]:
    """(negated, quoted, text) for each term: a phrase runs between a quote and the next one; a
    quote with no partner is a character like any other."""
    out: list[tuple[bool, bool, str]] = []
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        negated = query[i] == "-" and i + 1 < n and not query[i + 1].isspace()
        if negated:
            i += 1
        if query[i] == '"':
            end = query.find('"', i + 1)
            if end != -1:
                out.append((negated, True, query[i + 1 : end]))
                i = end + 1
                continue
        start = i
        while i < n and not query[i].isspace():
            i += 1
        out.append((negated, False, query[start:i]))
    return out


class _Builder:
    def __init__(self, today: date, zone: tzinfo) -> None:
        self.today = today
        self.zone = zone
        self.terms: list[str] = []
        self.prefixes: list[str] = []
        self.excluded: list[str] = []
        self.channels: list[Ref] = []
        self.dms: list[Ref] = []
        self.authors: list[Ref] = []
        self.after_us: int | None = None
        self.before_us: int | None = None
        self.flags: set[str] = set()
        self.filetypes: list[str] = []

    def add(self, negated: bool, quoted: bool, text: str) -> None:
        if not quoted and not negated and self._modifier(text):
            return
        term = _phrase(text) if quoted else _word(text)
        if term:
            target = self.excluded if negated else self.terms
            if not (quoted or negated) and text.endswith("*") and is_prefix(term):
                target = self.prefixes
            if term not in target:
                target.append(term)

    def _modifier(self, text: str) -> bool:
        key, sep, value = text.partition(":")
        key = key.lower()
        if not sep or not value or key not in _MODIFIERS:
            return False
        if key == "in":
            self._in(value)
        elif key == "from":
            self.authors.append(_person(value))
        elif key == "has":
            flag = _HAS.get(value.lower().removesuffix("s"))
            if flag is None:
                return False  # has:star and the like: text
            self.flags.add(flag)
        elif key == "is":
            if value.lower() != "thread":
                return False
            self.flags.add("is_thread")
        elif key == "type":
            self._type(value.lower())
        else:
            lo, hi = self._period(key, value.lower())
            self._between(lo, hi)
        return True

    def _type(self, value: str) -> None:
        """A filetype, or a kind of them (`images`); `all` and a kind no file has (`spaces`)
        are still a type: nothing is left out, or nothing found."""
        if value in TYPE_FILTERS:
            kind = TYPE_FILTERS[value]
            if kind is not None:
                self.filetypes += sorted(kind - set(self.filetypes))
            return
        if not _FILETYPE.fullmatch(value):
            raise _Bad
        if value not in self.filetypes:
            self.filetypes.append(value)

    def _in(self, value: str) -> None:
        angled = _ANGLED.fullmatch(value)
        if angled:
            sigil, found = angled.groups()
            (self.channels if sigil == "#" else self.dms).append(Ref(id=found))
        elif value.startswith("@"):
            self.dms.append(Ref(name=value[1:].lower()))
        elif value.startswith("#"):
            self.channels.append(Ref(name=value[1:].lower()))
        elif _CHANNEL_ID.fullmatch(value):
            self.channels.append(Ref(id=value))
        else:
            self.channels.append(Ref(name=value.lower()))

    def _period(self, key: str, value: str) -> tuple[date | None, date | None]:
        """The days [lo, hi) a date modifier allows (None: unbounded on that side)."""
        if key == "during":
            return _during(value, self.today)
        day = _day(value, self.today)
        if key == "before":
            return None, day
        if key == "after":
            return day + timedelta(days=1), None
        return day, day + timedelta(days=1)  # on:

    def _between(self, lo: date | None, hi: date | None) -> None:
        if lo is not None:
            self.after_us = max(self.after_us or 0, _micros(lo, self.zone))
        if hi is not None:
            bound = _micros(hi, self.zone)
            self.before_us = bound if self.before_us is None else min(self.before_us, bound)

    def build(self) -> SearchQuery:
        return SearchQuery(
            terms=tuple(self.terms),
            prefixes=tuple(self.prefixes),
            excluded=tuple(self.excluded),
            channels=tuple(self.channels),
            dms=tuple(self.dms),
            authors=tuple(self.authors),
            after_us=self.after_us,
            before_us=self.before_us,
            has_link="has_link" in self.flags,
            has_pin="has_pin" in self.flags,
            has_reaction="has_reaction" in self.flags,
            is_thread="is_thread" in self.flags,
            filetypes=tuple(self.filetypes),
        )


def _person(value: str) -> Ref:
    angled = _ANGLED.fullmatch(value)
    if angled and angled.group(1) == "@":
        return Ref(id=angled.group(2))
    if value.lower() == "me":
        return Ref(id="me")
    if _USER_ID.fullmatch(value):
        return Ref(id=value)
    return Ref(name=value.removeprefix("@").lower())


def _day(value: str, today: date) -> date:
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    found = _DAY.fullmatch(value)
    if not found:
        raise _Bad
    return _date(*(int(g) for g in found.groups()))


def _during(value: str, today: date) -> tuple[date, date]:
    if value in ("today", "yesterday") or _DAY.fullmatch(value):
        day = _day(value, today)
        return day, day + timedelta(days=1)
    if value == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=7)
    if value == "month":
        return _month(today.year, today.month)
    if value == "year":
        return _year(today.year)
    found = _MONTH.fullmatch(value)
    if found:
        return _month(int(found.group(1)), int(found.group(2)))
    if _YEAR.fullmatch(value):
        return _year(int(value))
    if value in _MONTH_NAMES:
        # The month this year if it has begun, else last year's: the latest one of that name.
        month = _MONTH_NAMES[value]
        return _month(today.year if month <= today.month else today.year - 1, month)
    raise _Bad


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:  # 2024-02-30, year 0, month 13
        raise _Bad from exc


def _month(year: int, month: int) -> tuple[date, date]:
    first = _date(year, month, 1)
    return first, first + timedelta(days=calendar.monthrange(year, month)[1])


def _year(year: int) -> tuple[date, date]:
    first = _date(year, 1, 1)
    try:
        return first, date(year + 1, 1, 1)
    except ValueError:  # the year 9999 has no next: up to its last day
        return first, date(year, 12, 31)


def _micros(day: date, zone: tzinfo) -> int:
    """The start of a day in the zone, in µs since 1970, inside the range a stored ts can name.
    A zone's midnight that a change of its clocks skips is the first instant after it."""
    moment = datetime(day.year, day.month, day.day, tzinfo=zone)
    return min(max(0, int(moment.timestamp()) * 1_000_000), MAX_US)


def _word(text: str) -> str:
    """A word as it is compared: folded, without punctuation at either end (`hello,`,
    `"unbalanced`, `prefix*`, `(NEAR`); nothing if only punctuation is left."""
    folded = fold(text).strip()  # NFKC may turn a lone accent into a space and the accent
    start, end = 0, len(folded)
    while start < end and _edge(folded[start]):
        start += 1
    while end > start and _edge(folded[end - 1]):
        end -= 1
    return folded[start:end]


def _phrase(text: str) -> str:
    return fold(text).strip()


def _edge(char: str) -> bool:
    """Punctuation or white space, which a word does not start or end with."""
    return char.isspace() or unicodedata.category(char).startswith("P")
