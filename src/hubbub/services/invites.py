"""Invite links: a member makes one; anyone who holds it may sign up into that workspace.
Claim links: one per person who has an account and no password yet (an imported person,
docs/import.md); the first to open it sets that account's email and password, once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import invite_team, new_invite_code, token_hash
from hubbub.domain.model import Identity, Team, User
from hubbub.domain.names import email_address
from hubbub.services import workspaces
from hubbub.services.auth import SESSION_KIND, issue_token
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


def _opened_tx(tx: Tx, team_id: str, code: str) -> tuple[Team, User | None]:
    """The workspace a live invite code lets people into, and for a claim code the person it
    hands over: one still active with no password (else it was claimed another way, and the
    link is spent); invalid_invite for any other code."""
    invite = tx.get_invite(team_id, token_hash(code))
    team = tx.get_team(team_id)
    if invite is None or invite.expires <= tx.now or team is None:
        raise SlackError("invalid_invite")
    if invite.user_id is None:
        return team, None
    user = tx.get_user(team_id, invite.user_id)
    if user is None or user.deleted or user.is_bot or tx.get_password_hash(team_id, user.id):
        raise SlackError("invalid_invite")
    return team, user


async def invite_info(hub: Hub, code: str) -> tuple[Team, User | None]:
    """The workspace an invite link joins, for its page, and for a claim link the person."""
    team_id = _team_of(code)
    with _unknown_team_is_invalid():
        return await hub.read(team_id, lambda tx: _opened_tx(tx, team_id, code))


async def create_claims(hub: Hub, team_id: str, user_ids: list[str], ttl_s: int) -> dict[str, str]:
    """A claim link for each of these people who is active, no bot and has no password:
    user id -> URL, valid for ttl_s. Links made before stay valid until they expire."""
    codes = {user_id: new_invite_code(team_id) for user_id in user_ids}

    def unit(tx: Tx, _log: EventLog) -> dict[str, str]:
        made = {}
        for user_id, code in codes.items():
            user = tx.get_user(team_id, user_id)
            if user is None or user.deleted or user.is_bot:
                continue
            if tx.get_password_hash(team_id, user_id):
                continue
            tx.insert_invite(team_id, token_hash(code), user_id, tx.now + ttl_s, user_id)
            made[user_id] = code
        return made

    made = await hub.commit(team_id, unit)
    return {user_id: hub.urls.invite(code) for user_id, code in made.items()}


async def claim(hub: Hub, code: str, *, email: str, password: str) -> str:
    """Sets the claimed account's email and password, spends the link and signs its person
    in: their browser session token."""
    team_id = _team_of(code)
    address = email_address(email)
    password_hash = await workspaces.checked_password(password)

    def unit(tx: Tx, _log: EventLog) -> str:
        _, user = _opened_tx(tx, team_id, code)
        if user is None:
            raise SlackError("invalid_invite")  # a link to join, not to claim
        holder = tx.get_user_by_email(team_id, address)
        if holder is not None and holder.id != user.id:
            raise SlackError("email_taken")
        tx.update_user(team_id, user.id, email=address, password_hash=password_hash)
        tx.delete_invite(team_id, token_hash(code))
        return issue_token(tx, team_id, user.id, SESSION_KIND)

    with _unknown_team_is_invalid():
        return await hub.commit(team_id, unit)


async def join_by_invite(hub: Hub, code: str, *, name: str, email: str, password: str) -> str:
    """Signs someone up into the invite's workspace as signup adds people (team_join, the
    default channels) and signs them in: their browser session token."""
    team_id = _team_of(code)
    person = await workspaces.new_person(name, email, password)

    def unit(tx: Tx, log: EventLog) -> str:
        team, claimed = _opened_tx(tx, team_id, code)
        if claimed is not None:
            raise SlackError("invalid_invite")  # a claim link hands over its own account only
        _, session = workspaces.add_person_tx(tx, log, team.id, person, admin=False)
        return session

    with _unknown_team_is_invalid():
        return await hub.commit(team_id, unit)
