"""Who is calling: tokens, passwords and browser sessions."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_token, token_hash
from hubbub.domain.model import Identity, Team, User
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(hub: Hub, token: str | None) -> Identity:
    if not token:
        raise SlackError("not_authed")
    found = await hub.read(lambda tx: tx.identity(token_hash(token)))
    if found is None:
        raise SlackError("invalid_auth")
    identity, deleted = found
    if deleted:
        raise SlackError("account_inactive")
    return identity


def issue_token(tx: Tx, team_id: str, user_id: str, kind: str, scopes: str = "") -> str:
    token = new_token(kind, team_id, user_id)
    tx.insert_token(token_hash(token), team_id, user_id, kind, scopes)
    return token


async def login(hub: Hub, domain: str, email: str, password: str) -> str:
    """A browser session token (`xoxc-`) for a correct email and password."""

    def unit(tx: Tx, _log: EventLog) -> str:
        team = tx.get_team_by_domain(domain)
        user = tx.get_user_by_email(team.id, email) if team else None
        stored = tx.get_password_hash(user.team_id, user.id) if user and not user.deleted else None
        if user is None or not check_password(stored, password):
            raise SlackError("invalid_credentials")
        return issue_token(tx, user.team_id, user.id, "xoxc")

    return await hub.commit(unit)


async def logout(hub: Hub, who: Identity) -> None:
    await hub.commit(lambda tx, _log: tx.revoke_token(who.token_hash))


async def whoami(hub: Hub, who: Identity) -> tuple[Team, User]:
    def unit(tx: Tx) -> tuple[Team, User]:
        team = tx.get_team(who.team_id)
        user = tx.get_user(who.team_id, who.user_id)
        if team is None or user is None:
            raise SlackError("invalid_auth")
        return team, user

    return await hub.read(unit)
