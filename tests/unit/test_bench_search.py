"""The text and queries `hubbub bench search` generates (bench/src/hubbub_bench/searchgen.py)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import orjson

from hubbub.domain.search_query import parse
from hubbub_bench.searchgen import message, queries, vocabulary
from hubbub_bench.searchrun import _load


def test_the_text_follows_zipf_with_some_cjk_and_links() -> None:
    vocab = vocabulary(size=5000)
    rng = random.Random(1)
    texts = [message(vocab, rng, n) for n in range(4000)]
    again = random.Random(1)
    assert texts == [message(vocab, again, n) for n in range(4000)]  # seeded: the same text
    words = Counter(w for t in texts if " " in t for w in t.split())
    ranked = [w for w, _ in words.most_common(3)]
    assert ranked[0] == vocab.words[0]
    assert words[vocab.words[0]] > 5 * words[vocab.words[50]]
    assert sum(" " not in t for t in texts) == 200  # one in twenty
    assert sum("<https://" in t for t in texts) == 80  # one in fifty


def test_every_query_parses_and_each_kind_has_its_count() -> None:
    vocab = vocabulary(size=20_000)
    rng = random.Random(2)
    samples = [message(vocab, rng, n) for n in range(200)]
    asked = queries(vocab, samples, ["chan-0001"], ["person1"], per_kind=4)
    assert all(len(texts) == 4 for texts in asked.by_kind.values())
    for texts in asked.by_kind.values():
        for text in texts:
            assert not parse(text, date(2026, 12, 6)).impossible


def test_a_kept_seed_is_read_back_only_when_there(tmp_path: Path) -> None:
    kept = tmp_path / "sqlite.json"
    assert _load(None) is None
    assert _load(kept) is None
    kept.write_bytes(orjson.dumps({"team_id": "T1", "timing": {"messages": 1000}}))
    assert _load(kept) == {"team_id": "T1", "timing": {"messages": 1000}}
