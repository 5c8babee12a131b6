"""The Events API: url_verification, signed event_callback POSTs, Slack's retries with
X-Slack-Retry-Num and -Reason, and an app that never answers slowing nobody else."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from hubbub.domain.errors import SlackError
from tests.support.apps import make_app
from tests.support.receiver import Received, echo_ok, receiver
from tests.support.servers import Server, Workspace, module_server, module_workspace

FAST = {
    "events_timeout_s": 0.5,
    "events_retry_delays_s": [0.0, 0.3, 0.3],
    "allow_private_outbound": True,
}
SCOPES = ["chat:write", "channels:join", "channels:history"]


server = module_server("events", **FAST)
workspace = module_workspace()


def joined_channel(server: Server, workspace: Workspace, name: str, bot_token: str) -> str:
    channel: str = server.client(workspace.alice.token).conversations_create(name=name)["channel"][
        "id"
    ]
    server.client(bot_token).conversations_join(channel=channel)
    return channel


def about(text: str) -> Any:
    def check(seen: list[Received]) -> list[Received]:
        return [
            r for r in seen if b"event_callback" in r.body and r.json()["event"].get("text") == text
        ]

    return check


def test_url_verification_is_required_of_a_request_url(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        rx.behaviour = lambda _r: (200, {}, b"not the challenge")
        with pytest.raises(SlackError) as refused:
            make_app(server.data_dir, name="Deaf", request_url=rx.url, scopes=SCOPES)
        assert refused.value.code == "url_verification_failed"
        [asked] = rx.seen
        body = asked.json()
        assert body["type"] == "url_verification" and body["challenge"]
        rx.behaviour = echo_ok
        made = make_app(server.data_dir, name="Hearing", request_url=rx.url, scopes=SCOPES)
        assert made.app.request_url == rx.url


def test_events_are_posted_signed_as_slack_does(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Signed", request_url=rx.url, scopes=SCOPES)
        channel = joined_channel(server, workspace, "signed-events", made.bot_token)
        alice = server.client(workspace.alice.token)
        ts = alice.chat_postMessage(channel=channel, text="signed please")["ts"]
        [got] = rx.wait(about("signed please"))
        verifier = SignatureVerifier(made.app.signing_secret)
        assert verifier.is_valid_request(got.body, got.headers)
        assert not SignatureVerifier("wrong" * 6).is_valid_request(got.body, got.headers)
        assert got.headers["Content-Type"] == "application/json"
        assert "X-Slack-Retry-Num" not in got.headers
        body = got.json()
        assert set(body) >= {
            "token",
            "team_id",
            "api_app_id",
            "event",
            "type",
            "event_id",
            "event_time",
            "authorizations",
            "is_ext_shared_channel",
            "event_context",
        }
        assert body["token"] == made.app.verification_token
        assert body["team_id"] == workspace.team_id and body["api_app_id"] == made.app.id
        assert body["type"] == "event_callback" and body["event_id"].startswith("Ev")
        event = body["event"]
        assert event["type"] == "message" and event["channel_type"] == "channel"
        assert (event["channel"], event["ts"], event["user"]) == (
            channel,
            ts,
            workspace.alice.user_id,
        )
        assert body["authorizations"] == [
            {
                "enterprise_id": None,
                "team_id": workspace.team_id,
                "user_id": made.app.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]


def test_only_channels_the_bot_is_in_and_mentions(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Member", request_url=rx.url, scopes=SCOPES)
        alice = server.client(workspace.alice.token)
        outside: str = alice.conversations_create(name="bot-not-here")["channel"]["id"]
        alice.chat_postMessage(channel=outside, text="unheard")
        inside = joined_channel(server, workspace, "bot-here", made.bot_token)
        text = f"<@{made.app.bot_user_id}> look"
        alice.chat_postMessage(channel=inside, text=text)
        rx.wait(lambda seen: len([r for r in seen if text.encode() in r.body]) >= 2)
        kinds = sorted(r.json()["event"]["type"] for r in rx.events() if text.encode() in r.body)
        assert kinds == ["app_mention", "message"]
        ids = {r.json()["event_id"] for r in rx.events()}
        assert len(ids) == len(rx.events()), "every event its own id"
        time.sleep(0.3)
        assert not about("unheard")(rx.seen)


def test_every_app_hearing_an_event_gets_its_id_and_a_retry_keeps_it(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as first, receiver() as second:
        one = make_app(server.data_dir, name="One", request_url=first.url, scopes=SCOPES)
        two = make_app(server.data_dir, name="Two", request_url=second.url, scopes=SCOPES)
        channel = joined_channel(server, workspace, "one-event-id", one.bot_token)
        server.client(two.bot_token).conversations_join(channel=channel)
        failed: list[Received] = []

        def fail_once(request: Received) -> tuple[int, dict[str, str], bytes]:
            if b"same event" in request.body and not failed:
                failed.append(request)
                return 500, {}, b""
            return 200, {}, b""

        second.behaviour = fail_once
        alice = server.client(workspace.alice.token)
        alice.chat_postMessage(channel=channel, text="same event")
        alice.chat_postMessage(channel=channel, text="next event")
        [heard_one] = first.wait(about("same event"))
        tries = second.wait(
            lambda seen: len(about("same event")(seen)) >= 2 and about("same event")(seen)
        )
        assert [r.headers.get("X-Slack-Retry-Num") for r in tries] == [None, "1"]
        ids = {r.json()["event_id"] for r in [heard_one, *tries]}
        assert len(ids) == 1, "one event, one id, for every app and every try"
        [next_one] = first.wait(about("next event"))
        assert next_one.json()["event_id"] not in ids


def test_failures_are_retried_with_slacks_headers(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Flaky", request_url=rx.url, scopes=SCOPES)
        channel = joined_channel(server, workspace, "flaky-events", made.bot_token)
        tries: list[Received] = []

        def flaky(request: Received) -> tuple[int, dict[str, str], bytes]:
            if b"try me" not in request.body:
                return 200, {}, b""
            tries.append(request)
            if len(tries) == 1:
                return 500, {}, b"oops"
            if len(tries) == 2:
                time.sleep(1.0)  # past the timeout
            return 200, {}, b""

        rx.behaviour = flaky
        server.client(workspace.alice.token).chat_postMessage(channel=channel, text="try me")
        rx.wait(lambda seen: len(about("try me")(seen)) >= 3)
        got = about("try me")(rx.seen)
        assert [r.headers.get("X-Slack-Retry-Num") for r in got] == [None, "1", "2"]
        assert [r.headers.get("X-Slack-Retry-Reason") for r in got] == [
            None,
            "http_error",
            "http_timeout",
        ]
        assert len({r.json()["event_id"] for r in got}) == 1
        time.sleep(0.8)
        assert len(about("try me")(rx.seen)) == 3, "a 2xx ends it"


def test_no_retry_header_and_a_hanging_app_slows_nobody(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as hung, receiver() as prompt:
        slow = make_app(server.data_dir, name="Hung", request_url=hung.url, scopes=SCOPES)
        fast = make_app(server.data_dir, name="Prompt", request_url=prompt.url, scopes=SCOPES)
        channel = joined_channel(server, workspace, "hung-events", slow.bot_token)
        server.client(fast.bot_token).conversations_join(channel=channel)

        def hang(request: Received) -> tuple[int, dict[str, str], bytes]:
            if b"event_callback" in request.body:
                time.sleep(2.0)
            return 200, {}, b""

        hung.behaviour = hang
        alice = server.client(workspace.alice.token)
        for i in range(5):
            sent = time.monotonic()
            alice.chat_postMessage(channel=channel, text=f"burst {i}")
            [got] = prompt.wait(about(f"burst {i}"))
            assert got.at - sent < 1.0, "the other app waits for none of the hung one's tries"
        # Every try of the hung app's events came: first, and the retries, none lost.
        hung.wait(lambda seen: len(about("burst 0")(seen)) == 4, timeout=15)

    with receiver() as refusing:
        refusing.behaviour = lambda r: (
            (500, {"X-Slack-No-Retry": "1"}, b"") if b"event_callback" in r.body else echo_ok(r)
        )
        made = make_app(server.data_dir, name="No Retry", request_url=refusing.url, scopes=SCOPES)
        channel = joined_channel(server, workspace, "no-retry", made.bot_token)
        alice.chat_postMessage(channel=channel, text="once only")
        refusing.wait(about("once only"))
        time.sleep(1.0)
        assert len(about("once only")(refusing.seen)) == 1
