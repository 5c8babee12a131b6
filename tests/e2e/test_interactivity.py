"""Block Kit interactivity: a person presses a button, a select, an overflow menu or a date
picker in an app's message (blocks.actions), and the app gets Slack's block_actions payload over
Socket Mode and over HTTP (a signed form post with `payload`); slack_bolt's app.action, ack()
and respond() work unchanged, sync and async; the response URL replaces, deletes and posts as
Slack's does. Bad presses get Slack-style errors and write nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
from aiohttp import web
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from websockets.sync.client import connect

from tests.support.apps import (
    BOT_SCOPES,
    async_bolt_app,
    async_bolt_socket_mode,
    bolt_app,
    bolt_over_http,
    bolt_socket_mode,
    make_app,
)
from tests.support.receiver import Received, receiver
from tests.support.rtm import of_type, rtm
from tests.support.servers import Server, Workspace, free_port, module_server, module_workspace
from tests.support.waiting import until, wait_for

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


server = module_server("interactivity", allow_private_outbound=True)
workspace = module_workspace()


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
    made = make_app(server.data_dir, name="Deployer", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "deploys")
    app = bolt_app(server, made)
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

    with bolt_socket_mode(app, made.app_token):
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


def test_async_bolt_action_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(server.data_dir, name="Async Deployer", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = posted(server, workspace, made.bot_token, "async-deploys")
    alice = server.client(workspace.alice.token)

    async def main() -> None:
        app = async_bolt_app(server, made)

        @app.action("approve")
        async def approve(ack: Any, respond: Any) -> None:
            await ack()
            await respond(replace_original=True, text="Approved async")

        async with async_bolt_socket_mode(app, made.app_token):
            answer = await asyncio.to_thread(
                press, alice, channel, ts, block_id="act", action_id="approve"
            )
            assert answer["ok"]

            def replaced() -> bool:
                found = history(server, workspace, channel)
                return any(m["ts"] == ts and m["text"] == "Approved async" for m in found)

            await until(lambda: asyncio.to_thread(replaced), what="replaced")

    asyncio.run(main())


def test_bolt_action_over_http(server: Server, workspace: Workspace) -> None:
    """Bolt's own server, signature verification on: the form post with `payload` is signed
    with the app's secret."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(server.data_dir, name="Http Deployer", scopes=BOT_SCOPES, interactivity_url=url)
    channel, ts = posted(server, workspace, made.bot_token, "http-deploys")
    app = bolt_app(server, made, signed=True)
    seen: list[dict[str, Any]] = []

    @app.action("colour")
    def colour(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(body)
        respond(replace_original=True, text=f"now {body['actions'][0]['selected_option']['value']}")

    with bolt_over_http(app, port):
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


def test_async_bolt_action_over_http(server: Server, workspace: Workspace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(server.data_dir, name="Aio Deployer", scopes=BOT_SCOPES, interactivity_url=url)
    channel, ts = posted(server, workspace, made.bot_token, "aio-deploys")
    alice = server.client(workspace.alice.token)

    async def main() -> None:
        app = async_bolt_app(server, made, signed=True)

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

            def replaced() -> bool:
                found = history(server, workspace, channel)
                return any(m["ts"] == ts and m["text"] == "Approved over aiohttp" for m in found)

            await until(lambda: asyncio.to_thread(replaced), what="replaced")
        finally:
            await runner.cleanup()

    asyncio.run(main())


def test_the_payload_is_signed_and_the_response_url_serves_five_times(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Five Presses", scopes=BOT_SCOPES, interactivity_url=rx.url
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
        made = make_app(
            server.data_dir, name="Trigger", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
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
        made = make_app(
            server.data_dir, name="Guarded", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
        channel, ts = posted(server, workspace, made.bot_token, "guarded")
        alice = server.client(workspace.alice.token)
        carol = server.client(workspace.carol.token)
        secret = alice.conversations_create(name="guarded-secret", is_private=True)["channel"]["id"]
        alice.conversations_invite(channel=secret, users=made.app.bot_user_id)
        hidden = server.client(made.bot_token).chat_postMessage(
            channel=secret, text="x", blocks=BLOCKS
        )["ts"]
        plain = alice.chat_postMessage(channel=channel, text="mine", blocks=BLOCKS)["ts"]
        quiet = make_app(server.data_dir, name="Quiet", scopes=BOT_SCOPES)
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
        made = make_app(server.data_dir, name="Broken", scopes=BOT_SCOPES, interactivity_url=rx.url)
        channel, ts = posted(server, workspace, made.bot_token, "broken-app")
        alice = server.client(workspace.alice.token)
        assert _error(alice, channel, ts, block_id="act", action_id="approve") == "dispatch_failed"
    away = make_app(server.data_dir, name="Away", socket_mode=True, scopes=BOT_SCOPES)
    channel, ts = posted(server, workspace, away.bot_token, "away-app")
    assert _error(alice, channel, ts, block_id="act", action_id="approve") == "operation_timeout"


def test_a_replaced_message_reaches_sockets_as_message_changed(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(server.data_dir, name="Live", scopes=BOT_SCOPES, interactivity_url=rx.url)
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


def test_blocks_posted_without_ids_get_them_and_a_press_names_them(
    server: Server, workspace: Workspace
) -> None:
    """Slack fills in the block_id of every block and the action_id of every interactive
    element an app left out, at posting and at chat.update; a press then names them."""
    bare: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Ship?"}},
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Ship"}}],
        },
    ]
    with receiver() as rx:
        made = make_app(
            server.data_dir, name="Bare Ids", scopes=BOT_SCOPES, interactivity_url=rx.url
        )
        alice = server.client(workspace.alice.token)
        channel = alice.conversations_create(name="bare-ids")["channel"]["id"]
        bot = server.client(made.bot_token)
        bot.conversations_join(channel=channel)
        answer = bot.chat_postMessage(channel=channel, text="Ship?", blocks=bare)
        ts, [section, actions] = answer["ts"], answer["message"]["blocks"]
        [button] = actions["elements"]
        assert section["block_id"] and actions["block_id"] and button["action_id"]
        [shown] = [m for m in history(server, workspace, channel) if m["ts"] == ts]
        assert shown["blocks"] == answer["message"]["blocks"], "stored as answered"
        ids = {"block_id": actions["block_id"], "action_id": button["action_id"]}
        assert press(alice, channel, ts, **ids)["ok"]
        payload = json.loads(parse_qs(rx.seen[-1].body.decode())["payload"][0])
        assert payload["actions"][0]["action_id"] == button["action_id"]
        assert payload["actions"][0]["block_id"] == actions["block_id"]
        # chat.update fills them in too; the old ids name nothing any more.
        updated = bot.chat_update(channel=channel, ts=ts, text="Ship now?", blocks=bare)
        [_, new_actions] = updated["message"]["blocks"]
        new_ids = {
            "block_id": new_actions["block_id"],
            "action_id": new_actions["elements"][0]["action_id"],
        }
        assert new_ids != ids
        assert _error(alice, channel, ts, **ids) == "block_not_found"
        assert press(alice, channel, ts, **new_ids)["ok"]
        assert len(rx.seen) == 2
