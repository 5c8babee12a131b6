"""Slack's rate limits: per method per token, chat.postMessage per channel, answered with 429.

Budgets (api/ratelimit.py): Tier 2 lets a burst of 20 through; chat.postMessage lets 10 through
per channel, then about one per second. The tests count calls, never time them, and only ever
wait out the one-second post bucket.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.support.checks import read_log, walk_history
from tests.support.servers import Server, Workspace, make_workspace

TIER_2_BURST = 20
POST_BURST = 10


@pytest.fixture
def ws(limited_server: Server) -> Workspace:
    return make_workspace(limited_server.data_dir)


def _call(server: Server, method: str, token: str, **args: str) -> httpx.Response:
    return httpx.post(
        server.api_url + method,
        data=args,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def _assert_ratelimited(resp: httpx.Response, most_seconds: int) -> int:
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == {"ok": False, "error": "ratelimited"}
    retry_after = resp.headers["Retry-After"]
    assert retry_after.isdigit(), f"Retry-After must be whole seconds, got {retry_after!r}"
    assert 1 <= int(retry_after) <= most_seconds
    return int(retry_after)


def _exhaust(
    server: Server, method: str, token: str, burst: int, **args: str
) -> tuple[int, httpx.Response]:
    """Calls until the first 429; the whole burst must get through before it.

    Returns how many calls were answered ok, and the 429.
    """
    for n in range(burst + 25):  # room for refills on a slow machine
        resp = _call(server, method, token, **args)
        if resp.status_code == 429:
            assert n >= burst, f"limited after {n} calls, before the burst of {burst}"
            return n, resp
        assert resp.status_code == 200 and resp.json()["ok"] is True, resp.text
    raise AssertionError(f"{method} was never limited after {burst + 25} calls")


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Slack's handler, counting the 429s it waited out."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=3)
        self.waits = 0

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        self.waits += 1
        super().prepare_for_next_attempt(**kwargs)


def test_over_the_tier_budget_answers_429_with_retry_after(
    limited_server: Server, ws: Workspace
) -> None:
    _, resp = _exhaust(limited_server, "conversations.list", ws.alice.token, TIER_2_BURST)
    _assert_ratelimited(resp, most_seconds=3)  # Tier 2: 20 a minute, one every 3 s
    # The SDK (no retry handler) raises Slack's error and shows the header.
    sdk = limited_server.client(ws.alice.token)
    with pytest.raises(SlackApiError) as err:
        for _ in range(5):
            sdk.conversations_list()
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert int(err.value.response.headers["Retry-After"]) >= 1


def test_buckets_are_per_method_and_per_token(limited_server: Server, ws: Workspace) -> None:
    _exhaust(limited_server, "conversations.list", ws.alice.token, TIER_2_BURST)
    # Another token, same method: its own budget.
    assert _call(limited_server, "conversations.list", ws.bob.token).json()["ok"] is True
    # Same token, another method of the same tier, and of another tier: their own budgets.
    assert _call(limited_server, "users.list", ws.alice.token).json()["ok"] is True
    assert _call(limited_server, "auth.test", ws.alice.token).json()["ok"] is True
    # Bob's own budget for the method is whole: his burst gets through before his 429.
    _exhaust(limited_server, "conversations.list", ws.bob.token, TIER_2_BURST - 1)


def test_posting_is_limited_per_channel_and_a_refusal_writes_nothing(
    limited_server: Server, ws: Workspace
) -> None:
    alice = limited_server.client(ws.alice.token)
    busy = alice.conversations_create(name="busy")["channel"]["id"]
    quiet = alice.conversations_create(name="quiet")["channel"]["id"]
    log_before = len(read_log(limited_server.data_dir, ws.team_id, busy))

    answered, resp = _exhaust(
        limited_server, "chat.postMessage", ws.alice.token, POST_BURST, channel=busy, text="hi"
    )
    assert _assert_ratelimited(resp, most_seconds=1) == 1
    # Another channel has its own allowance.
    assert _call(
        limited_server, "chat.postMessage", ws.alice.token, channel=quiet, text="hi"
    ).json()["ok"]

    posted = [m for m in walk_history(alice, busy) if m.get("subtype") is None]
    log_after = read_log(limited_server.data_dir, ws.team_id, busy)
    # Only the posts answered ok:true were written; the 429 left no message and no event.
    assert len(posted) == answered
    assert len(log_after) - log_before == answered


def test_sdk_retry_handler_waits_out_the_limit(limited_server: Server, ws: Workspace) -> None:
    alice = limited_server.client(ws.alice.token)
    channel = alice.conversations_create(name="patient")["channel"]["id"]
    _exhaust(
        limited_server, "chat.postMessage", ws.alice.token, POST_BURST, channel=channel, text="x"
    )

    # Slack's RateLimitErrorRetryHandler sleeps Retry-After seconds, then the call succeeds.
    handler = CountingRateLimitHandler()
    patient = limited_server.client(ws.alice.token)
    patient.retry_handlers.append(handler)
    sent: list[str] = []
    while handler.waits == 0 and len(sent) < 5:
        text = f"patient {len(sent)}"
        assert patient.chat_postMessage(channel=channel, text=text)["ok"] is True
        sent.append(text)
    assert handler.waits >= 1, "the server never answered 429 to the patient client"
    texts = [m["text"] for m in walk_history(alice, channel)]
    assert all(texts.count(t) == 1 for t in sent)
