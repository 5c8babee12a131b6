"""The text search compares: one folding for what is indexed and what is asked, and the marks
a highlighted match gets (docs/search.md). No I/O here.

Folding makes `Café`, `CAFE` and `café` one text: NFKC (full-width and compatibility forms to
their plain letters), case folding, and the removal of the accents that sit on Latin, Greek and
Cyrillic letters. Only those accents go: a Devanagari vowel sign or a Japanese voicing mark is
part of the letter, and removing it would make different words one. White space runs become
one space, so a phrase matches across line breaks.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence

from hubbub.domain.links import find_links

# Slack's highlight marks, around each match when `highlight` is asked for.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"

# Combining marks that are accents on Latin, Greek and Cyrillic letters (the blocks SQLite's
# unicode61 tokenizer strips with remove_diacritics), and nothing of other scripts.
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SPACES = re.compile(r"\s+")
# Subtypes whose text the system wrote (joins, topic changes, ...) or that stand for nothing
# (a deleted parent's tombstone): never indexed, so never found.
UNSEARCHABLE_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "tombstone",
    }
)


def searchable(subtype: str | None) -> bool:
    """Whether a message of this subtype belongs in the index."""
    return subtype not in UNSEARCHABLE_SUBTYPES


def has_link(text: str) -> bool:
    """Whether the text holds a web link, as `has:link` asks (mentions are no links)."""
    return "://" in text and bool(find_links(text, 1))


def fold(text: str) -> str:
    """The text as the index holds it and as a query's terms are compared with it."""
    # NUL ends a string in SQLite's C code: FTS5 would read a query holding one as cut short.
    text = text.replace("\x00", "")
    if text.isascii():
        # Most messages: lower-casing is all of NFKC, case folding and accent removal here,
        # at a hundredth of their cost (the index is written in every post's transaction).
        lowered = text.lower()
        if lowered.isprintable() and "  " not in lowered:
            # No white space but single spaces (the others of ASCII are control characters,
            # not printable): the substitution would change nothing, at most of fold's cost.
            return lowered
        return _SPACES.sub(" ", lowered)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFD", text)
    text = unicodedata.normalize("NFC", _ACCENTS.sub("", text))
    return _SPACES.sub(" ", text)


# Word-boundary keys (docs/search.md, "Phrases"): a window of a folded text across one of its
# spaces, `side` bytes of a word on each side (UTF-8: a phrase that is a substring of a text is
# one byte for byte too), hashed. A phrase is asked of the index by the keys of its own spaces:
# the rows holding those windows, where the rows holding its words' trigrams anywhere were tens
# of thousands. SQLite's FTS5 table of keys (search_keys, migration 0020) takes 3-byte sides
# hashed into one of 4,096 keys written as ASCII words (`k0a3`); PostgreSQL's GIN index of
# search_docs.boundary_keys (migration 0025) takes 3- and 5-byte sides as 32-bit integers,
# since a boundary of two common syllables (`iro tra`) is in tens of thousands of rows where
# five bytes a side (`shiro trair`) are in hundreds.
BOUNDARY_SIDE = 3
_KEYS = tuple(f"k{n:03x}" for n in range(4096))
HASHED_SIDES = (3, 5)


# Each window of one side, found by the regex engine (a lookahead, so that windows overlapping
# a word of fewer than 2 * side bytes are all found): a third of the cost of splitting the text
# into words in Python, in every post's transaction.
_WINDOW_OF_SIDE = {
    side: re.compile(rb"(?=([^ ]{%d} [^ ]{%d}))" % (side, side))
    for side in (BOUNDARY_SIDE, *HASHED_SIDES)
}


def _encoded(folded: str) -> bytes:
    return folded.encode("utf-8", "surrogatepass")


def _windows(folded: str, sides: tuple[int, ...]) -> list[bytes]:
    """Every window of the folded text's spaces, of each side that both words reach."""
    raw = _encoded(folded)
    return [window for side in sides for window in _WINDOW_OF_SIDE[side].findall(raw)]


