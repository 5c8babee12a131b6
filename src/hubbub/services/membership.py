"""Who is in a conversation: joining, leaving, inviting, removing, read cursors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Membership, User
from hubbub.services import unreads
from hubbub.services.access import home, is_guest, member_channel, visible_channel
from hubbub.services.channel_tx import guest_team, is_general, join_tx, leave_tx, refuse_dm
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

MAX_INVITES = 1000


async def join(hub: Hub, who: Identity, channel_id: str) -> tuple[Channel, bool]:
    """Joins a public channel; returns it and whether the caller was a member already."""

    def unit(tx: Tx, log: EventLog) -> tuple[Channel, bool]:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is not None:
            return channel, True
        join_tx(tx, log, channel, who.user_id, member_team=guest_team(who.team_id, channel))
        return channel, False

    return await hub.commit(await home(hub, who, channel_id), unit)


async def leave(hub: Hub, who: Identity, channel_id: str) -> bool:
    """Leaves a channel; False (and nothing written) if the caller was not in it."""

    def unit(tx: Tx, log: EventLog) -> bool:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if is_general(channel):
            raise SlackError("cant_leave_general")
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is None:
            return False
        # Nobody could ever find a private channel again once its last member left it.
        if channel.is_private and tx.count_members(channel.team_id, channel.id) <= 1:
            raise SlackError("last_member")
        leave_tx(tx, log, channel, who.user_id)
        return True

    return await hub.commit(await home(hub, who, channel_id), unit)


def _check_invitees(
    tx: Tx, who: Identity, channel: Channel, user_ids: list[str], found: dict[str, User]
) -> None:
    """All-or-nothing, as Slack: every refused user is named in `errors`. found: the invitees
    who are people of who's workspace."""
    errors: list[dict[str, Any]] = []
    for user_id in user_ids:
        user = found.get(user_id)
        if user_id == who.user_id:
            code = "cant_invite_self"
        elif user is None:
            code = "user_not_found"
        elif user.deleted:
            code = "cant_invite"
        elif tx.membership(channel.team_id, channel.id, user_id) is not None:
            code = "already_in_channel"
        else:
            continue
        errors.append({"user": user_id, "ok": False, "error": code})
    if errors:
        raise SlackError(errors[0]["error"], errors=errors)


async def invite(
    hub: Hub, who: Identity, channel_id: str, user_ids: list[str]
) -> tuple[Channel, Membership]:
    user_ids = list(dict.fromkeys(user_ids))
    if len(user_ids) > MAX_INVITES:
        raise SlackError("invalid_arguments")

    where = await home(hub, who, channel_id)
    # Anyone may invite people of their own workspace, read from its own shard: into a shared
    # channel hosted elsewhere too.
    found = await hub.read(who.team_id, lambda tx: tx.get_users(who.team_id, user_ids))

    def unit(tx: Tx, log: EventLog) -> tuple[Channel, Membership]:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is None:
            raise SlackError("not_in_channel")
        _check_invitees(tx, who, channel, user_ids, found)
        team = guest_team(who.team_id, channel)
        for user_id in user_ids:
            join_tx(tx, log, channel, user_id, inviter=who.user_id, member_team=team)
        return channel, membership

    return await hub.commit(where, unit)


def _may_remove_others(who: Identity, channel: Channel, membership: Membership | None) -> None:
    """Any member may remove people from a private channel; from a public one, its creator and
    workspace admins. In a shared channel, only people of the host's workspace may."""
    if is_guest(who, channel):
        allowed = False
    elif channel.is_private:
        allowed = membership is not None
    else:
        allowed = who.is_admin or channel.creator == who.user_id
    if not allowed:
        raise SlackError("restricted_action")


async def kick(hub: Hub, who: Identity, channel_id: str, user_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if user_id == who.user_id:
            raise SlackError("cant_kick_self")
        if is_general(channel):
            raise SlackError("cant_kick_from_general")
        if channel.is_archived:
            raise SlackError("is_archived")
        _may_remove_others(who, channel, membership)
        if tx.membership(channel.team_id, channel.id, user_id) is None:
            # A member from another workspace is known here only by their membership.
            known = tx.get_user(who.team_id, user_id) is not None
            raise SlackError("not_in_channel" if known else "user_not_found")
        leave_tx(tx, log, channel, user_id)

    await hub.commit(await home(hub, who, channel_id), unit)


async def members(hub: Hub, who: Identity, channel_id: str, *, after: str, limit: int) -> list[str]:
    """Up to `limit` member ids in id order after `after`."""

    def unit(tx: Tx) -> list[str]:
        channel, _ = visible_channel(tx, who, channel_id)
        return tx.member_ids(channel.team_id, channel.id, after, limit)

    return await hub.read(await home(hub, who, channel_id), unit)


async def mark(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    """Moves the caller's read cursor; backwards too, which is how "mark unread" works."""

    def unit(tx: Tx, log: EventLog) -> None:
        channel, _ = member_channel(tx, who, channel_id)
        tx.set_last_read(channel.team_id, channel.id, who.user_id, ts)
        unreads.marked_tx(tx, log, who, channel, ts)

    await hub.commit(await home(hub, who, channel_id), unit)


async def add_everyone(
    hub: Hub,
    team_id: str,
    channel_name: str,
    step: Callable[[int, int], None] | None = None,
    *,
    page: int = MAX_INVITES,
) -> tuple[Channel, int]:
    """Makes every active person of the workspace (not its bots) a member of its channel of
    that name, a page of people a commit (MAX_INVITES, as conversations.invite takes them);
    returns the channel and how many joined. Run again it adds only who is missing, so it may
    be stopped and started over. step(people seen, joined so far) after each page."""
    channel = await hub.read(team_id, lambda tx: tx.get_channel_by_name(team_id, channel_name))
    if channel is None or channel.is_im or channel.is_mpim:
        raise SlackError("channel_not_found")
    if channel.is_archived:
        raise SlackError("is_archived")
    after, seen, joined = "", 0, 0
    while True:
        found = await hub.read(team_id, functools.partial(_people_after, team_id, after, page))
        if not found:
            return channel, joined
        people = [u.id for u in found if not u.deleted and not u.is_bot]

        def unit(tx: Tx, log: EventLog, people: list[str] = people) -> int:
            now = tx.get_channel(team_id, channel.id)
            if now is None or now.is_archived:
                raise SlackError("is_archived" if now else "channel_not_found")
            return sum(join_tx(tx, log, now, user_id) for user_id in people)

        joined += await hub.commit(team_id, unit) if people else 0
        after, seen = found[-1].id, seen + len(found)
        if step is not None:
            step(seen, joined)


def _people_after(team_id: str, after: str, limit: int, tx: Tx) -> list[User]:
    return tx.list_users(team_id, after, limit)
