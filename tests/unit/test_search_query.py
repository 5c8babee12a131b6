"""The search query language and text folding (domain/search_query.py, domain/search_text.py):
every form Slack documents, every bad input, and any string at all without an exception."""

from __future__ import annotations

import itertools
import re
import zlib
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.search_query import (
    MAX_QUERY,
    MAX_TERMS,
    MAX_US,
    NOTHING,
    Ref,
    SearchQuery,
    parse,
)
from hubbub.domain.search_text import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    START_BYTES,
    begins_word,
    boundary_hashes,
    boundary_keys,
    file_body,
    fold,
    highlight,
    is_prefix,
    key_text,
    phrase_hashes,
    searchable,
    word_start_hash,
)

TODAY = date(2026, 12, 6)  # a Sunday
DAY_US = 86_400 * 1_000_000
DEC_6 = 1_796_515_200_000_000  # 2026-12-06T00:00:00Z in µs


def q(text: str) -> SearchQuery:
    return parse(text, TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello World", SearchQuery(terms=("hello", "world"))),
        ("hello hello", SearchQuery(terms=("hello",))),
        ('"Exact  Phrase" rest', SearchQuery(terms=("exact phrase", "rest"))),
        ("-nope yes", SearchQuery(terms=("yes",), excluded=("nope",))),
        ('-"not this" yes', SearchQuery(terms=("yes",), excluded=("not this",))),
        # `word*` begins a word; in a script written without spaces it is a substring.
        ("deploy*", SearchQuery(prefixes=("deploy",))),
        ("Déploy* deploy", SearchQuery(terms=("deploy",), prefixes=("deploy",))),
        ("-deploy*", SearchQuery(excluded=("deploy",))),
        ('"deploy*"', SearchQuery(terms=("deploy*",))),
        ("東京* タワ*", SearchQuery(terms=("東京", "タワ"))),
        ("$100* c++*", SearchQuery(terms=("$100",), prefixes=("c++",))),
        ("hello, world!", SearchQuery(terms=("hello", "world"))),
        ("c++ $100", SearchQuery(terms=("c++", "$100"))),
        # A quote without its partner is text; the word keeps what is not punctuation.
        ('"unbalanced quote', SearchQuery(terms=("unbalanced", "quote"))),
        ('say "hi', SearchQuery(terms=("say", "hi"))),
        ('don"t', SearchQuery(terms=('don"t',))),
        # Unknown modifiers, and known ones with unknown values, are text.
        ("color:red", SearchQuery(terms=("color:red",))),
        ("has:star is:saved", SearchQuery(terms=("has:star", "is:saved"))),
        ("in:", SearchQuery(terms=("in",))),
        ("-in:#general", SearchQuery(excluded=("in:#general",))),
        # Punctuation alone is nothing.
        ("* - ( ) ! \" '", SearchQuery()),
        ("", SearchQuery()),
    ],
)
def test_words_phrases_and_exclusions(text: str, expected: SearchQuery) -> None:
    assert q(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'NEAR(a b) OR c AND NOT d ^e body:f "g" * (h) a & b | !c <-> d:* x\'y',
        "a OR b",
        "col:umn",
        '""',
        '" "',
    ],
)
def test_the_engines_own_syntax_is_only_text(text: str) -> None:
    found = q(text)
    assert not found.impossible
    # Every term is plain folded text; nothing in it is read as an operator.
    for term in found.terms + found.excluded:
        assert term == term.strip() and term


def test_engine_operators_are_kept_as_words() -> None:
    assert q("a OR b NEAR c").terms == ("a", "or", "b", "near", "c")
    assert q("^start body:x").terms == ("^start", "body:x")


