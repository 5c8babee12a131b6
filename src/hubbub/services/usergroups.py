"""User groups: creating, changing, disabling and enabling them, and their members (whom a
change of members adds to the default channels: services/usergroup_members.py).

Every change logs its event on the workspace's stream (subteam_created, subteam_updated,
subteam_members_changed), which every socket and every app subscribed to it hears. Anyone of the
workspace may create and change groups; only an admin, the group's creator or an app granted
usergroups:write may disable or enable one (Slack's permission_denied for others).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id, new_id
from hubbub.domain.model import Identity
from hubbub.domain.usergroups import (
    MAX_MEMBERS,
    Usergroup,
    check_description,
    check_handle,
    check_name,
    default_handle,
    members_changed_event,
    updated_event,
    usergroup_json,
)
from hubbub.services.hub import EventLog, Hub
from hubbub.services.usergroup_members import members_changed_tx
from hubbub.store.tx import Tx

# The most default channels one group may name (Slack's too_many_linked_channels).
MAX_CHANNELS = 100


@dataclass(frozen=True, slots=True)
class Changes:
    """What usergroups.create and usergroups.update take; None: not given."""

    name: str | None = None
    handle: str | None = None
    description: str | None = None
    channels: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class Shown:
    """A group with its members, as the methods that show one read it."""

    group: Usergroup
    users: list[str]


def _checked(changes: Changes) -> Changes:
    """The changes in their stored form, each checked (before anything is read)."""
    channels = changes.channels
    if channels is not None:
        channels = list(dict.fromkeys(channels))
        if len(channels) > MAX_CHANNELS:
            raise SlackError("too_many_linked_channels")
    return Changes(
        name=None if changes.name is None else check_name(changes.name),
        handle=None if changes.handle is None else check_handle(changes.handle),
        description=None if changes.description is None else check_description(changes.description),
        channels=channels,
    )


def _check_channels(tx: Tx, team_id: str, channel_ids: Sequence[str]) -> None:
    """Default channels are public channels of the workspace."""
    for channel_id in channel_ids:
        channel = tx.get_channel(team_id, channel_id) if is_slack_id(channel_id) else None
        if channel is None or channel.is_private or channel.is_im or channel.is_mpim:
            raise SlackError("invalid_channel_provided")


def _check_free(tx: Tx, team_id: str, changes: Changes, other_than: str = "") -> None:
    taken = tx.usergroup_taken(team_id, changes.name, changes.handle, other_than)
    if taken is not None:
        raise SlackError(taken)


def _existing(tx: Tx, who: Identity, usergroup_id: str) -> Usergroup:
    group = tx.get_usergroup(who.team_id, usergroup_id)
    if group is None:
        raise SlackError("no_such_subteam")
    return group


def _shown(tx: Tx, group: Usergroup) -> Shown:
    return Shown(group, tx.usergroup_member_ids(group.team_id, group.id))


async def create(hub: Hub, who: Identity, changes: Changes) -> Shown:
    changes = _checked(changes)
    assert changes.name is not None
    handle = changes.handle
    if handle is None:
        handle = check_handle(default_handle(changes.name))

    def unit(tx: Tx, log: EventLog) -> Shown:
        wanted = replace(changes, handle=handle)
        _check_free(tx, who.team_id, wanted)
        _check_channels(tx, who.team_id, changes.channels or ())
        group = Usergroup(
            team_id=who.team_id,
            id=new_id("S"),
            name=changes.name or "",
            handle=handle,
            description=changes.description or "",
            channels=tuple(changes.channels or ()),
            created=tx.now,
            created_by=who.user_id,
            updated=tx.now,
            updated_by=who.user_id,
            deleted=0,
            deleted_by=None,
        )
        if not tx.insert_usergroup(group):
            _check_free(tx, who.team_id, wanted)  # taken since the check: says which
        shown = Shown(group, [])
        log.team_event(who.team_id, {"type": "subteam_created", "subteam": _json(shown)})
        return shown

    return await hub.commit(who.team_id, unit)


def _json(shown: Shown) -> dict[str, object]:
    return usergroup_json(shown.group, user_count=len(shown.users))


async def update(hub: Hub, who: Identity, usergroup_id: str, changes: Changes) -> Shown:
    changes = _checked(changes)

    def unit(tx: Tx, log: EventLog) -> Shown:
        group = _existing(tx, who, usergroup_id)
        _check_free(tx, who.team_id, changes, other_than=group.id)
        _check_channels(tx, who.team_id, changes.channels or ())
        changed = replace(
            group,
            name=group.name if changes.name is None else changes.name,
            handle=group.handle if changes.handle is None else changes.handle,
            description=group.description if changes.description is None else changes.description,
            channels=group.channels if changes.channels is None else tuple(changes.channels),
            updated=tx.now,
            updated_by=who.user_id,
        )
        if not tx.update_usergroup(changed):
            _check_free(tx, who.team_id, changes, other_than=group.id)
        shown = _shown(tx, changed)
        log.team_event(who.team_id, updated_event(changed, shown.users))
        return shown

    return await hub.commit(who.team_id, unit)


def _may_switch(who: Identity, group: Usergroup) -> None:
    if not (who.is_admin or who.user_id == group.created_by or who.app_id is not None):
        raise SlackError("permission_denied")


async def set_enabled(hub: Hub, who: Identity, usergroup_id: str, *, enabled: bool) -> Shown:
    """usergroups.enable and usergroups.disable: the group as it is after; a group already so
    is answered as it is, with no event."""

    def unit(tx: Tx, log: EventLog) -> Shown:
        group = _existing(tx, who, usergroup_id)
        _may_switch(who, group)
        if group.enabled == enabled:
            return _shown(tx, group)
        changed = replace(
            group,
            updated=tx.now,
            updated_by=who.user_id,
            deleted=0 if enabled else tx.now,
            deleted_by=None if enabled else who.user_id,
        )
        tx.update_usergroup(changed)
        shown = _shown(tx, changed)
        log.team_event(who.team_id, updated_event(changed, shown.users))
        return shown

    return await hub.commit(who.team_id, unit)


async def list_groups(hub: Hub, who: Identity, *, disabled: bool) -> list[Shown]:
    def unit(tx: Tx) -> list[Shown]:
        groups = tx.list_usergroups(who.team_id, disabled=disabled)
        members = tx.usergroup_members_of(who.team_id, [g.id for g in groups])
        return [Shown(g, members[g.id]) for g in groups]

    return await hub.read(who.team_id, unit)


async def members(hub: Hub, who: Identity, usergroup_id: str, *, disabled: bool) -> list[str]:
    """usergroups.users.list: a disabled group is found only with include_disabled."""

    def unit(tx: Tx) -> list[str]:
        group = _existing(tx, who, usergroup_id)
        if not group.enabled and not disabled:
            raise SlackError("no_such_subteam")
        return tx.usergroup_member_ids(who.team_id, group.id)

    return await hub.read(who.team_id, unit)


def _check_users(tx: Tx, team_id: str, user_ids: Sequence[str]) -> None:
    """Members are people of the workspace, not deactivated."""
    if not all(is_slack_id(u) for u in user_ids):
        raise SlackError("invalid_users")
    found = tx.get_users(team_id, user_ids)
    if len(found) != len(user_ids) or any(u.deleted for u in found.values()):
        raise SlackError("invalid_users")


async def set_members(hub: Hub, who: Identity, usergroup_id: str, user_ids: Sequence[str]) -> Shown:
    """usergroups.users.update: the members become exactly these."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        raise SlackError("no_users_provided")
    if len(wanted) > MAX_MEMBERS:
        raise SlackError("subteam_max_users_exceeded")

    def unit(tx: Tx, log: EventLog) -> Shown:
        group = _existing(tx, who, usergroup_id)
        _check_users(tx, who.team_id, wanted)
        added, removed = tx.set_usergroup_members(who.team_id, group.id, wanted)
        if not added and not removed:
            return _shown(tx, group)
        changed = replace(group, updated=tx.now, updated_by=who.user_id)
        tx.update_usergroup(changed)
        shown = _shown(tx, changed)
        log.team_event(who.team_id, updated_event(changed, shown.users))
        log.team_event(who.team_id, members_changed_event(changed, group.updated, added, removed))
        members_changed_tx(tx, log, changed, added, removed)
        return shown

    return await hub.commit(who.team_id, unit)


def mentioned_members(tx: Tx, team_id: str, usergroup_ids: frozenset[str]) -> set[str]:
    """In a unit of work: the people of the enabled groups among these."""
    if not usergroup_ids:
        return set()
    enabled = [
        g for g in usergroup_ids if (found := tx.get_usergroup(team_id, g)) and found.enabled
    ]
    members = tx.usergroup_members_of(team_id, enabled)
    return {u for ids in members.values() for u in ids}
