"""Invite links: a member makes one; anyone who holds it may sign up into that workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import invite_team, new_invite_code, token_hash
from hubbub.domain.model import Identity, Team
from hubbub.services import workspaces
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

INVITE_TTL_S = 14 * 24 * 3600


async def create_invite(hub: Hub, who: Identity) -> str:
    """A new link into who's workspace, valid for 14 days, for as many people as use it."""
    code = new_invite_code(who.team_id)

    def unit(tx: Tx, _log: EventLog) -> None:
        tx.insert_invite(who.team_id, token_hash(code), who.user_id, tx.now + INVITE_TTL_S)

    await hub.commit(who.team_id, unit)
    return hub.urls.invite(code)


@contextlib.contextmanager
def _unknown_team_is_invalid() -> Iterator[None]:
    """A code made up around a team id that no shard knows is only an invalid code."""
    try:
        yield
    except SlackError as exc:
        if exc.code != "team_not_found":
            raise
        raise SlackError("invalid_invite") from exc


def _team_of(code: str) -> str:
    team_id = invite_team(code)
    if team_id is None:
        raise SlackError("invalid_invite")
    return team_id


def _invited_tx(tx: Tx, team_id: str, code: str) -> Team:
    """The workspace a live invite code lets people into; invalid_invite for any other code."""
    invite = tx.get_invite(team_id, token_hash(code))
    team = tx.get_team(team_id)
    if invite is None or invite.expires <= tx.now or team is None:
        raise SlackError("invalid_invite")
    return team


async def invite_info(hub: Hub, code: str) -> Team:
    """The workspace an invite link joins, for its page."""
    team_id = _team_of(code)
    with _unknown_team_is_invalid():
        return await hub.read(team_id, lambda tx: _invited_tx(tx, team_id, code))


async def join_by_invite(hub: Hub, code: str, *, name: str, email: str, password: str) -> str:
    """Signs someone up into the invite's workspace as signup adds people (team_join, the
    default channels) and signs them in: their browser session token."""
    team_id = _team_of(code)
    person = await workspaces.new_person(name, email, password)

    def unit(tx: Tx, log: EventLog) -> str:
        team = _invited_tx(tx, team_id, code)
        _, session = workspaces.add_person_tx(tx, log, team.id, person, admin=False)
        return session

    with _unknown_team_is_invalid():
        return await hub.commit(team_id, unit)
