"""`hubbub bench fanout --shared N`'s set-up: one channel of the host shared with N workspaces,
the members spread over all of them, the poster the host's; embedded, and on two PostgreSQL
shards as the bench's sharded cluster has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubbub.services import auth, membership, realtime
from hubbub.services.hub import Hub
from hubbub_bench.fanout import set_up
from tests.support.servers import run_admin
from tests.support.shards import ShardSet


def test_members_are_spread_over_the_workspaces_sharing_the_channel(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    found = set_up(data_dir, 7, shared=2)
    assert len(found.tokens) == 7

    async def check(hub: Hub) -> None:
        people = [await auth.authenticate(hub, token) for token in found.tokens]
        assert people[0].team_id == found.team_id
        assert len({p.team_id for p in people}) == 3
        assert [p.team_id == found.team_id for p in people] == [i % 3 == 0 for i in range(7)]
        members = await membership.members(hub, people[1], found.channel_id, after="", limit=100)
        assert set(members) >= {p.user_id for p in people}
        assert len(members) == 7 + 3  # and each workspace's admin
        for who in people:
            start = await realtime.start(hub, who, None)
            assert found.channel_id in start.heads

    run_admin(data_dir, check)


def test_on_two_shards_the_workspaces_alternate_and_the_channel_is_the_hosts(
    tmp_path: Path, shard_set: ShardSet
) -> None:
    # The unshared workspace first, as the bench makes them: the shared ones then alternate.
    solo = set_up(tmp_path / "unused", 3, **_store(shard_set))
    found = set_up(tmp_path / "unused", 7, shared=3, **_store(shard_set))
    assert len(found.teams) == 4 and found.teams[0] == found.team_id
    with shard_set.connect_directory() as conn:
        rows = conn.execute("SELECT team_id, shard FROM directory_workspaces").fetchall()
    where = dict(rows)
    assert where[solo.team_id] == "a"
    assert [where[t] for t in found.teams] == ["b", "a", "b", "a"]
    for shard in ("a", "b"):
        with shard_set.connect(shard) as conn:
            held = conn.execute(
                "SELECT count(*) FROM members WHERE channel_id = %s", (found.channel_id,)
            ).fetchone()
        assert held is not None
        assert held[0] == (7 + 4 if shard == "b" else 0)  # all on the host's shard

    async def check(hub: Hub) -> None:
        people = [await auth.authenticate(hub, token) for token in found.tokens]
        assert [where[p.team_id] for p in people] == ["b", "a", "b", "a", "b", "a", "b"]
        for who in people:
            start = await realtime.start(hub, who, None)
            assert found.channel_id in start.heads

    run_admin(tmp_path / "unused", check, shard_set.settings())


def _store(shard_set: ShardSet) -> dict[str, Any]:
    return {"shards": shard_set.shard_urls, "directory_url": shard_set.directory_url}
