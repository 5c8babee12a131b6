"""Block Kit interactivity: a person presses a button, a select, an overflow menu or a date
picker in an app's message (blocks.actions), and the app gets Slack's block_actions payload over
Socket Mode and over HTTP (a signed form post with `payload`); slack_bolt's app.action, ack()
and respond() work unchanged, sync and async; the response URL replaces, deletes and posts as
Slack's does. Bad presses get Slack-style errors and write nothing."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest
from aiohttp import web
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.app import SlackAppDevelopmentServer
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from websockets.sync.client import connect

from tests.support.apps import make_app
from tests.support.receiver import Received, receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, free_port, make_workspace, threaded_server

SCOPES = ["chat:write", "channels:join", "channels:history", "users:read"]
OPTIONS = [
    {"text": {"type": "plain_text", "text": "Red"}, "value": "red"},
    {"text": {"type": "plain_text", "text": "Blue"}, "value": "blue"},
]
BLOCKS: list[dict[str, Any]] = [
    {
        "type": "section",
        "block_id": "ask",
        "text": {"type": "mrkdwn", "text": "Deploy?"},
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [{"text": {"type": "plain_text", "text": "Forget it"}, "value": "forget"}],
        },
    },
    {
        "type": "actions",
        "block_id": "act",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "v-approve",
                "style": "primary",
            },
            {
                "type": "static_select",
                "action_id": "colour",
                "placeholder": {"type": "plain_text", "text": "Colour"},
                "options": OPTIONS,
            },
            {"type": "datepicker", "action_id": "when", "initial_date": "2026-12-24"},
        ],
    },
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("interactivity") / "data"
    with threaded_server(data, allow_private_outbound=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def press(client: WebClient, channel: str, ts: str, **args: str) -> dict[str, Any]:
    """blocks.actions as the browser client calls it: the answer, ok or not."""
    try:
        answer = client.api_call("blocks.actions", json={"channel": channel, "ts": ts, **args})
    except SlackApiError as exc:
        answer = exc.response
    data: dict[str, Any] = answer.data  # type: ignore[assignment]
    return data


def posted(server: Server, workspace: Workspace, bot_token: str, name: str) -> tuple[str, str]:
    """A channel of alice's with the app's bot in it, and the app's message with BLOCKS."""
    alice = server.client(workspace.alice.token)
    channel: str = alice.conversations_create(name=name)["channel"]["id"]
    bot = server.client(bot_token)
    bot.conversations_join(channel=channel)
    ts: str = bot.chat_postMessage(channel=channel, text="Deploy?", blocks=BLOCKS)["ts"]
    return channel, ts


