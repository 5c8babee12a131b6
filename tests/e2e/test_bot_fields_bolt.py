"""slack_bolt apps (sync and async, over Socket Mode) using what issue 21 added for bots: `say`
to a person's id (their DM), a channel by name, metadata, and a scheduled message."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.services.apps import NewApp
from tests.support.apps import make_app
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("botbolt")
workspace = module_workspace()

SCOPES = ["chat:write", "channels:join", "channels:history", "im:history", "users:read"]
METADATA = {"event_type": "asked", "event_payload": {"by": "bolt"}}


def _until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)
    return found


def _setup(srv: Server, ws: Workspace, name: str) -> tuple[NewApp, str, str]:
    """An app of its own, and a channel of alice's it is in, by name and id."""
    made = make_app(srv.data_dir, name=name, socket_mode=True, scopes=SCOPES)
    channel_name = "b-" + uuid.uuid4().hex[:10]
    alice = srv.client(ws.alice.token)
    channel: str = alice.conversations_create(name=channel_name)["channel"]["id"]
    srv.client(made.bot_token).conversations_join(channel=channel)
    return made, channel_name, channel


def _outcome(srv: Server, ws: Workspace, made: NewApp, channel: str) -> tuple[Any, Any]:
    """The DM the app wrote to alice, and its scheduled message in the channel, once both
    are there."""
    alice = srv.client(ws.alice.token)
    dm = alice.conversations_open(users=made.app.bot_user_id)["channel"]["id"]

    def in_dm() -> list[dict[str, Any]]:
        found = alice.conversations_history(channel=dm, include_all_metadata=True)["messages"]
        return [m for m in found if m.get("bot_id") == made.app.bot_id]

    def later() -> list[dict[str, Any]]:
        found = alice.conversations_history(channel=channel)["messages"]
        return [m for m in found if m.get("text") == "scheduled by bolt"]

    return _until(in_dm)[0], _until(later)[0]


def test_a_bolt_app_says_to_a_person_and_schedules_by_name(
    server: Server, workspace: Workspace
) -> None:
    made, name, channel = _setup(server, workspace, "Bolt Fields")
    app = App(client=WebClient(token=made.bot_token, base_url=server.api_url))

    @app.message("remind me")
    def remind(message: dict[str, Any], say: Any, client: WebClient) -> None:
        say(channel=message["user"], text="noted", metadata=METADATA)
        client.chat_scheduleMessage(
            channel="#" + name, text="scheduled by bolt", post_at=int(time.time()) + 1
        )

    handler = SocketModeHandler(app, made.app_token)
    handler.connect()
    try:
        _until(handler.client.is_connected)
        server.client(workspace.alice.token).chat_postMessage(channel=channel, text="remind me")
        said, scheduled = _outcome(server, workspace, made, channel)
        assert said["text"] == "noted" and said["metadata"] == METADATA
        assert said["bot_profile"]["app_id"] == made.app.id
        assert scheduled["bot_id"] == made.app.bot_id
    finally:
        handler.close()


def test_an_async_bolt_app_says_to_a_person_and_schedules_by_name(
    server: Server, workspace: Workspace
) -> None:
    made, name, channel = _setup(server, workspace, "Bolt Fields Async")

    async def main() -> None:
        app = AsyncApp(client=AsyncWebClient(token=made.bot_token, base_url=server.api_url))

        @app.message("remind me")
        async def remind(message: dict[str, Any], say: Any, client: AsyncWebClient) -> None:
            await say(channel=message["user"], text="noted", metadata=METADATA)
            await client.chat_scheduleMessage(
                channel=name, text="scheduled by bolt", post_at=int(time.time()) + 1
            )

        handler = AsyncSocketModeHandler(app, made.app_token)
        await handler.connect_async()
        try:
            for _ in range(200):
                if await handler.client.is_connected():
                    break
                await asyncio.sleep(0.05)
            alice = server.client(workspace.alice.token)
            await asyncio.to_thread(alice.chat_postMessage, channel=channel, text="remind me")
            said, scheduled = await asyncio.to_thread(_outcome, server, workspace, made, channel)
            assert said["text"] == "noted" and said["metadata"] == METADATA
            assert scheduled["bot_id"] == made.app.bot_id
        finally:
            await handler.close_async()

    asyncio.run(main())
