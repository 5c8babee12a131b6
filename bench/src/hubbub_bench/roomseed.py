"""The room of `hubbub bench room`: a workspace, a poster, and N - 1 more members of one channel.

`bench fanout`'s set-up makes each person as `workspaces.create_users` does (team_join, the
default channels' joins: about ten statements and three logged events a person), about 100 a
second here, so 100,000 would take a quarter of an hour. The room needs only what a socket and
a delivery read: the person, a token, a member row. So the poster and the channel are made
through the services (events and all), and the other members straight through the store's own
methods, BATCH to a transaction: `tx.insert_users` (one statement, as `import-slack` makes
people), `tx.add_member` (the kept member count moves with it) and `auth.issue_token`. No event
is logged for them (no team_join, no channel_join message): nothing listens yet, and a resume
cursor taken later starts after all of it anyway.

`conversations.invite` takes 1,000 people a call, as Slack's does (`membership.MAX_INVITES`),
but each invitee is a logged join (a message, an event, an outbox row): the same cost per person
as create_users' join, so it is not the fast way either.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hubbub.services.hub import Hub

BATCH = 2000  # people per transaction
ROOM = "room"


@dataclass(frozen=True)
class Room:
    team_id: str
    channel_id: str
    tokens: list[str]  # the first one posts
    seed_s: float


def seed(database_url: str, members: int) -> Room:
    """Seeds the room in the PostgreSQL database at database_url (no bus: nobody listens)."""
    return asyncio.run(_seed(database_url, members))


async def _seed(database_url: str, members: int) -> Room:
    from hubbub.app import build_hub
    from hubbub.config import Settings
    from hubbub.services import auth, channels, workspaces

    started = time.perf_counter()
    hub = build_hub(Settings(database_url=database_url))
    try:
        team = await workspaces.create_workspace(hub, "Room", ROOM)
        poster = await workspaces.create_user(
            hub, ROOM, email=f"m0@{ROOM}.test", name="m0", admin=True
        )
        who = await auth.authenticate(hub, poster.token)
        channel = await channels.create(hub, who, ROOM, is_private=False)
        tokens = [poster.token]
        for first in range(1, members, BATCH):
            count = min(BATCH, members - first)
            tokens += await _members(hub, team.id, channel.id, first, count)
    finally:
        await hub.close()
    return Room(team.id, channel.id, tokens, round(time.perf_counter() - started, 1))


async def _members(hub: Hub, team_id: str, channel_id: str, first: int, count: int) -> list[str]:
    """count people m<first>.. made members of the channel in one transaction: their tokens."""
    from hubbub.services.auth import issue_token
    from hubbub.services.hub import EventLog
    from hubbub.services.workspaces import person_user
    from hubbub.store.tx import Tx

    def unit(tx: Tx, _log: EventLog) -> list[str]:
        people = [
            person_user(
                team_id,
                name=f"m{i}",
                real_name=f"m{i}",
                email=f"m{i}@{ROOM}.test",
                admin=False,
                now=tx.now,
            )
            for i in range(first, first + count)
        ]
        tx.insert_users(people)
        tokens = []
        for user in people:
            tx.add_member(team_id, channel_id, user.id)
            tokens.append(issue_token(tx, team_id, user.id, "xoxp"))
        return tokens

    made: list[str] = await hub.commit(team_id, unit)
    return made
