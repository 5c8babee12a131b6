"""Who is calling: tokens, passwords and browser sessions."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_token, token_hash, token_team
from hubbub.domain.model import Identity, Team, User
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

SESSION_KIND = "xoxc"

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


@functools.cache
def _decoy_hash() -> str:
    """Checked against when no such person exists, so a wrong email costs as long as a wrong
    password and the timing does not tell which accounts exist."""
    return hash_password(secrets.token_hex(16))


def session_csrf(session: str) -> str:
    """The CSRF token of a browser session. Derived from the session token, which only the
    HttpOnly cookie holds, so it needs no storage and dies with the session; HMAC so the page
    that shows it gives nothing away about the token."""
    return hmac.new(session.encode(), b"hubbub-csrf-v1", hashlib.sha256).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


async def authenticate(hub: Hub, token: str | None) -> Identity:
    if not token:
        raise SlackError("not_authed")
    # Keyed by the hash, as the store keeps it: no token is held in the clear past its request.
    hashed = token_hash(token)
    found = hub.identities.get(hashed)
    if found is None:
        # Every token names its workspace, and so the shard that knows it.
        team_id = token_team(token)
        if team_id is None:
            raise SlackError("invalid_auth")
        read_at = hub.identities.version()
        # One statement: consistent without a snapshot.
        found = await _identity(hub, team_id, hashed)
        if found is None:
            # Unknown tokens are not remembered: anyone can send any number of them.
            raise SlackError("invalid_auth")
        hub.identities.put(hashed, found, read_at)
    identity, deleted = found
    if deleted:
        raise SlackError("account_inactive")
    return identity


async def _identity(hub: Hub, team_id: str, hashed: str) -> tuple[Identity, bool] | None:
    try:
        return await hub.read(team_id, lambda tx: tx.identity(hashed), snapshot=False)
    except SlackError as exc:
        if exc.code == "team_not_found":  # a token made up around a team id nobody has
            return None
        raise


def issue_token(
    tx: Tx, team_id: str, user_id: str, kind: str, scopes: str = "", app_id: str | None = None
) -> str:
    token = new_token(kind, team_id, user_id)
    tx.insert_token(token_hash(token), team_id, user_id, kind, scopes, app_id)
    return token


def _login_target(tx: Tx, team_id: str, email: str) -> tuple[str, str, str] | None:
    """(team_id, user_id, password hash) of a live person who has a password."""
    user = tx.get_user_by_email(team_id, email)
    if user is None or user.deleted or user.is_bot:
        return None
    stored = tx.get_password_hash(user.team_id, user.id)
    return (user.team_id, user.id, stored) if stored else None


def _verify(stored: str | None, password: str) -> bool:
    return check_password(stored or _decoy_hash(), password) and stored is not None


async def login(hub: Hub, domain: str, email: str, password: str) -> str:
    """A browser session token (`xoxc-`) for a correct email and password."""
    domain, email = domain.strip().lower(), email.strip().lower()
    team_id = await hub.shards.team_for_domain(domain)
    found = None
    if team_id is not None:
        found = await hub.read(team_id, lambda tx: _login_target(tx, team_id, email))
    # argon2 takes ~50 ms: verified on a worker thread, outside the write transaction.
    good = await asyncio.to_thread(_verify, found[2] if found else None, password)
    if found is None or not good:
        raise SlackError("invalid_credentials")

    def unit(tx: Tx, _log: EventLog) -> str:
        # Deactivated, or the password changed, while we were checking: refuse.
        if _login_target(tx, found[0], email) != found:
            raise SlackError("invalid_credentials")
        return issue_token(tx, found[0], found[1], SESSION_KIND)

    return await hub.commit(found[0], unit)


async def logout(hub: Hub, who: Identity) -> None:
    await hub.commit(who.team_id, lambda tx, _log: tx.revoke_token(who.token_hash))


async def end_session(hub: Hub, session: str) -> None:
    """Revokes a browser session, whether or not its person is still active."""
    team_id = token_team(session)
    if team_id is not None:
        await hub.commit(team_id, lambda tx, _log: tx.revoke_token(token_hash(session)))


async def whoami(hub: Hub, who: Identity) -> tuple[Team, User]:
    def unit(tx: Tx) -> tuple[Team, User]:
        team = tx.get_team(who.team_id)
        user = tx.get_user(who.team_id, who.user_id)
        if team is None or user is None:
            raise SlackError("invalid_auth")
        return team, user

    return await hub.read(who.team_id, unit)
