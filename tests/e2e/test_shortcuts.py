"""Shortcuts: an app declares global and message shortcuts; the person's client lists them
(shortcuts.list) and runs them (shortcuts.run); the app gets Slack's `shortcut` or
`message_action` with a trigger_id (a modal opens with it) and, on a message, a response_url.
slack_bolt's app.shortcut works unchanged, sync and async, over Socket Mode and over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.domain.errors import SlackError
from tests.e2e.test_interactivity import history, posted
from tests.e2e.test_modals import MODAL, person
from tests.support.apps import (
    BOT_SCOPES,
    async_bolt_app,
    async_bolt_socket_mode,
    bolt_app,
    bolt_over_http,
    bolt_socket_mode,
    make_app,
)
from tests.support.receiver import receiver
from tests.support.servers import Server, Workspace, free_port, module_server, module_workspace
from tests.support.waiting import until, wait_for

SHORTCUTS = ["global:new_deploy:New deploy", "message:ask_about:Ask about this"]


server = module_server("shortcuts", allow_private_outbound=True)
workspace = module_workspace()


def test_bolt_shortcuts_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(
        server.data_dir, name="Shorty", socket_mode=True, scopes=BOT_SCOPES, shortcuts=SHORTCUTS
    )
    channel, ts = posted(server, workspace, made.bot_token, "shortcuts")
    app = bolt_app(server, made)
    bodies: dict[str, dict[str, Any]] = {}
    views: list[dict[str, Any]] = []

    @app.shortcut("new_deploy")
    def new_deploy(ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        bodies["global"] = shortcut
        views.append(client.views_open(trigger_id=shortcut["trigger_id"], view=MODAL)["view"])

    @app.shortcut("ask_about")
    def ask_about(ack: Any, shortcut: dict[str, Any], respond: Any) -> None:
        ack()
        bodies["message"] = shortcut
        respond(response_type="in_channel", text=f"asked about {shortcut['message']['text']}")

    alice = server.client(workspace.alice.token)
    with bolt_socket_mode(app, made.app_token):
        listed = person(alice, "shortcuts.list")["shortcuts"]
        mine = [s for s in listed if s["app_id"] == made.app.id]
        assert mine == [
            {
                "app_id": made.app.id,
                "app_name": "Shorty",
                "type": "global",
                "callback_id": "new_deploy",
                "name": "New deploy",
                "description": "",
            },
            {
                "app_id": made.app.id,
                "app_name": "Shorty",
                "type": "message",
                "callback_id": "ask_about",
                "name": "Ask about this",
                "description": "",
            },
        ]
        answer = person(alice, "shortcuts.run", app_id=made.app.id, callback_id="new_deploy")
        assert answer == {"ok": True}
        body = wait_for(lambda: bodies.get("global"))
        assert body["type"] == "shortcut" and body["callback_id"] == "new_deploy"
        assert body["user"] == {
            "id": workspace.alice.user_id,
            "username": "alice",
            "team_id": workspace.team_id,
        }
        assert body["team"] == {"id": workspace.team_id, "domain": workspace.domain}
        assert body["token"] == made.app.verification_token and body["action_ts"]
        [view] = wait_for(lambda: views)
        assert view["callback_id"] == "deploy"

        answer = person(
            alice,
            "shortcuts.run",
            app_id=made.app.id,
            callback_id="ask_about",
            channel=channel,
            ts=ts,
        )
        assert answer == {"ok": True}
        body = wait_for(lambda: bodies.get("message"))
        assert body["type"] == "message_action" and body["callback_id"] == "ask_about"
        assert body["channel"] == {"id": channel, "name": "shortcuts"}
        assert body["message_ts"] == ts and body["message"]["text"] == "Deploy?"
        assert body["response_url"].startswith(server.url + "/actions/") and body["trigger_id"]
        wait_for(
            lambda: (
                "asked about Deploy?" in [m["text"] for m in history(server, workspace, channel)]
            )
        )


def test_async_bolt_shortcut_over_http(server: Server, workspace: Workspace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(
        server.data_dir,
        name="Aio Shorty",
        scopes=BOT_SCOPES,
        interactivity_url=url,
        shortcuts=SHORTCUTS,
    )
    alice = server.client(workspace.alice.token)

    async def main() -> dict[str, Any]:
        app = async_bolt_app(server, made, signed=True)
        seen: list[dict[str, Any]] = []

        @app.shortcut("new_deploy")
        async def new_deploy(ack: Any, shortcut: dict[str, Any]) -> None:
            await ack()
            seen.append(shortcut)

        runner = web.AppRunner(app.web_app(path="/slack/events", port=port))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            answer = await asyncio.to_thread(
                person, alice, "shortcuts.run", app_id=made.app.id, callback_id="new_deploy"
            )
            assert answer == {"ok": True}
            return seen[0]
        finally:
            await runner.cleanup()

    assert asyncio.run(main())["type"] == "shortcut"


def test_bolt_shortcut_over_http(server: Server, workspace: Workspace) -> None:
    """Sync bolt behind its own server, signatures checked: a message shortcut's
    message_action arrives signed, and respond() answers through its response_url."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(
        server.data_dir,
        name="Http Shorty",
        scopes=BOT_SCOPES,
        interactivity_url=url,
        shortcuts=SHORTCUTS,
    )
    channel, ts = posted(server, workspace, made.bot_token, "http-shortcuts")
    app = bolt_app(server, made, signed=True)
    seen: list[dict[str, Any]] = []

    @app.shortcut("ask_about")
    def ask_about(ack: Any, shortcut: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(shortcut)
        respond(response_type="in_channel", text="answered over http")

    with bolt_over_http(app, port):
        alice = server.client(workspace.alice.token)
        args = {"app_id": made.app.id, "callback_id": "ask_about", "channel": channel, "ts": ts}
        assert person(alice, "shortcuts.run", **args) == {"ok": True}
        [body] = wait_for(lambda: seen)
        assert body["type"] == "message_action" and body["message_ts"] == ts
        wait_for(
            lambda: "answered over http" in [m["text"] for m in history(server, workspace, channel)]
        )


def test_async_bolt_shortcut_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(
        server.data_dir,
        name="Aio Socket Shorty",
        socket_mode=True,
        scopes=BOT_SCOPES,
        shortcuts=SHORTCUTS,
    )
    alice = server.client(workspace.alice.token)

    async def main() -> list[dict[str, Any]]:
        app = async_bolt_app(server, made)
        seen: list[dict[str, Any]] = []
        views: list[dict[str, Any]] = []

        @app.shortcut("new_deploy")
        async def new_deploy(ack: Any, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            seen.append(shortcut)
            views.append(
                (await client.views_open(trigger_id=shortcut["trigger_id"], view=MODAL))["view"]
            )

        async with async_bolt_socket_mode(app, made.app_token):
            answer = await asyncio.to_thread(
                person, alice, "shortcuts.run", app_id=made.app.id, callback_id="new_deploy"
            )
            assert answer == {"ok": True}
            await until(lambda: views)
            return seen + views

    body, view = asyncio.run(main())
    assert body["type"] == "shortcut" and body["callback_id"] == "new_deploy"
    assert view["callback_id"] == "deploy"


def test_bad_shortcuts_get_slacks_errors_and_send_nothing(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir,
            name="Guard",
            scopes=BOT_SCOPES,
            interactivity_url=rx.url,
            shortcuts=SHORTCUTS,
        )
        quiet = make_app(server.data_dir, name="Mute", scopes=BOT_SCOPES, shortcuts=SHORTCUTS)
        alice = server.client(workspace.alice.token)
        secret = alice.conversations_create(name="shortcut-secret", is_private=True)["channel"]
        ts = alice.chat_postMessage(channel=secret["id"], text="hidden")["ts"]
        carol = server.client(workspace.carol.token)
        run = {"app_id": made.app.id, "callback_id": "ask_about"}
        cases = [
            (alice, {"app_id": made.app.id, "callback_id": "nope"}, "shortcut_not_found"),
            (alice, {"app_id": "ANOSUCH", "callback_id": "new_deploy"}, "shortcut_not_found"),
            (alice, {"app_id": quiet.app.id, "callback_id": "new_deploy"}, "shortcut_not_found"),
            (carol, {**run, "channel": secret["id"], "ts": ts}, "channel_not_found"),
            (alice, {**run, "channel": secret["id"], "ts": "1.000001"}, "message_not_found"),
            (alice, {**run}, "channel_not_found"),
            (server.client(made.bot_token), run, "not_allowed_token_type"),
        ]
        for client, args, error in cases:
            assert person(client, "shortcuts.run", **args)["error"] == error, args
        assert person(server.client(made.bot_token), "shortcuts.list")["error"] == (
            "not_allowed_token_type"
        )
        listed = person(alice, "shortcuts.list")["shortcuts"]
        assert quiet.app.id not in {s["app_id"] for s in listed}, "no way to reach it: unlisted"
        assert rx.seen == [], "nothing reached the app"
    for bad in (
        ["everywhere:x:Name"],
        ["global::Name"],
        ["global:x:"],
        ["global:x:A", "global:x:B"],
    ):
        with pytest.raises(SlackError) as caught:
            make_app(server.data_dir, name="Bad", shortcuts=bad)
        assert caught.value.code == "invalid_shortcut"
