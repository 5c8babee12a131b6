"""usergroups.* methods: user groups, mentioned as `<!subteam^S…>`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, Router
from hubbub.domain.usergroups import usergroup_id, usergroup_json
from hubbub.services import usergroups
from hubbub.services.usergroups import Changes, Shown

router = Router()

READ, WRITE = "usergroups:read", "usergroups:write"
_FIELDS = {
    "name": "string",
    "handle": "string",
    "description": "string",
    "channels": "string",
    "include_count": "boolean",
    "team_id": "string",
}
_ONE = {"usergroup": "string", "include_count": "boolean", "team_id": "string"}


def _changes(call: Call) -> Changes:
    """The fields given; `channels` given empty clears the default channels."""
    channels = None
    if call.args.get("channels") is not None:
        channels = [] if call.args["channels"] in ("", []) else call.id_list("channels")
    return Changes(
        name=call.text("name"),
        handle=call.text("handle"),
        description=call.text("description"),
        channels=channels,
    )


def _group(call: Call, shown: Shown, *, users: bool = True) -> dict[str, Any]:
    """A group as these methods answer it: with its members, and their count if asked."""
    count = len(shown.users) if call.flag("include_count") else None
    return usergroup_json(shown.group, users=shown.users if users else None, user_count=count)


@router.method("usergroups.create", scopes=WRITE, tier=TIER_2, args=_FIELDS)
async def create(call: Call) -> dict[str, Any]:
    """Creates a user group."""
    changes = _changes(call)
    shown = await usergroups.create(call.hub, call.who, replace(changes, name=changes.name or ""))
    return {"usergroup": _group(call, shown)}


@router.method("usergroups.update", scopes=WRITE, tier=TIER_2, args={**_FIELDS, **_ONE})
async def update(call: Call) -> dict[str, Any]:
    """Changes a user group's name, handle, description or default channels."""
    group = usergroup_id(call.text("usergroup"))
    shown = await usergroups.update(call.hub, call.who, group, _changes(call))
    return {"usergroup": _group(call, shown)}


@router.method("usergroups.disable", scopes=WRITE, tier=TIER_2, args=_ONE)
async def disable(call: Call) -> dict[str, Any]:
    """Disables a user group: its mention notifies nobody until it is enabled again."""
    group = usergroup_id(call.text("usergroup"))
    shown = await usergroups.set_enabled(call.hub, call.who, group, enabled=False)
    return {"usergroup": _group(call, shown)}


@router.method("usergroups.enable", scopes=WRITE, tier=TIER_2, args=_ONE)
async def enable(call: Call) -> dict[str, Any]:
    """Enables a disabled user group."""
    group = usergroup_id(call.text("usergroup"))
    shown = await usergroups.set_enabled(call.hub, call.who, group, enabled=True)
    return {"usergroup": _group(call, shown)}


@router.method(
    "usergroups.list",
    scopes=READ,
    tier=TIER_2,
    args={
        "include_count": "boolean",
        "include_disabled": "boolean",
        "include_users": "boolean",
        "team_id": "string",
    },
)
async def list_(call: Call) -> dict[str, Any]:
    """The workspace's user groups, by name; disabled ones only with include_disabled."""
    found = await usergroups.list_groups(call.hub, call.who, disabled=call.flag("include_disabled"))
    with_users = call.flag("include_users")
    return {"usergroups": [_group(call, shown, users=with_users) for shown in found]}


@router.method(
    "usergroups.users.list",
    scopes=READ,
    tier=TIER_2,
    args={"usergroup": "string", "include_disabled": "boolean", "team_id": "string"},
)
async def users_list(call: Call) -> dict[str, Any]:
    """The members of a user group."""
    group = usergroup_id(call.text("usergroup"))
    disabled = call.flag("include_disabled")
    return {"users": await usergroups.members(call.hub, call.who, group, disabled=disabled)}


@router.method(
    "usergroups.users.update", scopes=WRITE, tier=TIER_2, args={**_ONE, "users": "string"}
)
async def users_update(call: Call) -> dict[str, Any]:
    """Makes a user group's members exactly the people given."""
    group = usergroup_id(call.text("usergroup"))
    users = call.id_list("users", missing="no_users_provided")
    shown = await usergroups.set_members(call.hub, call.who, group, users)
    return {"usergroup": _group(call, shown)}
