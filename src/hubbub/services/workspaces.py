"""Workspaces, their people and bots."""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Team, User
from hubbub.domain.names import check_domain
from hubbub.domain.shapes import user_json
from hubbub.services.auth import hash_password, issue_token
from hubbub.services.channels import join_tx, new_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

DEFAULT_CHANNELS = ("general", "random")
BOT_SCOPES = "chat:write,channels:read,channels:history,groups:read,im:read,reactions:write"


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    token: str


async def create_workspace(hub: Hub, name: str, domain: str) -> Team:
    check_domain(domain)
    if not name.strip():
        raise SlackError("invalid_name")

    def unit(tx: Tx, _log: EventLog) -> Team:
        team = Team(id=new_id("T"), name=name.strip(), domain=domain, created=tx.now)
        tx.insert_team(team)
        for channel_name in DEFAULT_CHANNELS:
            tx.insert_channel(new_channel(team.id, "USLACKBOT", channel_name, tx.now))
        return team

    return await hub.commit(unit)


def _team(tx: Tx, domain: str) -> Team:
    team = tx.get_team_by_domain(domain)
    if team is None:
        raise SlackError("team_not_found")
    return team


def _add_user(tx: Tx, log: EventLog, user: User, password: str | None) -> None:
    if user.email and tx.get_user_by_email(user.team_id, user.email) is not None:
        raise SlackError("email_taken")
    tx.insert_user(user, hash_password(password) if password else None)
    log.team_event(user.team_id, {"type": "team_join", "user": user_json(user)})
    for channel_name in DEFAULT_CHANNELS:
        channel = tx.get_channel_by_name(user.team_id, channel_name)
        if channel is not None and not channel.is_archived:
            join_tx(tx, log, channel, user.id)


async def create_user(
    hub: Hub,
    domain: str,
    *,
    email: str,
    name: str,
    password: str | None = None,
    admin: bool = False,
    real_name: str | None = None,
) -> Account:
    name = name.strip()
    email = email.strip().lower()
    if not name or not email or "@" not in email:
        raise SlackError("invalid_arguments")

    def unit(tx: Tx, log: EventLog) -> Account:
        team = _team(tx, domain)
        user = User(
            team_id=team.id,
            id=new_id("U"),
            name=name,
            real_name=real_name or name,
            email=email,
            is_admin=admin,
            is_owner=admin,
            is_bot=False,
            bot_id=None,
            deleted=False,
            tz="UTC",
            manual_away=False,
            updated=tx.now,
        )
        _add_user(tx, log, user, password)
        return Account(user, issue_token(tx, team.id, user.id, "xoxp"))

    return await hub.commit(unit)


async def create_bot(hub: Hub, domain: str, *, name: str) -> Account:
    name = name.strip()
    if not name:
        raise SlackError("invalid_arguments")

    def unit(tx: Tx, log: EventLog) -> Account:
        team = _team(tx, domain)
        user = User(
            team_id=team.id,
            id=new_id("U"),
            name=name,
            real_name=name,
            email=None,
            is_admin=False,
            is_owner=False,
            is_bot=True,
            bot_id=new_id("B"),
            deleted=False,
            tz="UTC",
            manual_away=False,
            updated=tx.now,
        )
        tx.insert_user(user)
        log.team_event(team.id, {"type": "team_join", "user": user_json(user)})
        return Account(user, issue_token(tx, team.id, user.id, "xoxb", BOT_SCOPES))

    return await hub.commit(unit)


async def deactivate_user(hub: Hub, domain: str, user_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        team = _team(tx, domain)
        user = tx.get_user(team.id, user_id)
        if user is None:
            raise SlackError("user_not_found")
        tx.update_user(team.id, user_id, deleted=True)
        changed = tx.get_user(team.id, user_id)
        assert changed is not None
        log.team_event(team.id, {"type": "user_change", "user": user_json(changed)})

    await hub.commit(unit)
