"""users.* methods (users.conversations lives with conversations.*)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, TIER_3, TIER_4, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.model import User
from hubbub.domain.shapes import person_json, user_json
from hubbub.services import users

router = Router()

# Every user has the same locale until people can choose one.
LOCALE = "en-US"
USERS_PAGE = 1000


def _user(user: User, include_locale: bool, viewer_team: str) -> dict[str, Any]:
    # Someone of another workspace, met in a shared channel: only what Slack shows them.
    out = person_json(user, viewer_team, datetime.now(UTC))
    if include_locale:
        out["locale"] = LOCALE
    return out


@router.method(
    "users.list",
    scopes="users:read",
    tier=TIER_2,
    args={"cursor": "string", "limit": "integer", "include_locale": "boolean", "team_id": "string"},
)
async def list_users(call: Call) -> dict[str, Any]:
    """Lists the workspace's people and bots, deactivated ones included."""
    team_id = call.text("team_id")
    if team_id and team_id != call.who.team_id:
        raise SlackError("team_not_found")
    limit = cursor.clamp_limit(call.integer("limit"), default=USERS_PAGE, maximum=USERS_PAGE)
    token = call.text("cursor")
    after = cursor.decode("user", token) if token else ""
    page = await users.directory(call.hub, call.who, after=after, limit=limit)
    locale = call.flag("include_locale")
    last = page.users[-1].id if page.more and page.users else None
    return {
        "members": [_user(u, locale, call.who.team_id) for u in page.users],
        "cache_ts": page.cache_ts,
        **next_cursor(cursor.encode("user", last) if last else None),
    }


@router.method(
    "users.info",
    scopes="users:read",
    tier=TIER_4,
    args={"user": "string", "include_locale": "boolean"},
)
async def info(call: Call) -> dict[str, Any]:
    """Information about one person or bot."""
    user = await users.info(call.hub, call.who, call.required("user", "user_not_found"))
    return {"user": _user(user, call.flag("include_locale"), call.who.team_id)}


@router.method(
    "users.lookupByEmail", scopes="users:read.email", tier=TIER_3, args={"email": "string"}
)
async def lookup_by_email(call: Call) -> dict[str, Any]:
    """Finds a person by email address."""
    user = await users.lookup_by_email(
        call.hub, call.who, call.required("email", "users_not_found")
    )
    return {"user": user_json(user, datetime.now(UTC))}


@router.method("users.setPresence", scopes="users:write", tier=TIER_2, args={"presence": "string"})
async def set_presence(call: Call) -> dict[str, Any]:
    """Sets the caller's manual presence: auto or away."""
    await users.set_presence(call.hub, call.who, call.required("presence", "invalid_presence"))
    return {}


@router.method("users.getPresence", scopes="users:read", tier=TIER_3, args={"user": "string"})
async def get_presence(call: Call) -> dict[str, Any]:
    """A person's presence; the caller's own comes with how it was worked out."""
    user_id = call.text("user") or call.who.user_id
    view = await users.get_presence(call.hub, call.who, user_id)
    if user_id != call.who.user_id:
        return {"presence": view.presence}
    out: dict[str, Any] = {
        "presence": view.presence,
        "online": view.online,
        "auto_away": view.auto_away,
        "manual_away": view.manual_away,
        "connection_count": view.connection_count,
    }
    # Slack leaves last_activity out when no client is connected.
    if view.online:
        out["last_activity"] = view.last_activity
    return out


@router.method(
    "users.profile.get",
    scopes="users.profile:read",
    tier=TIER_4,
    args={"user": "string", "include_labels": "boolean"},
)
async def profile_get(call: Call) -> dict[str, Any]:
    """A person's profile."""
    user = await users.get_profile(call.hub, call.who, call.text("user"))
    profile: dict[str, Any] = user_json(user, datetime.now(UTC))["profile"]
    return {"profile": profile}


@router.method(
    "users.profile.set",
    scopes="users.profile:write",
    tier=TIER_3,
    args={"profile": "json", "name": "string", "value": "string", "user": "string"},
)
async def profile_set(call: Call) -> dict[str, Any]:
    """Changes profile fields of the caller, or of another person when an admin asks."""
    raw = call.json("profile", "invalid_profile")
    if raw is None:
        name = call.text("name")
        raw = {name: call.text("value") or ""} if name else {}
    changes = users.profile_changes(raw)
    user = await users.set_profile(call.hub, call.who, call.text("user"), changes)
    profile: dict[str, Any] = user_json(user, datetime.now(UTC))["profile"]
    return {"profile": profile}
