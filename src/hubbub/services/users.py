"""People: the directory, profiles and presence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity, User
from hubbub.domain.names import MAX_EMAIL
from hubbub.domain.shapes import user_json
from hubbub.domain.slackbot import SLACKBOT, slackbot_user
from hubbub.presence.port import Change
from hubbub.services import shares
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

# Slack's limits where it states them (status 100), generous ones elsewhere.
PROFILE_TEXT_LIMITS = {
    "display_name": 80,
    "title": 250,
    "phone": 250,
    "skype": 250,
    "first_name": 250,
    "last_name": 250,
    "status_text": 100,
    "status_emoji": 100,
}
MAX_REAL_NAME = 250
MAX_PROFILE_FIELDS = 50

# An event outside every log (presence is ephemeral, never logged: docs/architecture.md §3) is
# published with seq 0, on the stream named by the user it is for. Gateways pass it on without gap
# checks.
EPHEMERAL_SEQ = 0


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    more: bool
    cache_ts: int


@dataclass(frozen=True, slots=True)
class PresenceView:
    presence: str  # "active" or "away"
    online: bool
    auto_away: bool
    manual_away: bool
    connection_count: int
    last_activity: int


def _visible_user(tx: Tx, who: Identity, user_id: str | None, missing: str) -> User:
    """A person of the caller's workspace; other workspaces' people do not exist for them."""
    user = tx.get_user(who.team_id, user_id) if user_id else None
    if user is None:
        raise SlackError(missing)
    return user


async def directory(hub: Hub, who: Identity, *, after: str, limit: int) -> UserPage:
    """A page of the workspace's people and bots in id order, deactivated ones included."""

    def unit(tx: Tx) -> UserPage:
        found = tx.list_users(who.team_id, after, limit + 1)
        return UserPage(found[:limit], len(found) > limit, tx.now)

    return await hub.read(who.team_id, unit)


async def info(hub: Hub, who: Identity, user_id: str) -> User:
    """A person of who's workspace, or of another one they share a channel with (whom the
    caller must show only as Slack shows external people: domain/shapes.py)."""
    user = await hub.read(who.team_id, lambda tx: tx.get_user(who.team_id, user_id))
    if user is None and user_id == SLACKBOT:
        return slackbot_user(who.team_id)  # Slack's own, in every workspace, with no row
    if user is None:
        user = await shares.external_person(hub, who, user_id)
    if user is None:
        raise SlackError("user_not_found")
    return user


async def lookup_by_email(hub: Hub, who: Identity, email: str) -> User:
    address = email.strip().lower()
    user = await hub.read(who.team_id, lambda tx: tx.get_user_by_email(who.team_id, address))
    if user is None or not address:
        raise SlackError("users_not_found")
    return user


# -- presence --------------------------------------------------------------------------------
#
# Effective presence (active while a socket is open and the person has not set away) is worked
# out by the Presence port, which reports each change once. A change is published on the
# person's presence stream with seq 0, never logged (docs/architecture.md §3); sockets that
# subscribed to the person with `presence_sub` follow that stream.

# How many people one presence_sub or presence_query may name.
MAX_PRESENCE_IDS = 500


def presence_stream(user_id: str) -> str:
    """The bus topic of one person's presence changes: apart from their private stream."""
    return "presence:" + user_id


def presence_event(user_id: str, presence: str) -> dict[str, Any]:
    return {"type": "presence_change", "user": user_id, "presence": presence}


async def announce(hub: Hub, user_id: str, change: Change) -> None:
    """Tells the person's subscribers, only when their effective presence changed."""
    if change.changed:
        event = presence_event(user_id, change.after)
        await hub.bus.publish(presence_stream(user_id), EPHEMERAL_SEQ, orjson.dumps(event))


async def connected(hub: Hub, who: Identity) -> None:
    """A socket of the person opened: the first one makes them active unless set away."""
    user = await hub.read(who.team_id, lambda tx: tx.get_user(who.team_id, who.user_id))
    manual_away = user is not None and user.manual_away
    change = await hub.presence.connected(who.team_id, who.user_id, manual_away=manual_away)
    await announce(hub, who.user_id, change)


async def disconnected(hub: Hub, who: Identity) -> None:
    """A socket of the person closed: the last one makes them away."""
    await announce(hub, who.user_id, await hub.presence.disconnected(who.team_id, who.user_id))


async def sweep_presence(hub: Hub) -> int:
    """Tells subscribers of the people whose sockets died with their process; how many."""
    changes = await hub.presence.sweep()
    for _team_id, user_id, change in changes:
        await announce(hub, user_id, change)
    return sum(change.changed for _, _, change in changes)


async def get_presence(hub: Hub, who: Identity, user_id: str | None) -> PresenceView:
    """Active while at least one client is connected and the person has not set away."""
    target = user_id or who.user_id
    user = await hub.read(who.team_id, lambda tx: _visible_user(tx, who, target, "user_not_found"))
    count, last = await hub.presence.connections(who.team_id, user.id)
    online = count > 0
    manual_away = user.manual_away and not user.deleted
    return PresenceView(
        presence="active" if online and not manual_away and not user.deleted else "away",
        online=online,
        # With no client connected we have seen no activity at all.
        auto_away=not online,
        manual_away=manual_away,
        connection_count=count,
        last_activity=last,
    )


