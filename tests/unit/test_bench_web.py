"""The pure parts of `hubbub bench web`: byte accounting, timings, the result, the seed's text."""

from __future__ import annotations

import itertools
import random
from typing import Any

from hubbub_bench.webseed import authors_in_turn, message_text
from hubbub_bench.webstats import Transfer, kind_of, timing_summary, web_result, wire_summary

BASE = "http://127.0.0.1:9"


def test_kinds_are_static_api_and_socket() -> None:
    assert kind_of(Transfer(BASE + "/client/T1/C1", 1, 0.0)) == "static"
    assert kind_of(Transfer(BASE + "/static/app.js?v=1", 1, 0.0)) == "static"
    assert kind_of(Transfer(BASE + "/api/conversations.history", 1, 0.0)) == "api"
    assert kind_of(Transfer(BASE + "/apidocs", 1, 0.0)) == "static"
    assert kind_of(Transfer("ws://127.0.0.1:9/api/rtm", 1, 0.0, socket=True)) == "socket"


def test_wire_counts_what_finished_by_the_cutoff() -> None:
    transfers = [
        Transfer(BASE + "/client/T1/C1", 2_000, 1.0),
        Transfer(BASE + "/static/app.js", 30_000, 1.1),
        Transfer(BASE + "/api/conversations.history", 50_000, 1.3),
        Transfer("ws://x/rtm", 300, 1.35, socket=True),
        Transfer("ws://x/rtm", 700, 1.4, socket=True),
        Transfer(BASE + "/api/users.list", 90_000, 1.6),  # after the message showed
    ]
    summary = wire_summary(transfers, cutoff=1.5)
    assert summary["total"] == 83_000
    assert (summary["static"], summary["api"], summary["socket"]) == (32_000, 50_000, 1_000)
    assert (summary["requests"], summary["frames"], summary["not_counted"]) == (3, 2, 1)
    assert [(e["url"], e["bytes"]) for e in summary["largest"]] == [
        (BASE + "/api/conversations.history", 50_000),
        (BASE + "/static/app.js", 30_000),
        (BASE + "/client/T1/C1", 2_000),
        ("ws://x/rtm", 1_000),  # a socket's frames together
    ]
    assert wire_summary(transfers, cutoff=None)["total"] == 173_000


def test_the_same_url_twice_is_two_requests_and_top_limits_the_list() -> None:
    transfers = [Transfer(BASE + "/api/users.info", n, 1.0) for n in (10, 30, 20)]
    summary = wire_summary(transfers, cutoff=None, top=2)
    assert summary["requests"] == 3
    assert [e["bytes"] for e in summary["largest"]] == [30, 20]


def test_timings_are_median_and_max() -> None:
    assert timing_summary([300.0, 100.0, 250.04, 900.0, 120.0]) == {
        "runs": 5,
        "median_ms": 250.0,
        "max_ms": 900.0,
        "min_ms": 100.0,
    }
    assert timing_summary([1.0, 3.0])["median_ms"] == 2.0
    assert timing_summary([])["median_ms"] is None


def _load(shown: float | None, total: int) -> dict[str, Any]:
    return {"shown_ms": shown, "wire": {"total": total}}


def _result(cold: list[dict[str, Any]], error: str | None = None) -> dict[str, Any]:
    warm = [_load(80.0, 1_000)]
    return web_result(
        cold=cold, warm=warm, warmup=None, settings={}, seed={}, started_at="t", error=error
    )


def test_targets_are_judged_on_the_cold_loads() -> None:
    result = _result([_load(700.0, 150_000), _load(1200.0, 190_000), _load(800.0, 160_000)])
    assert result["scenario"] == "web"
    assert result["cold"]["median_ms"] == 800.0
    assert result["cold"]["max_bytes"] == 190_000
    assert result["warm"]["median_ms"] == 80.0
    assert result["targets"]["meets_shown"] is True
    assert result["targets"]["meets_bytes"] is True

    slow_and_heavy = _result([_load(1100.0, 150_000), _load(900.0, 250_000)])
    assert slow_and_heavy["targets"]["meets_shown"] is False
    assert slow_and_heavy["targets"]["meets_bytes"] is False


def test_no_message_shown_judges_nothing() -> None:
    result = _result([], error="the client never showed a message within 15 s")
    assert result["targets"]["meets_shown"] is None
    assert result["targets"]["meets_bytes"] is None
    assert result["cold"]["runs"] == 0
    assert result["error"].startswith("the client never showed")


def test_seed_text_is_mrkdwn_of_known_people_and_channels() -> None:
    users, channels = ["U1", "U2"], ["C1"]
    rng = random.Random(1)
    texts = [message_text(rng, users, channels) for _ in range(300)]
    again = random.Random(1)
    assert [message_text(again, users, channels) for _ in range(300)] == texts  # reproducible
    joined = " ".join(texts)
    for needle in ("<@U1>", "<#C1>", "```", ":", "*", "<https://"):
        assert needle in joined
    assert "{" not in joined  # every placeholder filled


def test_authors_often_post_twice_in_a_row_and_a_few_talk_most() -> None:
    authors = [f"U{n}" for n in range(200)]
    order = authors_in_turn(random.Random(2), authors, 10_000)
    assert len(order) == 10_000 and set(order) <= set(authors)
    repeats = sum(a == b for a, b in itertools.pairwise(order))
    assert 0.3 < repeats / len(order) < 0.5
    top = sum(1 for a in order if a in authors[:10])
    assert top > len(order) / 3