@pytest.mark.parametrize(
    ("text", "channels", "dms"),
    [
        ("in:#General", (Ref(name="general"),), ()),
        ("in:general", (Ref(name="general"),), ()),
        ("in:<#C0123ABC>", (Ref(id="C0123ABC"),), ()),
        ("in:<#C0123ABC|general>", (Ref(id="C0123ABC"),), ()),
        ("in:C0123ABC", (Ref(id="C0123ABC"),), ()),
        ("in:@Bob", (), (Ref(name="bob"),)),
        ("in:<@U0123ABC>", (), (Ref(id="U0123ABC"),)),
        ("in:#a in:#b", (Ref(name="a"), Ref(name="b")), ()),
        ("in:<#bad", (Ref(name="<#bad"),), ()),
    ],
)
def test_in(text: str, channels: tuple[Ref, ...], dms: tuple[Ref, ...]) -> None:
    found = q(text)
    assert (found.channels, found.dms, found.terms) == (channels, dms, ())
    assert found.scoped


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        ("from:@Ada", (Ref(name="ada"),)),
        ("from:ada", (Ref(name="ada"),)),
        ("from:<@U0123ABC>", (Ref(id="U0123ABC"),)),
        ("from:<@U0123ABC|ada>", (Ref(id="U0123ABC"),)),
        ("from:U0123ABC", (Ref(id="U0123ABC"),)),
        ("from:me", (Ref(id="me"),)),
        ("from:@a from:@b", (Ref(name="a"), Ref(name="b"))),
    ],
)
def test_from(text: str, authors: tuple[Ref, ...]) -> None:
    assert q(text).authors == authors


@pytest.mark.parametrize(
    ("text", "after", "before"),
    [
        ("on:2026-12-06", DEC_6, DEC_6 + DAY_US),
        ("on:today", DEC_6, DEC_6 + DAY_US),
        ("on:yesterday", DEC_6 - DAY_US, DEC_6),
        ("before:2026-12-06", None, DEC_6),
        ("before:today", None, DEC_6),
        ("after:2026-12-05", DEC_6, None),
        ("after:yesterday", DEC_6, None),
        ("during:today", DEC_6, DEC_6 + DAY_US),
        ("during:2026-12-06", DEC_6, DEC_6 + DAY_US),
        ("during:week", DEC_6 - 6 * DAY_US, DEC_6 + DAY_US),
        ("during:month", DEC_6 - 5 * DAY_US, DEC_6 + 26 * DAY_US),
        ("during:2026-12", DEC_6 - 5 * DAY_US, DEC_6 + 26 * DAY_US),
        ("during:2026", DEC_6 - 339 * DAY_US, DEC_6 + 26 * DAY_US),
        ("during:year", DEC_6 - 339 * DAY_US, DEC_6 + 26 * DAY_US),
        # Several narrow one another.
        ("after:2026-01-01 before:2026-12-06 during:2026-12", DEC_6 - 5 * DAY_US, DEC_6),
        ("before:1900-01-01", None, 0),
        ("after:9999-12-30", MAX_US, None),
    ],
)
def test_dates_are_days_in_utc(text: str, after: int | None, before: int | None) -> None:
    found = q(text)
    assert (found.after_us, found.before_us, found.impossible) == (after, before, False)


def _utc_us(*moment: int) -> int:
    return int(datetime(*moment, tzinfo=UTC).timestamp()) * 1_000_000


