"""Workspaces, their people and bots."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel, Identity, Team, User
from hubbub.domain.names import check_domain, email_address
from hubbub.domain.shapes import user_json
from hubbub.services.auth import SESSION_KIND, hash_password, issue_token
from hubbub.services.channel_tx import join_tx, new_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

DEFAULT_CHANNELS = ("general", "random")
BOT_SCOPES = "chat:write,channels:read,channels:history,groups:read,im:read,reactions:write"
MAX_TEAM_NAME = 100
MAX_USER_NAME = 80
MIN_PASSWORD = 8
# argon2 hashes any length, but a megabyte of password is only a way to burn our CPU.
MAX_PASSWORD = 1024
HOME_CHANNELS = 1000


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    token: str


@dataclass(frozen=True, slots=True)
class Signup:
    team: Team
    user: User
    session: str  # an `xoxc-` browser session token: signing up signs you in


@dataclass(frozen=True, slots=True)
class NewPerson:
    """Someone signing up, checked and with their password hashed: ready for a unit of work."""

    name: str
    email: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class Home:
    team: Team
    user: User
    channels: list[Channel]


def _check_team_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_TEAM_NAME:
        raise SlackError("invalid_name")
    return name


def _insert_workspace(tx: Tx, team_id: str, name: str, domain: str, defaults: bool) -> Team:
    team = Team(id=team_id, name=name, domain=domain, created=tx.now)
    tx.insert_team(team)
    for channel_name in DEFAULT_CHANNELS if defaults else ():
        tx.insert_channel(new_channel(team.id, "USLACKBOT", channel_name, tx.now))
    return team


async def create_workspace(
    hub: Hub, name: str, domain: str, *, team_id: str | None = None, defaults: bool = True
) -> Team:
    """A new workspace, with its default channels unless told (an import brings its own);
    team_id: the id it keeps (an import's), else a new one."""
    check_domain(domain)
    name = _check_team_name(name)
    team_id = team_id or new_id("T")
    return await hub.commit_new(
        team_id, domain, lambda tx, _log: _insert_workspace(tx, team_id, name, domain, defaults)
    )


async def team_id_of(hub: Hub, domain: str) -> str:
    return await _team_id(hub, domain)


async def _team_id(hub: Hub, domain: str) -> str:
    team_id = await hub.shards.team_for_domain(domain)
    if team_id is None:
        raise SlackError("team_not_found")
    return team_id


def _team(tx: Tx, team_id: str) -> Team:
    team = tx.get_team(team_id)
    if team is None:  # removed since the directory named it
        raise SlackError("team_not_found")
    return team


def person_user(
    team_id: str, *, name: str, real_name: str, email: str, admin: bool, now: int
) -> User:
    """The User row of a new person (not a bot) of the workspace."""
    return User(
        team_id=team_id,
        id=new_id("U"),
        name=name,
        real_name=real_name,
        email=email,
        is_admin=admin,
        is_owner=admin,
        is_bot=False,
        bot_id=None,
        deleted=False,
        tz="UTC",
        manual_away=False,
        updated=now,
    )


def _add_user(tx: Tx, log: EventLog, user: User, password_hash: str | None) -> None:
    if user.email and tx.get_user_by_email(user.team_id, user.email) is not None:
        raise SlackError("email_taken")
    tx.insert_user(user, password_hash)
    log.team_event(user.team_id, {"type": "team_join", "user": user_json(user, datetime.now(UTC))})
    for channel_name in DEFAULT_CHANNELS:
        channel = tx.get_channel_by_name(user.team_id, channel_name)
        if channel is not None and not channel.is_archived:
            join_tx(tx, log, channel, user.id)


def _check_person(name: str, email: str) -> tuple[str, str]:
    name = name.strip()
    if not name or not email.strip():
        raise SlackError("invalid_arguments")
    if len(name) > MAX_USER_NAME:
        raise SlackError("invalid_name")
    return name, email_address(email)


async def _hash(password: str | None) -> str | None:
    """argon2 costs ~50 ms of CPU: off the event loop, and never inside a unit of work, where
    it would hold up every other commit of the group."""
    if not password:
        return None
    return await asyncio.to_thread(hash_password, password)


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
    name, email = _check_person(name, email)
    password_hash = await _hash(password)
    team_id = await _team_id(hub, domain)

    def unit(tx: Tx, log: EventLog) -> Account:
        team = _team(tx, team_id)
        user = person_user(
            team.id, name=name, real_name=real_name or name, email=email, admin=admin, now=tx.now
        )
        _add_user(tx, log, user, password_hash)
        return Account(user, issue_token(tx, team.id, user.id, "xoxp"))

    return await hub.commit(team_id, unit)


async def create_users(hub: Hub, domain: str, people: list[tuple[str, str]]) -> list[Account]:
    """Many people without passwords, as (name, email), in one transaction (imports, benches)."""
    checked = [_check_person(name, email) for name, email in people]
    team_id = await _team_id(hub, domain)

    def unit(tx: Tx, log: EventLog) -> list[Account]:
        team = _team(tx, team_id)
        out = []
        for name, email in checked:
            user = person_user(
                team.id, name=name, real_name=name, email=email, admin=False, now=tx.now
            )
            _add_user(tx, log, user, None)
            out.append(Account(user, issue_token(tx, team.id, user.id, "xoxp")))
        return out

    return await hub.commit(team_id, unit)


async def checked_password(password: str) -> str:
    """A new password's hash, once it is long enough and not too long (off the event loop)."""
    if len(password) < MIN_PASSWORD:
        raise SlackError("password_too_short")
    if len(password) > MAX_PASSWORD:
        raise SlackError("password_too_long")
    return await asyncio.to_thread(hash_password, password)


async def new_person(name: str, email: str, password: str) -> NewPerson:
    """Checks someone signing up (a new workspace's first person, or by an invite link) and
    hashes their password, before any unit of work."""
    if not name.strip() or not email.strip() or not password:
        raise SlackError("invalid_arguments")
    name, email = _check_person(name, email)
    return NewPerson(name, email, await checked_password(password))


def add_person_tx(
    tx: Tx, log: EventLog, team_id: str, person: NewPerson, *, admin: bool
) -> tuple[User, str]:
    """Adds someone who signed up, as every new person is added (team_join, the default
    channels), and signs them in: returns them and their browser session token."""
    user = person_user(
        team_id,
        name=person.name,
        real_name=person.name,
        email=person.email,
        admin=admin,
        now=tx.now,
    )
    _add_user(tx, log, user, person.password_hash)
    return user, issue_token(tx, team_id, user.id, SESSION_KIND)


async def signup(
    hub: Hub, *, team_name: str, domain: str, email: str, name: str, password: str
) -> Signup:
    """A new workspace and its first person, an admin, in one transaction: all or nothing."""
    domain = domain.strip().lower()
    if not all(v.strip() for v in (team_name, domain, email, name)) or not password:
        raise SlackError("invalid_arguments")
    check_domain(domain)
    team_name = _check_team_name(team_name)
    person = await new_person(name, email, password)

    team_id = new_id("T")

    def unit(tx: Tx, log: EventLog) -> Signup:
        team = _insert_workspace(tx, team_id, team_name, domain, True)
        user, session = add_person_tx(tx, log, team.id, person, admin=True)
        return Signup(team, user, session)

    return await hub.commit_new(team_id, domain, unit)


async def create_bot(hub: Hub, domain: str, *, name: str) -> Account:
    name = name.strip()
    if not name:
        raise SlackError("invalid_arguments")
    team_id = await _team_id(hub, domain)

    def unit(tx: Tx, log: EventLog) -> Account:
        team = _team(tx, team_id)
        user = add_bot_tx(tx, log, team.id, name, name)
        return Account(user, issue_token(tx, team.id, user.id, "xoxb", BOT_SCOPES))

    return await hub.commit(team_id, unit)


def add_bot_tx(
    tx: Tx, log: EventLog, team_id: str, name: str, real_name: str, *, bot_id: str | None = None
) -> User:
    """A bot user, announced with team_join: a legacy bot's (create-bot), an app's, or an
    incoming webhook's (whose bot_id is the B… of its URL)."""
    user = User(
        team_id=team_id,
        id=new_id("U"),
        name=name,
        real_name=real_name,
        email=None,
        is_admin=False,
        is_owner=False,
        is_bot=True,
        bot_id=bot_id or new_id("B"),
        deleted=False,
        tz="UTC",
        manual_away=False,
        updated=tx.now,
    )
    tx.insert_user(user)
    log.team_event(team_id, {"type": "team_join", "user": user_json(user, datetime.now(UTC))})
    return user


async def deactivate_user(hub: Hub, domain: str, user_id: str) -> None:
    team_id = await _team_id(hub, domain)

    def unit(tx: Tx, log: EventLog) -> None:
        team = _team(tx, team_id)
        user = tx.get_user(team.id, user_id)
        if user is None:
            raise SlackError("user_not_found")
        tx.update_user(team.id, user_id, deleted=True)
        changed = tx.get_user(team.id, user_id)
        assert changed is not None
        shown = user_json(changed, datetime.now(UTC))
        log.team_event(team.id, {"type": "user_change", "user": shown})

    await hub.commit(team_id, unit)


async def team_info(hub: Hub, who: Identity, *, team_id: str | None, domain: str | None) -> Team:
    """The caller's own workspace; naming any other one is team_not_found, whether it exists
    or not, so the answer says nothing about workspaces the caller does not belong to."""

    def unit(tx: Tx) -> Team:
        team = tx.get_team(who.team_id)
        if team is None or (team_id and team_id != team.id) or (domain and domain != team.domain):
            raise SlackError("team_not_found")
        return team

    return await hub.read(who.team_id, unit)


async def home(hub: Hub, who: Identity) -> Home:
    """What the browser's front page shows: the workspace, the caller and their channels."""

    def unit(tx: Tx) -> Home:
        team = tx.get_team(who.team_id)
        user = tx.get_user(who.team_id, who.user_id)
        if team is None or user is None:
            raise SlackError("invalid_auth")
        found = tx.visible_channels(
            who.team_id,
            who.user_id,
            kinds=frozenset({"public_channel", "private_channel"}),
            exclude_archived=True,
            member_only=True,
            after="",
            limit=HOME_CHANNELS,
        )
        channels = sorted((c for c, _ in found), key=lambda c: c.name)
        return Home(team, user, channels)

    return await hub.read(who.team_id, unit)
