"""A slack_bolt App served over HTTP (bolt's own development server) with signature
verification on: hubbub's url_verification, events and slash commands reach it, its say(),
ack() and respond() show up in conversations.history; bad signatures are refused by bolt."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.support.apps import (
    BOT_SCOPES,
    async_bolt_app,
    bolt_app,
    bolt_over_http,
    make_app,
    update_app,
)
from tests.support.receiver import Received, echo_ok, receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, free_port, module_server, module_workspace
from tests.support.waiting import until, wait_for

FAST = {"events_timeout_s": 3.0, "events_retry_delays_s": [0.0, 0.3, 0.3]}


server = module_server("bolt-http", allow_private_outbound=True, **FAST)
workspace = module_workspace()


def sign(secret: str, stamp: int, body: bytes) -> str:
    base = f"v0:{stamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def test_bolt_over_the_events_api(server: Server, workspace: Workspace) -> None:
    made = make_app(server.data_dir, name="Bolt Http", scopes=BOT_SCOPES)
    app = bolt_app(server, made, signed=True)
    heard: list[str] = []

    @app.message("hello")
    def hello(message: dict[str, Any], say: Any) -> None:
        heard.append(message["text"])
        say(text="hello over http", thread_ts=message["ts"])

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Any) -> None:
        say(text="mentioned over http", thread_ts=event["ts"])

    @app.command("/forecast")
    def forecast(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack(text=f"checking {command['text']}")
        respond(response_type="in_channel", text=f"rain in {command['text']}")
        respond(text="only for you")  # ephemeral: never in history

    with bolt_over_http(app) as url:
        # The request URL is verified by bolt itself, verification on: hubbub signs right.
        update_app(
            server.data_dir,
            workspace.domain,
            made.app.id,
            request_url=url,
            events=["message.channels", "app_mention"],
            commands=["/forecast"],
        )
        alice = server.client(workspace.alice.token)
        channel: str = alice.conversations_create(name="bolt-http")["channel"]["id"]
        server.client(made.bot_token).conversations_join(channel=channel)
        asked = alice.chat_postMessage(channel=channel, text="hello bolt")["ts"]
        called = alice.chat_postMessage(channel=channel, text=f"<@{made.app.bot_user_id}> hi")

        def bot_replies(ts: str) -> list[str]:
            found = alice.conversations_replies(channel=channel, ts=ts)["messages"]
            return [m["text"] for m in found if m.get("bot_id") == made.app.bot_id]

        assert wait_for(lambda: bot_replies(asked)) == ["hello over http"]
        assert wait_for(lambda: bot_replies(called["ts"])) == ["mentioned over http"]
        assert heard == ["hello bolt"], "each event once: nothing retried after bolt's 200"

        answer = alice.api_call(
            "chat.command", json={"channel": channel, "command": "/forecast", "text": "Oslo"}
        )
        assert answer["response"]["text"] == "checking Oslo"

        def in_history() -> list[dict[str, Any]]:
            found = alice.conversations_history(channel=channel)["messages"]
            return [m for m in found if m["text"].startswith("rain in")]

        [shown] = wait_for(in_history)
        assert shown["text"] == "rain in Oslo" and shown["bot_id"] == made.app.bot_id
        texts = [m["text"] for m in alice.conversations_history(channel=channel)["messages"]]
        assert "only for you" not in texts and "checking Oslo" not in texts

        # Bolt refuses what is not signed with the app's secret, or signed long ago.
        body = orjson.dumps({"type": "event_callback", "event": {"type": "message"}})
        now = int(time.time())
        for stamp, secret in ((now, "not-the-secret"), (now - 600, made.app.signing_secret)):
            refused = httpx.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Slack-Request-Timestamp": str(stamp),
                    "X-Slack-Signature": sign(secret, stamp, body),
                },
            )
            assert refused.status_code == 401


def test_unknown_command_and_a_command_nobody_answers(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="commands-bad")["channel"]["id"]
    unknown = httpx.post(
        server.api_url + "chat.command",
        headers={"Authorization": f"Bearer {workspace.alice.token}"},
        data={"channel": channel, "command": "/nosuch"},
    ).json()
    assert unknown == {"ok": False, "error": "invalid_command", "command": "/nosuch"}
    made = make_app(server.data_dir, name="Away", socket_mode=True, commands=["/away"])
    assert made.app.commands[0].url is None
    timed_out = httpx.post(
        server.api_url + "chat.command",
        headers={"Authorization": f"Bearer {workspace.alice.token}"},
        data={"channel": channel, "command": "/away", "text": "x"},
        timeout=30,
    ).json()
    assert timed_out == {"ok": False, "error": "operation_timeout"}
    # A response URL of nobody's.
    bad = httpx.post(server.url + "/commands/Tnope.x", json={"text": "x"})
    assert bad.status_code == 404


def test_a_response_url_serves_five_times(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Five", request_url=rx.url, scopes=BOT_SCOPES, commands=["/five"]
        )
        alice = server.client(workspace.alice.token)
        channel: str = alice.conversations_create(name="five-uses")["channel"]["id"]
        answer = alice.api_call(
            "chat.command", json={"channel": channel, "command": "/five", "text": "go"}
        )
        assert answer["response"] == {}
        form = parse_qs(rx.seen[-1].body.decode())
        assert rx.seen[-1].headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert SignatureVerifier(made.app.signing_secret).is_valid_request(
            rx.seen[-1].body, rx.seen[-1].headers
        )
        assert {k: v[0] for k, v in form.items() if k not in ("response_url", "trigger_id")} == {
            "token": made.app.verification_token,
            "team_id": workspace.team_id,
            "team_domain": workspace.domain,
            "channel_id": channel,
            "channel_name": "five-uses",
            "user_id": workspace.alice.user_id,
            "user_name": "alice",
            "command": "/five",
            "text": "go",
            "api_app_id": made.app.id,
            "is_enterprise_install": "false",
        }
        url = form["response_url"][0]
        assert url.startswith(server.url + "/commands/")
        for i in range(5):
            posted = httpx.post(url, json={"response_type": "in_channel", "text": f"n{i}"})
            assert posted.status_code == 200, posted.text
        assert httpx.post(url, json={"text": "six"}).json()["error"] == "expired_url"
        found = alice.conversations_history(channel=channel)["messages"]
        texts = [m["text"] for m in found]
        assert [t for t in texts if t.startswith("n")] == ["n4", "n3", "n2", "n1", "n0"]
        # The first answer in the channel shows the invocation too; the next ones do not.
        assert texts[texts.index("n0") + 1] == "/five go"
        assert texts.count("/five go") == 1
        assert found[texts.index("/five go")]["user"] == workspace.alice.user_id


def test_an_answer_in_the_channel_shows_the_command_that_asked(
    server: Server, workspace: Workspace
) -> None:
    """Slack: with response_type in_channel, both the answer and the person's `/cmd text` are
    shared in the channel; an ephemeral answer shows neither to the others."""
    with receiver() as rx:
        make_app(
            server.data_dir, name="Loud", request_url=rx.url, scopes=BOT_SCOPES, commands=["/loud"]
        )

        def answer(request: Received) -> tuple[int, dict[str, str], bytes]:
            if b"command=%2Floud" not in request.body:
                return echo_ok(request)
            asked = parse_qs(request.body.decode())["text"][0]
            kind = "ephemeral" if asked == "quietly" else "in_channel"
            body = orjson.dumps({"response_type": kind, "text": f"answer to {asked}"})
            return 200, {"Content-Type": "application/json"}, body

        rx.behaviour = answer
        alice = server.client(workspace.alice.token)
        channel: str = alice.conversations_create(name="loud-commands")["channel"]["id"]
        for text in ("quietly", "for all <@U123>"):
            alice.api_call(
                "chat.command", json={"channel": channel, "command": "/loud", "text": text}
            )
        found = alice.conversations_history(channel=channel)["messages"]
        shown = [(m["text"], m.get("bot_id") is None) for m in found if m.get("subtype") is None]
        assert shown == [
            ("answer to for all <@U123>", False),
            ("/loud for all <@U123>", True),
        ]
        assert found[1]["user"] == workspace.alice.user_id
        # A later answer through the response URL, in the channel too, replacing the immediate
        # one: no second echo.
        url = parse_qs(rx.seen[-1].body.decode())["response_url"][0]
        later = {"response_type": "in_channel", "text": "and more", "replace_original": True}
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            assert httpx.post(url, json=later).status_code == 200
            # The replaced answer is deleted as any message is, naming what it was.
            gone = socket.until(of_type("message", subtype="message_deleted"))[-1]
            assert gone["deleted_ts"] == found[0]["ts"]
            assert gone["previous_message"]["text"] == "answer to for all <@U123>"
        texts = [m["text"] for m in alice.conversations_history(channel=channel)["messages"]]
        assert texts[0] == "and more" and texts.count("/loud for all <@U123>") == 1
        assert "answer to for all <@U123>" not in texts


def test_async_bolt_over_the_events_api(server: Server, workspace: Workspace) -> None:
    """AsyncApp's own aiohttp server, verification on, answering in a thread."""
    made = make_app(server.data_dir, name="Bolt Aio", scopes=BOT_SCOPES)
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name="bolt-aio")["channel"]["id"]
    server.client(made.bot_token).conversations_join(channel=channel)
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"

    async def main() -> list[str]:
        app = async_bolt_app(server, made, signed=True)

        @app.message("hello")
        async def hello(message: dict[str, Any], say: Any) -> None:
            await say(text="hello over aiohttp", thread_ts=message["ts"])

        runner = web.AppRunner(app.web_app(path="/slack/events", port=port))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await asyncio.to_thread(
                update_app,
                server.data_dir,
                workspace.domain,
                made.app.id,
                request_url=url,
                events=["message.channels"],
            )
            ts = (await asyncio.to_thread(alice.chat_postMessage, channel=channel, text="hello"))[
                "ts"
            ]

            def answers() -> list[str]:
                found = alice.conversations_replies(channel=channel, ts=ts)["messages"]
                return [m["text"] for m in found if m.get("bot_id")]

            return await until(lambda: asyncio.to_thread(answers), what="an answer")
        finally:
            await runner.cleanup()

    assert asyncio.run(main()) == ["hello over aiohttp"]
