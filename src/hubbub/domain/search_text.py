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


# Word-boundary keys (docs/search.md, "Phrases"): for each space of a folded text with three
# bytes or more of a word on each side (UTF-8: a phrase that is a substring of a text is one
# byte for byte too), those seven bytes hashed into one of 4,096 keys, written as ASCII words
# (`k0a3`) for SQLite's FTS5 table of keys (search_keys, migration 0020). A phrase is asked of
# it by the keys of its own spaces: the rows holding those seven bytes, and ~3,000 others per
# million messages, where the rows holding its words' trigrams anywhere were tens of thousands.
BOUNDARY_SIDE = 3
_KEYS = tuple(f"k{n:03x}" for n in range(4096))


def boundary_keys(folded: str) -> list[str]:
    """The distinct keys of a folded text's word boundaries, in order. Every key of a phrase is
    a key of each text the phrase is a substring of: a space of the phrase with three bytes on
    each side is a space of the text with the same bytes beside it."""
    keys: dict[str, None] = {}
    left = None
    for word in folded.encode("utf-8", "surrogatepass").split(b" "):
        if left is not None and len(left) >= BOUNDARY_SIDE and len(word) >= BOUNDARY_SIDE:
            seven = left[-BOUNDARY_SIDE:] + b" " + word[:BOUNDARY_SIDE]
            keys[_KEYS[zlib.crc32(seven) % len(_KEYS)]] = None
        left = word
    return list(keys)


def key_text(body: str) -> str:
    """What SQLite's FTS5 table of keys is given for a message's folded text."""
    return " ".join(boundary_keys(body))


def file_body(name: str, title: str) -> str:
    """A file's text as the index holds it: its name and, when it says more, its title
    (search.files matches either; a title is most often the name again)."""
    folded_name, folded_title = fold(name), fold(title)
    if not folded_title or folded_title == folded_name:
        return folded_name
    return f"{folded_name} {folded_title}"


def highlight(text: str, needles: list[str]) -> str:
    """text with every match of a folded needle marked, found by folding text one character at
    a time (so each match maps back to the characters it came from). Overlapping matches are
    marked once, as one span; a needle folding that differs across characters (rare
    compositions) is simply not marked."""
    needles = [n for n in needles if n]
    if not needles or not text:
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
    for needle in needles:
        start = haystack.find(needle)
        while start != -1:
            # From the first original character to the last, white space folded away included.
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