def _widest_windows(phrase: str, sides: tuple[int, ...]) -> list[bytes]:
    """At each space of the folded phrase, the window of the widest side both words reach."""
    windows: list[bytes] = []
    left = None
    for word in _encoded(phrase).split(b" "):
        if left is not None:
            widest = max((s for s in sides if len(left) >= s and len(word) >= s), default=0)
            if widest:
                windows.append(left[-widest:] + b" " + word[:widest])
        left = word
    return windows


def boundary_keys(folded: str) -> list[str]:
    """SQLite's keys of a folded text (or of a phrase: the same), in order. Every key of a
    phrase is a key of each text the phrase is a substring of: a space of the phrase with three
    bytes on each side is a space of the text with the same bytes beside it."""
    found = (_KEYS[zlib.crc32(w) % len(_KEYS)] for w in _windows(folded, (BOUNDARY_SIDE,)))
    return list(dict.fromkeys(found))


def key_text(body: str) -> str:
    """What SQLite's FTS5 table of keys is given for a message's folded text."""
    return " ".join(boundary_keys(body))


def boundary_hashes(folded: str) -> list[int]:
    """PostgreSQL's keys of a message's folded text: each window of each of HASHED_SIDES, and
    the first START_BYTES of each word (word_start_hash)."""
    windows = (_hashed(w) for w in _windows(folded, HASHED_SIDES))
    starts = (_hashed(_START + s) for s in _word_starts(folded))
    return list(dict.fromkeys((*windows, *starts)))


def phrase_hashes(phrase: str) -> list[int]:
    """PostgreSQL's keys of a folded phrase: at each space, the window of the widest side both
    of its words reach. The phrase's first word may end a longer word of the text and its last
    begin one, but each reaches at least as far in the text as in the phrase, so the text has
    that window too (boundary_hashes keeps every side)."""
    return list(dict.fromkeys(_hashed(w) for w in _widest_windows(phrase, HASHED_SIDES)))


# Words' beginnings (docs/search.md, "Prefixes"): `deploy*` finds a word that begins so, as
# Slack's search does. A word is a run of characters none of which separate words: ASCII's
# white space, punctuation and symbols, the Latin-1 ones (U+00A0-U+00BF), general punctuation
# (U+2000-U+206F: typographic quotes and dashes) and CJK punctuation (U+3000-U+303F). One table
# of ranges makes the class of PostgreSQL's and Python's regular expressions (written with \u
# escapes, which both read alike) and of SQLite's GLOB, so the stores find the same words.
_SEPARATOR_RANGES = (
    (0x01, 0x2F),
    (0x3A, 0x40),
    (0x5B, 0x60),
    (0x7B, 0x7F),
    (0xA0, 0xBF),
    (0x2000, 0x206F),
    (0x3000, 0x303F),
)
SEPARATORS = "[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _SEPARATOR_RANGES) + "]"
_GLOB_SEPARATORS = "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _SEPARATOR_RANGES) + "]"
_GLOB_SPECIAL = str.maketrans({"*": "[*]", "?": "[?]", "[": "[[]"})
# Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar): a
# prefix holding one of their characters has no word start to find, and is a substring.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff]"
)
# PostgreSQL asks its GIN index of boundary_keys for the rows with a word beginning with a
# prefix's first START_BYTES (UTF-8), where its trigram index handed over every row holding
# the prefix's trigrams anywhere (`zaiz*`: 91,000 rows at 1M messages for 4,000 matches).
START_BYTES = 4
_START = b"\x01"  # sets a word start's key apart from a window's
_WORD_START = re.compile(f"(?:^|(?<={SEPARATORS}))(?!{SEPARATORS})(?=(.{{1,{START_BYTES}}}))", re.S)


def is_prefix(word: str) -> bool:
    """Whether a folded word written with `*` can begin a word: it starts with a word's
    character and holds none of a script written without spaces (else it is a substring)."""
    return bool(word) and re.match(SEPARATORS, word) is None and not _UNSPACED.search(word)


