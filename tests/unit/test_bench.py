"""The pure parts of `hubbub bench`: percentiles, summaries, the result document, request bodies."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs

import orjson
import pytest

from hubbub_bench.cpu import cpu_use
from hubbub_bench.load import is_invalid, parse_args, request_body
from hubbub_bench.stats import percentile, post_result, summarise


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_summary_counts_rate_over_the_window() -> None:
    side = summarise([3.0, 1.0, 2.0, 4.0], errors=1, window_s=2.0, error_samples=["x"] * 9)
    assert side["requests"] == 4
    assert side["posts_per_s"] == 2.0
    assert (side["p50_ms"], side["p99_ms"], side["max_ms"]) == (2.0, 4.0, 4.0)
    assert side["mean_ms"] == 2.5
    assert side["errors"] == 1
    assert len(side["error_samples"]) == 5
    empty = summarise([], errors=0, window_s=1.0)
    assert empty["posts_per_s"] == 0.0 and empty["max_ms"] == 0.0


def test_result_document_shape() -> None:
    ceiling = summarise([1.0] * 1000, errors=0, window_s=1.0)
    hubbub = summarise([2.0] * 450, errors=0, window_s=1.0)
    result = post_result(
        ceiling=ceiling,
        hubbub=hubbub,
        settings={"connections": 32},
        ok_answers=500,
        stored=500,
        started_at="2024-01-01T00:00:00Z",
    )
    assert result["scenario"] == "post"
    assert result["ratio"] == 0.45
    assert result["meets_target"] is True
    assert result["durable_check"] is True
    assert result["noisy"] is False
    assert set(result) >= {"settings", "ceiling", "hubbub", "durability", "target_ratio"}
    for side in ("ceiling", "hubbub"):
        assert {"posts_per_s", "p50_ms", "p99_ms", "max_ms", "errors"} <= set(result[side])
    orjson.dumps(result)  # JSON all the way down
    lost = post_result(
        ceiling=ceiling,
        hubbub=hubbub,
        settings={},
        ok_answers=500,
        stored=499,
        started_at="",
    )
    assert lost["durable_check"] is False
    busy = post_result(
        ceiling={**ceiling, "cpu_pct": {"other": 80.0}},
        hubbub=hubbub,
        settings={},
        ok_answers=1,
        stored=1,
        started_at="",
    )
    assert busy["noisy"] is True


def test_request_bodies_are_what_slack_sdk_sends() -> None:
    body, content_type = request_body("json", "C1", "hi & bye")
    assert content_type.startswith("application/json")
    assert orjson.loads(body) == {"channel": "C1", "text": "hi & bye"}
    body, content_type = request_body("form", "C1", "hi & bye")
    assert content_type == "application/x-www-form-urlencoded"
    assert parse_qs(body.decode()) == {"channel": ["C1"], "text": ["hi & bye"]}


def test_cpu_use_in_per_cent_of_one_core() -> None:
    before = {"machine": 10.0, "server": 1.0, "client": 2.0}
    after = {"machine": 13.0, "server": 2.0, "client": 3.5}
    use = cpu_use(before, after, 2.0)
    assert use == {"machine": 150.0, "server": 50.0, "client": 75.0, "other": 25.0}
    assert cpu_use(None, after, 2.0) == {}


def test_invalid_posts_are_the_percent_asked_for_spread_evenly() -> None:
    marked = [i for i in range(1000) if is_invalid(i, 10)]
    assert len(marked) == 100
    assert all(b - a == 10 for a, b in pairwise(marked))
    assert not any(is_invalid(i, 0) for i in range(100))
    assert all(is_invalid(i, 100) for i in range(100))


def test_the_load_generator_posts_the_texts_it_is_given(tmp_path: Path) -> None:
    texts = tmp_path / "texts.json"
    texts.write_bytes(orjson.dumps(["first", "second"]))
    base = ["--url", "http://127.0.0.1:1", "--token", "t", "--channel", "C1"]
    assert parse_args([*base, "--texts", str(texts)]).texts_list == ["first", "second"]
    assert parse_args(base).texts_list == []
    for bad in (b"[]", b"[1, 2]", b"{}", b"not json"):
        texts.write_bytes(bad)
        with pytest.raises(SystemExit):
            parse_args([*base, "--texts", str(texts)])
