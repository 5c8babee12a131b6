"""users.getPresence and users.setPresence: over HTTP with the SDK, and in process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from slack_sdk.errors import SlackApiError

from hubbub.app import build_hub
from hubbub.services import auth, users
from tests.support.servers import Server, Workspace, make_workspace, settings_for


def test_own_presence_in_detail_others_in_brief(server: Server, workspace: Workspace) -> None:
    bob = server.client(workspace.bob.token)
    mine = bob.users_getPresence(user=workspace.bob.user_id).data
    assert mine == {
        "ok": True,
        "presence": "away",
        "online": False,
        "auto_away": True,
        "manual_away": False,
        "connection_count": 0,
    }
    assert bob.api_call("users.getPresence", http_verb="GET").data == mine  # user defaults to me
    theirs = bob.users_getPresence(user=workspace.alice.user_id).data
    assert theirs == {"ok": True, "presence": "away"}
    with pytest.raises(SlackApiError) as err:
        bob.users_getPresence(user="U0NOSUCHONE")
    assert err.value.response["error"] == "user_not_found"


def test_set_presence(server: Server, workspace: Workspace) -> None:
    bob = server.client(workspace.bob.token)
    assert bob.users_setPresence(presence="away").data == {"ok": True}
    assert bob.users_getPresence(user=workspace.bob.user_id)["manual_away"] is True
    bob.users_setPresence(presence="auto")
    assert bob.users_getPresence(user=workspace.bob.user_id)["manual_away"] is False
    for bad in ("active", "AWAY", ""):
        with pytest.raises(SlackApiError) as err:
            bob.users_setPresence(presence=bad)
        assert err.value.response["error"] == "invalid_presence"
    server.client(workspace.bot.token).users_setPresence(presence="away")


def test_presence_follows_connections_and_manual_away(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)

    async def main() -> None:
        hub = build_hub(settings_for(tmp_path))
        try:
            bob = await auth.authenticate(hub, workspace.bob.token)
            alice = await auth.authenticate(hub, workspace.alice.token)
            heard: list[tuple[int, dict[str, object]]] = []
            hub.bus.subscribe(
                bob.user_id, lambda _s, seq, data: heard.append((seq, orjson.loads(data)))
            )

            await hub.presence.connected(bob.team_id, bob.user_id)
            view = await users.get_presence(hub, bob, None)
            assert (view.presence, view.online, view.auto_away) == ("active", True, False)
            assert view.connection_count == 1 and view.last_activity > 0
            assert (await users.get_presence(hub, alice, bob.user_id)).presence == "active"

            await users.set_presence(hub, bob, "away")
            await users.set_presence(hub, bob, "away")  # no change, no event
            view = await users.get_presence(hub, bob, None)
            assert (view.presence, view.online, view.manual_away) == ("away", True, True)
            await users.set_presence(hub, bob, "auto")
            assert (await users.get_presence(hub, alice, bob.user_id)).presence == "active"
            assert heard == [
                (0, {"type": "manual_presence_change", "presence": "away"}),
                (0, {"type": "manual_presence_change", "presence": "active"}),
            ]

            await hub.presence.disconnected(bob.team_id, bob.user_id)
            assert (await users.get_presence(hub, bob, None)).presence == "away"
        finally:
            await hub.close()

    asyncio.run(main())