def begins_word(folded: str, prefix: str) -> bool:
    """Whether a word of the folded text begins with the prefix: the rule, as the stores'
    checks (word_start_pattern on PostgreSQL, the GLOB steps on SQLite) must apply it."""
    return re.search(word_start_pattern(prefix), folded) is not None


def word_start_pattern(prefix: str) -> str:
    """The regular expression, in the syntax Python's re and PostgreSQL's share, of the prefix
    at a word's beginning: ASCII's punctuation escaped, the rest as written."""
    escaped = "".join("\\" + c if c.isascii() and not c.isalnum() else c for c in prefix)
    return f"(^|{SEPARATORS}){escaped}"


def word_start_globs(prefix: str) -> tuple[str, str]:
    """SQLite's GLOB patterns of word starts: one character that separates words, and the
    prefix after one anywhere in a text (search_statements.py `_word_start`)."""
    return _GLOB_SEPARATORS, f"*{_GLOB_SEPARATORS}{prefix.translate(_GLOB_SPECIAL)}*"


def word_start_hash(prefix: str) -> int | None:
    """PostgreSQL's key of a prefix: its first START_BYTES, as boundary_hashes keys each word;
    None for a shorter prefix (its trigrams are asked instead)."""
    raw = _encoded(prefix)
    return _hashed(_START + raw[:START_BYTES]) if len(raw) >= START_BYTES else None


def _word_starts(folded: str) -> list[bytes]:
    """The first START_BYTES of each word of the folded text (none where fewer are left)."""
    heads = (_encoded(m.group(1))[:START_BYTES] for m in _WORD_START.finditer(folded))
    return [h for h in heads if len(h) == START_BYTES]


def _hashed(window: bytes) -> int:
    """A window as PostgreSQL's int4: CRC-32, made signed."""
    value = zlib.crc32(window)
    return value - (1 << 32) if value >= 1 << 31 else value


def file_body(name: str, title: str) -> str:
    """A file's text as the index holds it: its name and, when it says more, its title
    (search.files matches either; a title is most often the name again)."""
    folded_name, folded_title = fold(name), fold(title)
    if not folded_title or folded_title == folded_name:
        return folded_name
    return f"{folded_name} {folded_title}"


def highlight(text: str, needles: Sequence[str], prefixes: Sequence[str] = ()) -> str:
    """text with every match of a folded needle marked, and of a prefix where it begins a
    word, found by folding text one character at a time (so each match maps back to the
    characters it came from). Overlapping matches are marked once, as one span; a needle
    folding that differs across characters (rare compositions) is simply not marked."""
    found: list[tuple[str, re.Pattern[str] | None]] = [(n, None) for n in needles if n]
    found += [(p, re.compile(word_start_pattern(p))) for p in prefixes if p]
    if not found or not text:
        return text
    folded: list[str] = []
    origin: list[int] = []  # for each folded character, the index of its original one
    for index, char in enumerate(text):
        if char.isspace():
            # A run of white space is one space, as fold() makes it.
            if not folded or folded[-1] != " ":
                folded.append(" ")
                origin.append(index)
            continue
        for piece in fold(char):
            folded.append(piece)
            origin.append(index)
    haystack = "".join(folded)
    marked = [False] * len(text)
    for needle, at_word_start in found:
        start = haystack.find(needle)
        while start != -1:
            if at_word_start is None or at_word_start.match(haystack, max(start - 1, 0)):
                # From the first original character to the last, folded white space included.
                for index in range(origin[start], origin[start + len(needle) - 1] + 1):
                    marked[index] = True
            start = haystack.find(needle, start + 1)
    if not any(marked):
        return text
    out: list[str] = []
    inside = False
    for char, mark in zip(text, marked, strict=True):
        if mark and not inside:
            out.append(HIGHLIGHT_START)
        elif not mark and inside:
            out.append(HIGHLIGHT_END)
        inside = mark
        out.append(char)
    if inside:
        out.append(HIGHLIGHT_END)
    return "".join(out)
