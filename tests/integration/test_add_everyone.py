"""`hubbub admin add-everyone` (services/membership.py add_everyone): every active person of a
workspace into one channel, a page (1,000) a commit, on both stores; run again, it adds only
who is missing; past large_room_members the joins post no message."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from hubbub.domain.errors import SlackError
from hubbub.services import channels, membership, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx
from tests.support.servers import env_for

PEOPLE = 100
PAGE = 40
LARGE = 50


async def _channel_join_messages(hub: Hub, team_id: str, channel_id: str) -> int:
    def count(tx: Tx) -> int:
        messages = tx.history(
            team_id, channel_id, oldest="0", latest=None, inclusive=False, limit=10_000
        )
        return sum(1 for m in messages if m.subtype == "channel_join")

    return await hub.read(team_id, count)


async def test_everyone_active_joins_once_in_pages(hub: Hub) -> None:
    team = await workspaces.create_workspace(hub, "Acme", "acme")
    people = await workspaces.create_users(
        hub, "acme", [(f"p{n}", f"p{n}@acme.test") for n in range(PEOPLE)]
    )
    await workspaces.create_bot(hub, "acme", name="robot")
    await workspaces.deactivate_user(hub, "acme", people[7].user.id)
    creator = await authenticate(hub, people[0].token)
    town = await channels.create(hub, creator, "town", is_private=False)

    hub.live = dataclasses.replace(hub.live, large_room_members=LARGE)
    steps: list[tuple[int, int]] = []
    found, joined = await membership.add_everyone(
        hub, team.id, "town", lambda seen, n: steps.append((seen, n)), page=PAGE
    )
    assert found.id == town.id
    assert joined == PEOPLE - 2  # not the creator, already in; not the one deactivated
    assert len(steps) == 3 and steps[-1][1] == joined  # 100 people and a bot: three pages
    count = await hub.read(team.id, lambda tx: tx.count_members(team.id, town.id))
    assert count == PEOPLE - 1
    # A room of 50 (large_room_members here) is not large: its joins up to there post a message.
    assert await _channel_join_messages(hub, team.id, town.id) == LARGE

    assert (await membership.add_everyone(hub, team.id, "town", page=PAGE))[1] == 0  # again
    for name in ("nowhere", ""):
        with pytest.raises(SlackError, match="channel_not_found"):
            await membership.add_everyone(hub, team.id, name)


def test_the_command_prints_what_it_did(tmp_path: Path) -> None:
    data = tmp_path / "data"
    base = [sys.executable, "-m", "hubbub", "admin"]
    env = env_for(data)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*base, *args, "--data-dir", str(data)]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert run("create-workspace", "--name", "Acme", "--domain", "acme").returncode == 0
    assert run("create-user", "--domain", "acme", "--email", "a@acme.test", "--name", "ann")
    done = run("add-everyone", "--domain", "acme", "--channel", "#random")
    assert done.returncode == 0, done.stderr
    assert '"joined":0' in done.stdout  # new people join #general and #random already
    refused = run("add-everyone", "--domain", "acme", "--channel", "nope")
    assert refused.returncode == 1 and '"error":"channel_not_found"' in refused.stdout
