"""User groups (Slack's subteams): their rules, Slack's error codes and JSON shapes. No I/O here.

A group has a name and a handle, each unique in its workspace (the handle among people's names
too, since `@handle` and `@name` are typed alike), a description, default channels, and its
members. Disabling one keeps its members; a disabled group is listed only when asked for
(`include_disabled`) and its mention notifies nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id
from hubbub.domain.mentions import BROADCASTS

MAX_NAME = 255
MAX_DESCRIPTION = 140
MAX_HANDLE = 21
# Slack's own limit on a group's members.
MAX_MEMBERS = 10_000
# subteam_updated names at most this many members; user_count still counts them all.
EVENT_USERS = 500
# Handles people could not tell apart from Slack's own words.
FORBIDDEN_HANDLES = frozenset({*BROADCASTS, "group", "slackbot", "admins", "owners"})

_HANDLE = re.compile(r"[a-z0-9][a-z0-9._\-]*\Z")


@dataclass(frozen=True, slots=True)
class Usergroup:
    team_id: str
    id: str
    name: str
    handle: str
    description: str
    channels: tuple[str, ...]
    created: int
    created_by: str
    updated: int
    updated_by: str
    deleted: int  # seconds; 0 while enabled
    deleted_by: str | None

    @property
    def enabled(self) -> bool:
        return self.deleted == 0


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise SlackError("missing_subteam_name")
    if len(name) > MAX_NAME:
        raise SlackError("name_too_long")
    return name


def check_handle(handle: str) -> str:
    """A handle as `@handle` is typed: lower case, a letter or digit first, then letters,
    digits, `.`, `_` and `-`."""
    handle = handle.strip().removeprefix("@").lower()
    if not handle or len(handle) > MAX_HANDLE or not _HANDLE.match(handle):
        raise SlackError("bad_handle")
    if handle in FORBIDDEN_HANDLES:
        raise SlackError("forbidden_handle")
    return handle


def default_handle(name: str) -> str:
    """The handle of a group created without one: its name in handle form."""
    words = re.sub(r"[^a-z0-9._\-]+", "-", name.lower()).strip("-._")
    return words[:MAX_HANDLE].rstrip("-._")


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise SlackError("description_too_long")
    return description


def name_key(name: str) -> str:
    """What two names must not share: names differing only in case are the same name."""
    return name.casefold()


def usergroup_id(value: str | None) -> str:
    """The `usergroup` argument: an id in Slack's shape, else the group does not exist."""
    if not value:
        raise SlackError("missing_argument")
    if not value.startswith("S") or not is_slack_id(value):
        raise SlackError("no_such_subteam")
    return value


def usergroup_json(
    group: Usergroup,
    *,
    users: Sequence[str] | None = None,
    user_count: int | None = None,
) -> dict[str, Any]:
    """Slack's usergroup object; `users` and `user_count` only where the method adds them."""
    out: dict[str, Any] = {
        "id": group.id,
        "team_id": group.team_id,
        "is_usergroup": True,
        "is_subteam": True,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": False,
        "date_create": group.created,
        "date_update": group.updated,
        "date_delete": group.deleted,
        "auto_type": None,
        "created_by": group.created_by,
        "updated_by": group.updated_by,
        "deleted_by": group.deleted_by,
        "prefs": {"channels": list(group.channels), "groups": []},
    }
    if users is not None:
        out["users"] = list(users)
    if user_count is not None:
        out["user_count"] = user_count
    return out


def updated_event(group: Usergroup, users: Sequence[str]) -> dict[str, Any]:
    """subteam_updated: the group with its members, named up to EVENT_USERS."""
    return {
        "type": "subteam_updated",
        "subteam": usergroup_json(group, users=users[:EVENT_USERS], user_count=len(users)),
    }


def members_changed_event(
    group: Usergroup, previous_update: int, added: Iterable[str], removed: Iterable[str]
) -> dict[str, Any]:
    """subteam_members_changed, with Slack's counts as strings."""
    plus, minus = sorted(added), sorted(removed)
    return {
        "type": "subteam_members_changed",
        "subteam_id": group.id,
        "team_id": group.team_id,
        "date_previous_update": previous_update,
        "date_update": group.updated,
        "added_users": plus,
        "added_users_count": str(len(plus)),
        "removed_users": minus,
        "removed_users_count": str(len(minus)),
    }