async def presence_of(hub: Hub, who: Identity, user_ids: Any) -> dict[str, str]:
    """The presence of each named person of who's workspace, in the order named.

    Ids that are not people of the workspace are left out, as are ids beyond MAX_PRESENCE_IDS.
    """
    if not isinstance(user_ids, list):
        return {}
    wanted = [u for u in dict.fromkeys(user_ids) if isinstance(u, str)][:MAX_PRESENCE_IDS]
    found = await hub.read(who.team_id, lambda tx: tx.get_users(who.team_id, wanted))
    out: dict[str, str] = {}
    for user_id in wanted:
        user = found.get(user_id)
        if user is None:
            continue
        count, _ = await hub.presence.connections(who.team_id, user_id)
        out[user_id] = "active" if count and not user.manual_away and not user.deleted else "away"
    return out


async def set_presence(hub: Hub, who: Identity, presence: str) -> None:
    if presence not in ("auto", "away"):
        raise SlackError("invalid_presence")
    away = presence == "away"

    def unit(tx: Tx, _log: EventLog) -> bool:
        user = _visible_user(tx, who, who.user_id, "user_not_found")
        if user.manual_away == away:
            return False
        tx.update_user(who.team_id, who.user_id, manual_away=away)
        return True

    changed = await hub.commit(who.team_id, unit)
    change = await hub.presence.set_manual_away(who.team_id, who.user_id, away)
    await announce(hub, who.user_id, change)
    if changed:
        # Slack tells every connection of the person, so their other clients follow.
        event = {"type": "manual_presence_change", "presence": "away" if away else "active"}
        await hub.bus.publish(who.user_id, EPHEMERAL_SEQ, orjson.dumps(event))


# -- profiles --------------------------------------------------------------------------------


async def get_profile(hub: Hub, who: Identity, user_id: str | None) -> User:
    return await hub.read(
        who.team_id, lambda tx: _visible_user(tx, who, user_id or who.user_id, "user_not_found")
    )


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SlackError("invalid_profile")
    text = value.strip()
    if len(text) > limit:
        raise SlackError("too_long")
    return text


def _expiration(value: Any) -> int:
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_profile") from exc
    if isinstance(value, bool) or not 0 <= number < 2**53:
        raise SlackError("invalid_profile")
    return number


def profile_changes(raw: Any) -> dict[str, Any]:
    """The fields of a profile update we keep, checked; Slack ignores fields it does not know."""
    if not isinstance(raw, dict) or len(raw) > MAX_PROFILE_FIELDS:
        raise SlackError("invalid_profile")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in PROFILE_TEXT_LIMITS:
            out[key] = _text(value, PROFILE_TEXT_LIMITS[key])
        elif key == "real_name":
            out[key] = _text(value, MAX_REAL_NAME)
        elif key == "email":
            out[key] = _text(value, MAX_EMAIL).lower()
        elif key == "status_expiration":
            out[key] = _expiration(value)
    return out


def _may_edit(who: Identity, actor: User, target: User, changes: dict[str, Any]) -> None:
    if who.bot_id:
        # users.profile.set takes user tokens only (scope users.profile:write).
        raise SlackError("not_allowed_token_type")
    if target.id != actor.id:
        if not actor.is_admin:
            raise SlackError("not_admin")
        if (target.is_admin or target.is_owner) and not actor.is_owner:
            raise SlackError("cannot_update_admin_user")
    if "email" in changes and changes["email"] != target.email and not actor.is_admin:
        raise SlackError("not_admin")


def _apply(tx: Tx, target: User, changes: dict[str, Any]) -> User:
    profile = dict(target.profile)
    profile.update({k: v for k, v in changes.items() if k not in ("real_name", "email")})
    email: str | None = changes.get("email", target.email)
    if email != target.email:
        if not email or "@" not in email:
            raise SlackError("invalid_profile")
        if tx.get_user_by_email(target.team_id, email) is not None:
            raise SlackError("email_taken")
    changed = replace(
        target,
        real_name=changes.get("real_name", target.real_name),
        email=email,
        profile=profile,
    )
    if changed == target:
        return target
    tx.update_user(
        target.team_id,
        target.id,
        real_name=changed.real_name,
        email=changed.email,
        profile=changed.profile,
    )
    return replace(changed, updated=tx.now)


async def set_profile(
    hub: Hub, who: Identity, user_id: str | None, changes: dict[str, Any]
) -> User:
    """Changes a profile and tells the workspace with `user_change`, as Slack does."""

    def unit(tx: Tx, log: EventLog) -> User:
        actor = _visible_user(tx, who, who.user_id, "user_not_found")
        target = _visible_user(tx, who, user_id or who.user_id, "user_not_found")
        _may_edit(who, actor, target, changes)
        changed = _apply(tx, target, changes)
        if changed is not target:
            shown = user_json(changed, datetime.now(UTC))
            log.team_event(who.team_id, {"type": "user_change", "user": shown})
        return changed

    return await hub.commit(who.team_id, unit)