def history(server: Server, workspace: Workspace, channel: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = server.client(workspace.alice.token).conversations_history(
        channel=channel
    )["messages"]
    return found


def test_bolt_actions_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(server.data_dir, name="Deployer", socket_mode=True, scopes=SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "deploys")
    app = App(client=WebClient(token=made.bot_token, base_url=server.api_url))
    bodies: dict[str, dict[str, Any]] = {}

    @app.action("approve")
    def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        bodies["approve"] = body
        respond(replace_original=True, text="Approved", blocks=[])

    @app.action("colour")
    def colour(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        bodies["colour"] = body
        respond(text="just for you")  # ephemeral: never in history
        respond(response_type="in_channel", text=f"picked {action['selected_option']['value']}")

    @app.action("when")
    def when(ack: Any, body: dict[str, Any]) -> None:
        ack()
        bodies["when"] = body

    @app.action("more")
    def more(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        bodies["more"] = body
        respond(delete_original=True)

    handler = SocketModeHandler(app, made.app_token)
    handler.connect()
    try:
        wait_for(handler.client.is_connected)
        alice = server.client(workspace.alice.token)
        # The client's value is not the app's to believe: the stored button's is sent.
        assert press(alice, channel, ts, block_id="act", action_id="approve", value="forged")["ok"]
        body = wait_for(lambda: bodies.get("approve"))
        assert body["type"] == "block_actions"
        assert body["user"] == {
            "id": workspace.alice.user_id,
            "username": "alice",
            "name": "alice",
            "team_id": workspace.team_id,
        }
        assert body["api_app_id"] == made.app.id
        assert body["token"] == made.app.verification_token
        assert body["container"] == {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        assert body["team"] == {"id": workspace.team_id, "domain": workspace.domain}
        assert body["channel"] == {"id": channel, "name": "deploys"}
        assert body["message"]["ts"] == ts and body["message"]["blocks"] == BLOCKS
        assert body["message"]["bot_id"] == made.app.bot_id
        assert body["response_url"].startswith(server.url + "/actions/")
        assert body["trigger_id"]
        [action] = body["actions"]
        assert {k: v for k, v in action.items() if k != "action_ts"} == {
            "type": "button",
            "action_id": "approve",
            "block_id": "act",
            "text": {"type": "plain_text", "text": "Approve"},
            "value": "v-approve",
            "style": "primary",
        }
        assert float(action["action_ts"]) > float(ts)
        assert body["state"] == {"values": {}}

        def top() -> dict[str, Any]:
            return next(m for m in history(server, workspace, channel) if m["ts"] == ts)

        # replace_original: the same message, changed in place, without an edited mark.
        wait_for(lambda: top()["text"] == "Approved")
        assert "blocks" not in top() and "edited" not in top()

        # A select: the option object comes from the stored element, state holds it.
        bot = server.client(made.bot_token)
        ts2 = bot.chat_postMessage(channel=channel, text="again", blocks=BLOCKS)["ts"]
        assert press(alice, channel, ts2, block_id="act", action_id="colour", value="blue")["ok"]
        body = wait_for(lambda: bodies.get("colour"))
        [action] = body["actions"]
        assert action["type"] == "static_select"
        assert body["trigger_id"] != bodies["approve"]["trigger_id"], "one per interaction"
        assert action["selected_option"] == OPTIONS[1]
        assert action["placeholder"] == {"type": "plain_text", "text": "Colour"}
        assert body["state"] == {
            "values": {"act": {"colour": {"type": "static_select", "selected_option": OPTIONS[1]}}}
        }
        texts = wait_for(
            lambda: (
                [m["text"] for m in history(server, workspace, channel)]
                if "picked blue" in [m["text"] for m in history(server, workspace, channel)]
                else None
            )
        )
        assert "just for you" not in texts

        assert press(
            alice, channel, ts2, block_id="act", action_id="when", selected_date="2027-01-31"
        )["ok"]
        [action] = wait_for(lambda: bodies.get("when"))["actions"]
        assert action["selected_date"] == "2027-01-31"
        assert action["initial_date"] == "2026-12-24"

        # delete_original through an overflow menu in a section's accessory.
        assert press(alice, channel, ts2, block_id="ask", action_id="more", value="forget")["ok"]
        wait_for(lambda: ts2 not in [m["ts"] for m in history(server, workspace, channel)])
        assert bodies["more"]["actions"][0]["selected_option"]["value"] == "forget"
    finally:
        handler.close()


def test_async_bolt_action_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(server.data_dir, name="Async Deployer", socket_mode=True, scopes=SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "async-deploys")
    alice = server.client(workspace.alice.token)

    async def main() -> None:
        app = AsyncApp(client=AsyncWebClient(token=made.bot_token, base_url=server.api_url))

        @app.action("approve")
        async def approve(ack: Any, respond: Any) -> None:
            await ack()
            await respond(replace_original=True, text="Approved async")

        handler = AsyncSocketModeHandler(app, made.app_token)
        await handler.connect_async()
        try:
            for _ in range(100):
                if await handler.client.is_connected():
                    break
                await asyncio.sleep(0.05)
            answer = await asyncio.to_thread(
                press, alice, channel, ts, block_id="act", action_id="approve"
            )
            assert answer["ok"]
            for _ in range(200):
                found = await asyncio.to_thread(history, server, workspace, channel)
                if any(m["ts"] == ts and m["text"] == "Approved async" for m in found):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("not replaced")
        finally:
            await handler.close_async()

    asyncio.run(main())


def serve(app: App, port: int) -> tuple[SlackAppDevelopmentServer, threading.Thread]:
    """Bolt's own development server for app on port, once it answers."""
    dev = SlackAppDevelopmentServer(port=port, path="/slack/events", app=app)
    thread = threading.Thread(target=dev.start, daemon=True)
    thread.start()

    def up() -> bool:
        try:
            httpx.get(f"http://127.0.0.1:{port}/slack/events", timeout=1)
        except httpx.HTTPError:
            return False
        return True

    wait_for(up)
    return dev, thread


def test_bolt_action_over_http(server: Server, workspace: Workspace) -> None:
    """Bolt's own server, signature verification on: the form post with `payload` is signed
    with the app's secret."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(server.data_dir, name="Http Deployer", scopes=SCOPES, interactivity_url=url)
    channel, ts = posted(server, workspace, made.bot_token, "http-deploys")
    app = App(
        signing_secret=made.app.signing_secret,
        client=WebClient(token=made.bot_token, base_url=server.api_url),
    )
    seen: list[dict[str, Any]] = []

    @app.action("colour")
    def colour(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(body)
        respond(replace_original=True, text=f"now {body['actions'][0]['selected_option']['value']}")

    dev, thread = serve(app, port)
    try:
        alice = server.client(workspace.alice.token)
        answer = press(alice, channel, ts, block_id="act", action_id="colour", value="red")
        assert answer == {"ok": True}
        assert seen[0]["type"] == "block_actions" and seen[0]["channel"]["id"] == channel
        wait_for(
            lambda: any(
                m["ts"] == ts and m["text"] == "now red"
                for m in history(server, workspace, channel)
            )
        )
    finally:
        dev._server.shutdown()
        thread.join(5)


def test_async_bolt_action_over_http(server: Server, workspace: Workspace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(server.data_dir, name="Aio Deployer", scopes=SCOPES, interactivity_url=url)
    channel, ts = posted(server, workspace, made.bot_token, "aio-deploys")
    alice = server.client(workspace.alice.token)

    async def main() -> None:
        app = AsyncApp(
            signing_secret=made.app.signing_secret,
            client=AsyncWebClient(token=made.bot_token, base_url=server.api_url),
        )

        @app.action("approve")
        async def approve(ack: Any, respond: Any) -> None:
            await ack()
            await respond(replace_original=True, text="Approved over aiohttp")

        runner = web.AppRunner(app.web_app(path="/slack/events", port=port))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            answer = await asyncio.to_thread(
                press, alice, channel, ts, block_id="act", action_id="approve"
            )
            assert answer == {"ok": True}
            for _ in range(200):
                found = await asyncio.to_thread(history, server, workspace, channel)
                if any(m["ts"] == ts and m["text"] == "Approved over aiohttp" for m in found):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("not replaced")
        finally:
            await runner.cleanup()

    asyncio.run(main())


def test_the_payload_is_signed_and_the_response_url_serves_five_times(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Five Presses", scopes=SCOPES, interactivity_url=rx.url
        )
        channel, ts = posted(server, workspace, made.bot_token, "five-presses")
        alice = server.client(workspace.alice.token)
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        [sent] = rx.seen
        assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert SignatureVerifier(made.app.signing_secret).is_valid_request(sent.body, sent.headers)
        form = parse_qs(sent.body.decode())
        assert list(form) == ["payload"]
        payload = json.loads(form["payload"][0])
        assert payload["type"] == "block_actions" and payload["actions"][0]["value"] == "v-approve"
        url = payload["response_url"]
        # A slash command's response URL path does not take a press's code, nor the reverse.
        code = url.rsplit("/", 1)[1]
        wrong = httpx.post(f"{server.url}/commands/{code}", json={"text": "x"})
        assert wrong.status_code == 404 and wrong.json()["error"] == "expired_url"
        for i in range(5):
            shown = httpx.post(url, json={"response_type": "in_channel", "text": f"n{i}"})
            assert shown.status_code == 200, shown.text
        texts = [m["text"] for m in history(server, workspace, channel)]
        assert [t for t in texts if t.startswith("n")] == ["n4", "n3", "n2", "n1", "n0"]
        assert httpx.post(url, json={"text": "six"}).json()["error"] == "expired_url"
        assert httpx.post(server.url + "/actions/Tnope.x", json={"text": "x"}).status_code == 404
        assert httpx.post(url, content=b"not json").status_code in (400, 404)


def test_a_trigger_id_opens_no_socket(server: Server, workspace: Workspace) -> None:
    """A trigger_id is a ticket the app holds: it must not connect anyone's RTM socket."""
    with receiver() as rx:
        made = make_app(server.data_dir, name="Trigger", scopes=SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "trigger-socket")
        alice = server.client(workspace.alice.token)
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        key = payload["trigger_id"].split(".", 1)[1]
        url = alice.rtm_connect()["url"].split("?")[0] + "?ticket=" + key
        with connect(url) as socket:
            assert orjson.loads(socket.recv(timeout=5))["type"] == "error"


def _error(client: WebClient, channel: str, ts: str, **args: str) -> str:
    answer = press(client, channel, ts, **args)
    assert answer["ok"] is False, answer
    error: str = answer["error"]
    return error


def test_bad_presses_get_slacks_errors_and_send_nothing(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Guarded", scopes=SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "guarded")
        alice = server.client(workspace.alice.token)
        carol = server.client(workspace.carol.token)
        secret = alice.conversations_create(name="guarded-secret", is_private=True)["channel"]["id"]
        alice.conversations_invite(channel=secret, users=made.app.bot_user_id)
        hidden = server.client(made.bot_token).chat_postMessage(
            channel=secret, text="x", blocks=BLOCKS
        )["ts"]
        plain = alice.chat_postMessage(channel=channel, text="mine", blocks=BLOCKS)["ts"]
        quiet = make_app(server.data_dir, name="Quiet", scopes=SCOPES)
        server.client(quiet.bot_token).conversations_join(channel=channel)
        mute = server.client(quiet.bot_token).chat_postMessage(
            channel=channel, text="x", blocks=BLOCKS
        )["ts"]
        ok = {"block_id": "act", "action_id": "approve"}
        before = history(server, workspace, channel)
        cases: list[tuple[WebClient, str, str, dict[str, str], str]] = [
            (carol, secret, hidden, ok, "channel_not_found"),
            (alice, "C0NOSUCH", ts, ok, "channel_not_found"),
            (alice, channel, "1.000001", ok, "message_not_found"),
            (alice, channel, "not-a-ts", ok, "message_not_found"),
            (alice, channel, ts, {"block_id": "nope", "action_id": "approve"}, "block_not_found"),
            (alice, channel, ts, {"action_id": "approve"}, "block_not_found"),
            (alice, channel, ts, {"block_id": "act", "action_id": "nope"}, "action_not_found"),
            (alice, channel, ts, {"block_id": "ask", "action_id": "approve"}, "action_not_found"),
            (alice, channel, ts, {"block_id": "act", "action_id": ""}, "action_not_found"),
            (
                alice,
                channel,
                ts,
                {"block_id": "act", "action_id": "colour", "value": "green"},
                "invalid_option",
            ),
            (alice, channel, ts, {"block_id": "act", "action_id": "colour"}, "invalid_option"),
            (alice, channel, ts, {"block_id": "act", "action_id": "when"}, "invalid_date"),
            (
                alice,
                channel,
                ts,
                {"block_id": "act", "action_id": "when", "selected_date": "2027-02-30"},
                "invalid_date",
            ),
            (
                alice,
                channel,
                ts,
                {"block_id": "x" * 300, "action_id": "approve"},
                "invalid_arguments",
            ),
            (alice, channel, plain, ok, "app_not_found"),
            (alice, channel, mute, ok, "not_interactive"),
            (server.client(made.bot_token), channel, ts, ok, "not_allowed_token_type"),
        ]
        for client, where, what, args, error in cases:
            assert _error(client, where, what, **args) == error, (where, what, args)
        assert rx.seen == [], "nothing reached the app"
        assert history(server, workspace, channel) == before, "nothing written"
        # The server is still up, and a good press still goes through.
        assert press(alice, channel, ts, **ok)["ok"]
        assert len(rx.seen) == 1


def test_an_app_that_does_not_answer(server: Server, workspace: Workspace) -> None:
    with receiver() as rx:

        def refuse(_request: Received) -> tuple[int, dict[str, str], bytes]:
            return 500, {}, b""

        rx.behaviour = refuse
        made = make_app(server.data_dir, name="Broken", scopes=SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "broken-app")
        alice = server.client(workspace.alice.token)
        assert _error(alice, channel, ts, block_id="act", action_id="approve") == "dispatch_failed"
    away = make_app(server.data_dir, name="Away", socket_mode=True, scopes=SCOPES)
    channel, ts = posted(server, workspace, away.bot_token, "away-app")
    assert _error(alice, channel, ts, block_id="act", action_id="approve") == "operation_timeout"


def test_a_replaced_message_reaches_sockets_as_message_changed(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Live", scopes=SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "live-replace")
        alice = server.client(workspace.alice.token)
        assert press(alice, channel, ts, block_id="act", action_id="approve")["ok"]
        url = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])["response_url"]
        with rtm(server, workspace.alice.token) as socket:
            socket.sync()
            assert httpx.post(url, json={"replace_original": True, "text": "Done"}).is_success
            changed = socket.until(of_type("message", subtype="message_changed"))[-1]
            assert changed["message"]["ts"] == ts and changed["message"]["text"] == "Done"
            assert changed["previous_message"]["text"] == "Deploy?"
        # Its blocks are gone with the replacement: nothing left there to press.
        assert _error(alice, channel, ts, block_id="act", action_id="approve") == "block_not_found"
