"""`hubbub bench fanout --shared N`'s set-up: one channel of the host shared with N workspaces,
the members spread over all of them, the poster the host's."""

from __future__ import annotations

from pathlib import Path

from hubbub.bench.fanout import set_up
from hubbub.services import auth, membership, realtime
from hubbub.services.hub import Hub
from tests.support.servers import run_admin


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
