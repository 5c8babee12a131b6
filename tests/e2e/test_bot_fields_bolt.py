"""slack_bolt apps (sync and async, over Socket Mode) using what issue 21 added for bots: `say`
to a person's id (their DM), a channel by name, metadata, and a scheduled message."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.services.apps import NewApp
from tests.support.apps import (
    async_bolt_app,
    async_bolt_socket_mode,
    bolt_app,
    bolt_socket_mode,
    make_app,
)
from tests.support.servers import Server, Workspace, module_server, module_workspace
from tests.support.waiting import wait_for

server = module_server("botbolt")
workspace = module_workspace()

SCOPES = ["chat:write", "channels:join", "channels:history", "im:history", "users:read"]
METADATA = {"event_type": "asked", "event_payload": {"by": "bolt"}}


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

    return wait_for(in_dm, timeout=20.0)[0], wait_for(later, timeout=20.0)[0]


def test_a_bolt_app_says_to_a_person_and_schedules_by_name(
    server: Server, workspace: Workspace
) -> None:
    made, name, channel = _setup(server, workspace, "Bolt Fields")
    app = bolt_app(server, made)

    @app.message("remind me")
    def remind(message: dict[str, Any], say: Any, client: WebClient) -> None:
        say(channel=message["user"], text="noted", metadata=METADATA)
        client.chat_scheduleMessage(
            channel="#" + name, text="scheduled by bolt", post_at=int(time.time()) + 1
        )

    with bolt_socket_mode(app, made.app_token, timeout=20.0):
        server.client(workspace.alice.token).chat_postMessage(channel=channel, text="remind me")
        said, scheduled = _outcome(server, workspace, made, channel)
        assert said["text"] == "noted" and said["metadata"] == METADATA
        assert said["bot_profile"]["app_id"] == made.app.id
        assert scheduled["bot_id"] == made.app.bot_id


def test_an_async_bolt_app_says_to_a_person_and_schedules_by_name(
    server: Server, workspace: Workspace
) -> None:
    made, name, channel = _setup(server, workspace, "Bolt Fields Async")

    async def main() -> None:
        app = async_bolt_app(server, made)

        @app.message("remind me")
        async def remind(message: dict[str, Any], say: Any, client: AsyncWebClient) -> None:
            await say(channel=message["user"], text="noted", metadata=METADATA)
            await client.chat_scheduleMessage(
                channel=name, text="scheduled by bolt", post_at=int(time.time()) + 1
            )

        async with async_bolt_socket_mode(app, made.app_token):
            alice = server.client(workspace.alice.token)
            await asyncio.to_thread(alice.chat_postMessage, channel=channel, text="remind me")
            said, scheduled = await asyncio.to_thread(_outcome, server, workspace, made, channel)
            assert said["text"] == "noted" and said["metadata"] == METADATA
            assert scheduled["bot_id"] == made.app.bot_id

    asyncio.run(main())