@pytest.mark.parametrize(
    ("text", "today", "month"),
    [
        # The month this year once it has begun (December 6th: every month has)...
        ("during:january", TODAY, (2026, 1)),
        ("during:JAN", TODAY, (2026, 1)),
        ("during:February", TODAY, (2026, 2)),
        ("during:sep", TODAY, (2026, 9)),
        ("during:september", TODAY, (2026, 9)),
        ("during:december", TODAY, (2026, 12)),
        ("during:dec", TODAY, (2026, 12)),
        # ...else last year's: the latest month of that name.
        ("during:march", date(2026, 2, 28), (2025, 3)),
        ("during:february", date(2026, 2, 28), (2026, 2)),
        ("during:may", date(2026, 1, 1), (2025, 5)),
    ],
)
def test_during_a_month_by_its_name(text: str, today: date, month: tuple[int, int]) -> None:
    year, number = month
    after = _utc_us(year, number, 1)
    before = _utc_us(year + number // 12, number % 12 + 1, 1)
    found = parse(text, today)
    assert (found.after_us, found.before_us, found.impossible) == (after, before, False)


def test_a_months_name_before_the_first_year_has_none() -> None:
    assert parse("during:december", date(1, 6, 1)) == NOTHING


@pytest.mark.parametrize(
    ("zone", "midnight_utc"),
    [
        # The searcher's midnight of December 6th, as UTC sees it.
        (ZoneInfo("America/Los_Angeles"), (2026, 12, 6, 8)),  # PST, UTC-8
        (ZoneInfo("Asia/Tokyo"), (2026, 12, 5, 15)),  # JST, UTC+9
        (timezone(timedelta(hours=5, minutes=30)), (2026, 12, 5, 18, 30)),
        (UTC, (2026, 12, 6)),
    ],
)
def test_days_begin_at_the_searchers_midnight(zone: tzinfo, midnight_utc: tuple[int, ...]) -> None:
    start = _utc_us(*midnight_utc)
    for text, after, before in [
        ("on:2026-12-06", start, start + DAY_US),
        ("on:today", start, start + DAY_US),
        ("before:2026-12-06", None, start),
        ("after:2026-12-05", start, None),
        ("during:2026-12-06", start, start + DAY_US),
    ]:
        found = parse(text, TODAY, zone)
        assert (found.after_us, found.before_us) == (after, before), text


def test_a_day_across_a_change_of_clocks_is_as_long_as_it_is_there() -> None:
    # Los Angeles went to summer time on 2026-03-08 (a day of 23 hours) and back on 2026-11-01
    # (25 hours); a month's bounds are each its own midnight.
    zone = ZoneInfo("America/Los_Angeles")
    spring = parse("on:2026-03-08", TODAY, zone)
    autumn = parse("on:2026-11-01", TODAY, zone)
    assert spring.after_us == _utc_us(2026, 3, 8, 8)
    assert spring.before_us == _utc_us(2026, 3, 9, 7)
    assert autumn.after_us == _utc_us(2026, 11, 1, 7)
    assert autumn.before_us == _utc_us(2026, 11, 2, 8)
    july = parse("during:july", TODAY, zone)
    assert (july.after_us, july.before_us) == (_utc_us(2026, 7, 1, 7), _utc_us(2026, 8, 1, 7))


@pytest.mark.parametrize(
    "text",
    [
        "before:2026-13-01",
        "on:2026-02-30",
        "after:tomorrow",
        "during:decade",
        "on:26-12-06",
        "during:0000",
        "during:janu",
        "during:juli",
        "during:sept",
        "before:january",
        "after:9999-12-31",
        "before:0000-01-01",
        "x " * (MAX_TERMS + 1),
        "x" * (MAX_QUERY + 1),
    ],
)
def test_what_does_not_parse_or_is_too_big_matches_nothing(text: str) -> None:
    assert q(text) == NOTHING


def test_the_bounds_themselves_are_fine() -> None:
    assert not q("x " * MAX_TERMS).impossible
    assert not q("x" * MAX_QUERY).impossible


def test_flags() -> None:
    found = q("has:link has:pins has:reactions is:thread")
    assert (found.has_link, found.has_pin, found.has_reaction, found.is_thread) == (
        True,
        True,
        True,
        True,
    )


@given(st.text(max_size=MAX_QUERY + 50))
def test_any_string_parses(text: str) -> None:
    found = q(text)
    for term in found.terms + found.excluded:
        assert term and term == term.strip() and term == fold(term)
    assert len(found.terms) + len(found.excluded) <= MAX_TERMS


@given(st.lists(st.sampled_from(['"', "-", " ", "in:", "#", "@", "<", ">", "a", ":", "*"])))
def test_any_arrangement_of_the_syntax_parses(parts: list[str]) -> None:
    q("".join(parts))


# -- folding and highlights ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Café", "cafe"),
        ("CAFÉ", "cafe"),
        ("cafe\u0301", "cafe"),
        ("Straße", "strasse"),
        ("\uff26\uff55\uff4c\uff4c", "full"),  # full-width letters
        ("ﬁne", "fine"),
        ("a \t\n b", "a b"),
        ("a\x00b", "ab"),  # hypothesis found FTS5 reading a NUL as the end of its query
        ("Ωμέγα", "ωμεγα"),
        ("Йод", "иод"),  # the breve is an accent on a Cyrillic letter
        # Other scripts keep their marks: they are part of the letter.
        ("नमस्ते", "नमस्ते"),
        ("がぎ", "がぎ"),
        ("北京", "北京"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_highlight_marks_each_match_in_the_original_text() -> None:
    s, e = HIGHLIGHT_START, HIGHLIGHT_END
    assert highlight("Le Café, CAFE", ["cafe"]) == f"Le {s}Café{e}, {s}CAFE{e}"
    assert highlight("東京タワーへ", ["タワー"]) == f"東京{s}タワー{e}へ"
    assert highlight("a  b\nc", ["a b c"]) == f"{s}a  b\nc{e}"
    assert highlight("abcabc", ["bca", "ab"]) == f"{s}abcab{e}c"
    assert highlight("nothing", ["else"]) == "nothing"
    assert highlight("x", []) == "x"


def test_highlight_marks_a_prefix_only_where_it_begins_a_word() -> None:
    s, e = HIGHLIGHT_START, HIGHLIGHT_END
    text = "Deployed, redeploy “deploy” x-DEPLOY"
    assert highlight(text, [], ["depl"]) == (
        f"{s}Depl{e}oyed, redeploy “{s}depl{e}oy” x-{s}DEPL{e}OY"
    )
    assert highlight("redeploy", ["depl"], ["depl"]) == f"re{s}depl{e}oy"


@pytest.mark.parametrize(
    ("body", "prefix", "begins"),
    [
        ("deployment finished", "depl", True),
        ("we redeploy", "depl", False),
        ("(deploy) and “deploy”", "deploy", True),
        ("x-deploy", "deploy", True),
        ("x_deploy", "deploy", True),
        ("x—deploy", "deploy", True),  # an em dash, U+2014
        ("東京deploy", "deploy", False),  # a Han character is part of a word
        ("café deploy", "deploy", True),
        ("c++ rocks", "c++", True),
        ("abc++", "c++", False),
        ("a.b", "a.b", True),
        ("axb", "a.b", False),  # the prefix's punctuation is itself, not a pattern
        ("дом домашний", "дома", True),
    ],
)
def test_a_prefix_begins_a_word_after_a_separator(body: str, prefix: str, begins: bool) -> None:
    assert begins_word(body, prefix) is begins


@given(st.text(alphabet=st.sampled_from("ab c-é北“क."), max_size=40) | st.text())
def test_each_word_start_of_a_text_is_keyed(text: str) -> None:
    """PostgreSQL asks its GIN index for a prefix's key alone: wherever the prefix begins a
    word of a text, the text's keys hold it."""
    body = fold(text)
    keys = set(boundary_hashes(body))
    for at in range(len(body)):
        prefix = body[at : at + START_BYTES + 2].rstrip()
        if not is_prefix(prefix) or not begins_word(body, prefix):
            continue
        if (key := word_start_hash(prefix)) is not None:
            assert key in keys, prefix


@given(st.text(), st.lists(st.text(min_size=1), max_size=3), st.lists(st.text(min_size=1)))
def test_highlight_only_adds_marks(text: str, needles: list[str], prefixes: list[str]) -> None:
    marked = highlight(text, [fold(n) for n in needles], [fold(p) for p in prefixes])
    assert marked.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "") == text


def test_system_messages_are_not_searchable() -> None:
    assert searchable(None) and searchable("thread_broadcast") and searchable("bot_message")
    assert not searchable("channel_join") and not searchable("tombstone")


def test_a_files_text_is_its_name_and_a_title_that_says_more() -> None:
    assert file_body("Résumé.PDF", "") == "resume.pdf"
    assert file_body("report.pdf", "report.pdf") == "report.pdf"
    assert file_body("q3.xlsx", "Budget  Forecast") == "q3.xlsx budget forecast"


def test_type_names_filetypes_or_kinds_of_them() -> None:
    assert parse("report type:pdf", TODAY).filetypes == ("pdf",)
    assert parse("type:PDF type:png type:pdf", TODAY).filetypes == ("pdf", "png")
    assert parse("type:images", TODAY).filetypes == ("bmp", "gif", "jpg", "png", "svg", "webp")
    assert parse("type:all x", TODAY).filetypes == ()
    assert parse("type:a%b", TODAY).impossible
    assert parse("-type:pdf", TODAY).excluded == ("type:pdf",)


@given(st.text(max_size=200), st.data())
def test_a_phrases_boundary_keys_are_keys_of_every_text_holding_it(
    text: str, data: st.DataObject
) -> None:
    """The index may ask FTS5 for a phrase's keys alone: no text holding it may lack one."""
    body = fold(text)
    start = data.draw(st.integers(0, len(body)))
    phrase = body[start : data.draw(st.integers(start, len(body)))]
    assert set(boundary_keys(phrase)) <= set(boundary_keys(body))


@given(st.text(max_size=200), st.data())
def test_a_phrases_boundary_hashes_are_hashes_of_every_text_holding_it(
    text: str, data: st.DataObject
) -> None:
    """PostgreSQL asks its GIN index for a phrase's hashes alone: the widest window of each
    space of the phrase is a window of the text (its end words reach at least as far there)."""
    body = fold(text)
    start = data.draw(st.integers(0, len(body)))
    phrase = body[start : data.draw(st.integers(start, len(body)))]
    assert set(phrase_hashes(phrase)) <= set(boundary_hashes(body))


def _windows_by_words(body: str, side: int) -> set[bytes]:
    """The windows of a folded text as the rule says them, word by word."""
    words = body.encode("utf-8", "surrogatepass").split(b" ")
    return {
        left[-side:] + b" " + right[:side]
        for left, right in itertools.pairwise(words)
        if len(left) >= side and len(right) >= side
    }


@given(st.text(alphabet=st.sampled_from("ab c\u00e9\u5317 \u0915"), max_size=60) | st.text())
def test_boundary_windows_are_those_of_each_pair_of_words(text: str) -> None:
    """The regexes that find the windows and the words' starts find each space's window,
    overlapping ones included, and each word's first bytes."""
    body = fold(text)
    crcs = {zlib.crc32(w) for side in (3, 5) for w in _windows_by_words(body, side)}
    crcs |= {zlib.crc32(b"\x01" + start) for start in _starts_by_characters(body)}
    assert set(boundary_hashes(body)) == {c - (1 << 32) if c >= 1 << 31 else c for c in crcs}
    threes = _windows_by_words(body, 3)
    assert set(boundary_keys(body)) == {f"k{zlib.crc32(w) % 4096:03x}" for w in threes}


def _separates(char: str) -> bool:
    code = ord(char)
    return (
        (code < 0x80 and not char.isalnum())
        or 0xA0 <= code <= 0xBF
        or 0x2000 <= code <= 0x206F
        or 0x3000 <= code <= 0x303F
    )


def _starts_by_characters(body: str) -> set[bytes]:
    """The first four bytes of each word, as the rule says them, a character at a time."""
    starts = set()
    for at, char in enumerate(body):
        if not _separates(char) and (at == 0 or _separates(body[at - 1])):
            head = body[at : at + 4].encode("utf-8", "surrogatepass")[:4]
            if len(head) == 4:
                starts.add(head)
    return starts


def test_boundary_hashes() -> None:
    # A text's spaces give a key for three bytes a side and, where both words reach, for five;
    # each word its first four bytes (`of a` and `a ca` run into the next word; `cat` has 3).
    assert len(boundary_hashes("raidi shiro")) == 2 + 2
    assert len(boundary_hashes("pode shiro")) == 1 + 2
    assert len(boundary_hashes("of a cat")) == 0 + 2
    # A phrase asks for the widest its words reach: the five-byte window, in rows that hold
    # "raidi shiro" or longer words around it, not "kaidi shiro" (whose three-byte key it is).
    (key,) = phrase_hashes("raidi shiro")
    assert key in boundary_hashes("xraidi shirox")
    assert key not in boundary_hashes("kaidi shiro")
    assert set(phrase_hashes("idi shi")) <= set(boundary_hashes("kaidi shiro"))
    assert len(phrase_hashes("one three fives")) == 2  # 3 bytes at the first space, 5 at the next
    assert all(-(2**31) <= k < 2**31 for k in boundary_hashes("北京 开会 東京タワー いきました"))


def test_boundary_keys() -> None:
    # One per space with three characters (UTF-8 bytes) of a word on each side.
    assert len(boundary_keys("raidi shiro")) == 1
    assert boundary_keys("raidi shiro") == boundary_keys("xraidi shirox")
    assert boundary_keys("raidi shiro") != boundary_keys("raidi shoro")
    assert boundary_keys("of a cat") == []
    assert len(boundary_keys("one two three")) == 2
    assert len(boundary_keys("北京 开会")) == 1  # six bytes each side
    # ASCII words, one token each for FTS5's ascii tokenizer.
    assert all(re.fullmatch("k[0-9a-f]{3}", key) for key in boundary_keys("one two three"))
    assert key_text("of a") == ""
    assert key_text("one two three") == " ".join(boundary_keys("one two three"))
