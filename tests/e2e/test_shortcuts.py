"""Shortcuts: an app declares global and message shortcuts; the person's client lists them
(shortcuts.list) and runs them (shortcuts.run); the app gets Slack's `shortcut` or
`message_action` with a trigger_id (a modal opens with it) and, on a message, a response_url.
slack_bolt's app.shortcut works unchanged, sync over Socket Mode and async over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.domain.errors import SlackError
from tests.e2e.test_interactivity import SCOPES, history, posted, wait_for
from tests.e2e.test_modals import MODAL, person
from tests.support.apps import make_app
from tests.support.receiver import receiver
from tests.support.servers import Server, Workspace, free_port, make_workspace, threaded_server

SHORTCUTS = ["global:new_deploy:New deploy", "message:ask_about:Ask about this"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("shortcuts") / "data"
    with threaded_server(data, allow_private_outbound=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)


def test_bolt_shortcuts_over_socket_mode(server: Server, workspace: Workspace) -> None:
    made = make_app(
        server.data_dir, name="Shorty", socket_mode=True, scopes=SCOPES, shortcuts=SHORTCUTS
    )
    channel, ts = posted(server, workspace, made.bot_token, "shortcuts")
    app = App(client=WebClient(token=made.bot_token, base_url=server.api_url))
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

    handler = SocketModeHandler(app, made.app_token)
    handler.connect()
    alice = server.client(workspace.alice.token)
    try:
        wait_for(handler.client.is_connected)
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
    finally:
        handler.close()


def test_async_bolt_shortcut_over_http(server: Server, workspace: Workspace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    made = make_app(
        server.data_dir,
        name="Aio Shorty",
        scopes=SCOPES,
        interactivity_url=url,
        shortcuts=SHORTCUTS,
    )
    alice = server.client(workspace.alice.token)

    async def main() -> dict[str, Any]:
        app = AsyncApp(
            signing_secret=made.app.signing_secret,
            client=AsyncWebClient(token=made.bot_token, base_url=server.api_url),
        )
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


def test_bad_shortcuts_get_slacks_errors_and_send_nothing(
    server: Server, workspace: Workspace
) -> None:
    with receiver() as rx:
        made = make_app(
            server.data_dir,
            name="Guard",
            scopes=SCOPES,
            interactivity_url=rx.url,
            shortcuts=SHORTCUTS,
        )
        quiet = make_app(server.data_dir, name="Mute", scopes=SCOPES, shortcuts=SHORTCUTS)
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
