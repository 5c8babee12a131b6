"""A channel shared between two workspaces on two PostgreSQL shards: its rows stay on the host's
shard, the guest's shard holds only its own record of the share, both sides use it, and moving
either workspace to the other shard keeps the share working (docs/shared-channels.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from hubbub.app import move
from tests.e2e.test_shared_channels import (
    error_of,
    guests_listings,
    invite,
    left_while_away,
    renames_each_side,
    share,
    three_workspaces,
)
from tests.support.rtm import of_type, rtm, text_is
from tests.support.servers import Server, Workspace, make_workspace, threaded_server
from tests.support.shards import ShardSet


@pytest.fixture
def cluster(tmp_path: Path, shard_set: ShardSet) -> Iterator[tuple[Server, Workspace, Workspace]]:
    settings = shard_set.settings()
    # Each new workspace goes to the shard holding fewest: acme to a, globex to b.
    acme = make_workspace(tmp_path / "admin", "acme", settings=settings)
    globex = make_workspace(tmp_path / "admin", "globex", settings=settings)
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    with threaded_server(tmp_path / "data", **store) as server:
        yield server, acme, globex


def _count(shard_set: ShardSet, shard: str, sql: str, *args: str) -> int:
    with shard_set.connect(shard) as conn:
        found = conn.execute(sql, args).fetchone()
    assert found is not None
    return int(found[0])


def _where(shard_set: ShardSet, team_id: str) -> str:
    with shard_set.connect_directory() as conn:
        found = conn.execute(
            "SELECT shard FROM directory_workspaces WHERE team_id = %s", (team_id,)
        ).fetchone()
    assert found is not None
    return str(found[0])


def test_the_shared_channel_lives_on_the_hosts_shard_and_survives_moves(
    cluster: tuple[Server, Workspace, Workspace], shard_set: ShardSet
) -> None:
    server, acme, globex = cluster
    assert (_where(shard_set, acme.team_id), _where(shard_set, globex.team_id)) == ("a", "b")
    channel = share(server, acme, globex)
    a, b = server.client(acme.bob.token), server.client(globex.bob.token)

    with rtm(server, globex.bob.token) as guest:
        posted = b.chat_postMessage(channel=channel, text="from globex")
        a.chat_postMessage(channel=channel, text="from acme", thread_ts=posted["ts"])
        a.reactions_add(channel=channel, timestamp=posted["ts"], name="wave")
        b.chat_update(channel=channel, ts=posted["ts"], text="from globex, edited")
        guest.until(text_is("from acme"))
        cursor = guest.cursor
        with rtm(server, acme.bob.token) as host_side:
            guest.send({"id": 1, "type": "typing", "channel": channel})
            assert host_side.until(of_type("user_typing"))[-1]["user"] == globex.bob.user_id
    # What the guest missed is replayed from the host's log, on the host's shard.
    a.chat_postMessage(channel=channel, text="missed")
    with rtm(server, globex.bob.token, resume=cursor) as again:
        replayed = again.until(text_is("missed"))
        posts = [e["text"] for e in replayed if e["type"] == "message" and "subtype" not in e]
        assert posts == ["missed"]
    assert b.conversations_info(channel=channel)["channel"]["name"] == "acme-deals"
    assert a.users_info(user=globex.bob.user_id)["user"]["team_id"] == globex.team_id
    assert b.users_info(user=acme.bob.user_id)["user"]["team_id"] == acme.team_id
    assert channel in {c["id"] for c in b.conversations_list()["channels"]}
    # A guest's settings for the channel are kept on the guest's own shard.
    b.api_call("users.prefs.setChannelNotifications", json={"channel": channel, "level": "all"})
    prefs = b.api_call("users.prefs.getChannelNotifications", params={"channel": channel})
    assert prefs["prefs"][0]["level"] == "all"
    stored = "SELECT count(*) FROM notification_prefs WHERE team_id = %s AND channel_id = %s"
    assert _count(shard_set, "b", stored, globex.team_id, channel) == 1

    # Every row of the channel, globex's messages and memberships too, is on acme's shard.
    messages = "SELECT count(*) FROM messages WHERE channel_id = %s"
    assert _count(shard_set, "a", messages, channel) >= 4  # joins and the two posts
    assert _count(shard_set, "b", messages, channel) == 0
    members = "SELECT count(*) FROM members WHERE channel_id = %s AND member_team = %s"
    assert _count(shard_set, "a", members, channel, globex.team_id) == 2
    assert (
        _count(shard_set, "b", "SELECT count(*) FROM members WHERE channel_id = %s", channel) == 0
    )
    mine = "SELECT count(*) FROM shared_channels WHERE team_id = %s AND state = 'accepted'"
    assert _count(shard_set, "b", mine, globex.team_id) == 1
    assert _count(shard_set, "a", "SELECT count(*) FROM shared_channels") == 0

    # Swap the two workspaces' shards, one after the other: the share follows each.
    for domain, team, target in (("acme", acme, "b"), ("globex", globex, "a")):
        move(shard_set.settings(), domain, target)
        assert _where(shard_set, team.team_id) == target
        b.chat_postMessage(channel=channel, text=f"after moving {domain}")
        texts = [m["text"] for m in a.conversations_history(channel=channel)["messages"]]
        assert f"after moving {domain}" in texts
        assert b.conversations_info(channel=channel)["channel"]["is_shared"] is True
    assert _count(shard_set, "b", messages, channel) >= 6
    assert _count(shard_set, "a", messages, channel) == 0

    with rtm(server, globex.bob.token) as guest:
        a.chat_postMessage(channel=channel, text="live after the moves")
        guest.until(text_is("live after the moves"))
        server.client(acme.alice.token).admin_conversations_disconnectShared(channel_id=channel)
        a.chat_postMessage(channel=channel, text="not for globex")
        with rtm(server, acme.bob.token) as host_side:
            a.chat_postMessage(channel=channel, text="for acme")
            host_side.until(text_is("for acme"))
        assert not [e for e in guest.sync() if e.get("text") in ("not for globex", "for acme")]
    assert error_of(lambda: b.conversations_history(channel=channel)) == "channel_not_found"
    assert error_of(lambda: b.chat_postMessage(channel=channel, text="x")) == "channel_not_found"
    assert channel not in {c["id"] for c in b.conversations_list()["channels"]}
    gone = "SELECT count(*) FROM shared_channels WHERE team_id = %s AND state = 'disconnected'"
    assert _count(shard_set, "a", gone, globex.team_id) == 1


def test_a_guest_who_left_while_away_is_replayed_up_to_the_leave_from_the_hosts_shard(
    cluster: tuple[Server, Workspace, Workspace],
) -> None:
    left_while_away(*cluster)


def test_a_guest_s_listings_read_the_hosts_shard_too(
    cluster: tuple[Server, Workspace, Workspace],
) -> None:
    guests_listings(*cluster)


def test_a_rename_is_told_to_the_renaming_side_only_across_shards(
    cluster: tuple[Server, Workspace, Workspace],
) -> None:
    renames_each_side(*cluster)


def test_three_workspaces_in_one_channel_over_two_shards(
    tmp_path: Path, shard_set: ShardSet
) -> None:
    settings = shard_set.settings()
    acme = make_workspace(tmp_path / "admin", "acme", settings=settings)
    globex = make_workspace(tmp_path / "admin", "globex", settings=settings)
    initech = make_workspace(tmp_path / "admin", "initech", settings=settings)
    # The host and one guest share shard a; the other guest is alone on b.
    placed = [_where(shard_set, w.team_id) for w in (acme, globex, initech)]
    assert placed == ["a", "b", "a"]
    store = {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
    with threaded_server(tmp_path / "data", **store) as server:
        three_workspaces(server, acme, globex, initech)


def _at_once(calls: list[Callable[[], object]]) -> list[str]:
    """Runs the calls together, each in its thread from one barrier: "ok" or the error."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> str:
        barrier.wait()
        try:
            call()
        except SlackApiError as refused:
            return str(refused.response["error"])
        return "ok"

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_race_for_one_local_name_answers_name_taken(
    cluster: tuple[Server, Workspace, Workspace],
) -> None:
    """Two acceptances and a new channel of globex claiming one name at once, on PostgreSQL:
    one wins, the others answer name_taken, and the name is globex's once."""
    server, acme, globex = cluster
    a, b = server.client(acme.alice.token), server.client(globex.alice.token)
    for round in range(12):
        name = f"race-{round}"
        offers = []
        for side in ("x", "y"):
            channel = a.conversations_create(name=f"offer-{round}{side}")["channel"]["id"]
            offers.append(invite(a, channel, "alice@globex.test"))

        create = partial(b.conversations_create, name=name)
        accept = partial(b.conversations_acceptSharedInvite, channel_name=name)
        outcomes = _at_once([create, *(partial(accept, invite_id=i) for i in offers)])
        assert sorted(outcomes) == ["name_taken", "name_taken", "ok"], (round, outcomes)
        named = [c for c in b.conversations_list(limit=1000)["channels"] if c["name"] == name]
        assert len(named) == 1
