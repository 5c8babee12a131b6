"""The text `hubbub bench search` writes and the queries it asks: pure, seeded, no I/O.

Words follow Zipf's law as in real text (rank r is used in proportion to 1/r^1.07), over a
vocabulary of made-up words of 2-4 syllables; one message in twenty is Chinese or Japanese, from
a vocabulary of two-character words written without spaces, as those languages are; one in fifty
carries a link.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

SYLLABLES = [
    c + v
    for c in ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "tr")
    for v in ("a", "e", "i", "o", "u", "ai", "ou")
]
CJK = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自可而后之"
KANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
)
ZIPF_S = 1.07


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    cumulative: tuple[float, ...]  # Zipf weights, summed
    cjk: tuple[str, ...]

    def word(self, rng: random.Random) -> str:
        point = rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, point)]


def vocabulary(size: int = 50_000, seed: int = 19) -> Vocabulary:
    rng = random.Random(seed)
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = (1 / (rank**ZIPF_S) for rank in range(1, size + 1))
    cumulative = tuple(itertools.accumulate(weights))
    characters = CJK + KANA
    cjk = tuple(sorted({rng.choice(characters) + rng.choice(characters) for _ in range(3000)}))
    return Vocabulary(tuple(words), cumulative, cjk)


def message(vocab: Vocabulary, rng: random.Random, n: int) -> str:
    """The n-th message's text."""
    if n % 20 == 7:
        return "".join(rng.choice(vocab.cjk) for _ in range(rng.randint(4, 15)))
    words = [vocab.word(rng) for _ in range(rng.randint(3, 25))]
    if n % 50 == 3:
        words.append(f"<https://example.com/{words[0]}|{words[-1]}>")
    return " ".join(words)


@dataclass(frozen=True)
class Queries:
    """Per kind, the queries to time."""

    by_kind: dict[str, list[str]]


def queries(
    vocab: Vocabulary,
    samples: list[str],
    channels: list[str],
    people: list[str],
    per_kind: int,
    seed: int = 7,
) -> Queries:
    """samples: texts that were written (phrases come from them)."""
    rng = random.Random(seed)
    common = vocab.words[:20]
    middle = vocab.words[200:2000]
    rare = vocab.words[10_000:]
    latin = [s for s in samples if " " in s]
    cjk = [s for s in samples if " " not in s]

    def phrase() -> str:
        words = rng.choice(latin).split()
        start = rng.randrange(max(1, len(words) - 2))
        return '"' + " ".join(words[start : start + 2]) + '"'

    def pick(options: tuple[str, ...] | list[str]) -> str:
        return rng.choice(options)

    kinds: dict[str, Callable[[], str]] = {
        "word_common": lambda: pick(common),
        "word_middle": lambda: pick(middle),
        "word_rare": lambda: pick(rare),
        "two_words": lambda: f"{pick(middle)} {pick(common)}",
        "phrase": phrase,
        "prefix": lambda: pick(middle)[:4] + "*",
        "excluded": lambda: f"{pick(middle)} -{pick(common)}",
        "in_channel": lambda: f"{pick(middle)} in:#{pick(channels)}",
        "in_channel_only": lambda: f"in:#{pick(channels)}",
        "from_person": lambda: f"{pick(common)} from:@{pick(people)}",
        "during_month": lambda: f"{pick(middle)} during:month",
        "has_link": lambda: f"{pick(common)} has:link",
        "cjk_two_chars": lambda: pick(cjk)[:2],
        "cjk_three_chars": lambda: pick(cjk)[1:4],
        "sort_timestamp": lambda: pick(common),
    }
    return Queries({kind: [make() for _ in range(per_kind)] for kind, make in kinds.items()})
