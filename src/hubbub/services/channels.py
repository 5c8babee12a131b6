"""Conversations: channels, private channels, DMs and group DMs, their members and history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel, Identity, Membership, Message, User
from hubbub.domain.names import check_channel_name, im_key, mpim_name
from hubbub.domain.shapes import channel_json
from hubbub.domain.text import MAX_PURPOSE, MAX_TOPIC, check_topic
from hubbub.services.access import as_seen_by, member_channel, visible_channel, writable_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx
from hubbub.store.tx import Tx

GENERAL = "general"
MAX_MPIM_OTHERS = 8  # Slack: a group DM holds the caller and at most eight others
MAX_INVITES = 1000
# Names of group DMs are not unique over time (people rename); how many namesakes we look past.
MAX_MPIM_NAMESAKES = 50
KINDS = frozenset({"public_channel", "private_channel", "mpim", "im"})


def new_channel(
    team_id: str,
    creator: str,
    name: str,
    now: int,
    *,
    is_private: bool = False,
    is_im: bool = False,
    is_mpim: bool = False,
) -> Channel:
    prefix = "D" if is_im else "G" if is_mpim else "C"
    return Channel(
        team_id=team_id,
        id=new_id(prefix),
        name=name,
        is_private=is_private or is_im or is_mpim,
        is_im=is_im,
        is_mpim=is_mpim,
        creator=creator,
        created=now,
        is_archived=False,
        topic="",
        topic_creator="",
        topic_last_set=0,
        purpose="",
        purpose_creator="",
        purpose_last_set=0,
        last_seq=0,
        last_us=0,
    )


def is_general(channel: Channel) -> bool:
    return channel.name == GENERAL and not channel.is_private


def _refuse_dm(channel: Channel) -> None:
    """Membership and settings of DMs and group DMs are fixed by who is in them."""
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")


def _announce(log: EventLog, channel: Channel, name: str, payload: dict[str, Any]) -> None:
    """A public channel's change goes to the whole workspace; a private one's to members only.

    Slack names the private variants group_* (group_rename, group_archive, ...).
    """
    if channel.is_private:
        log.channel_event(channel.team_id, channel.id, {"type": "group_" + name, **payload})
    else:
        log.team_event(channel.team_id, {"type": "channel_" + name, **payload})


def _member_event(channel: Channel, kind: str, user_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user_id,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private else "C",
        "team": channel.team_id,
    }


def join_tx(
    tx: Tx, log: EventLog, channel: Channel, user_id: str, inviter: str | None = None
) -> bool:
    """Adds a member with Slack's join message and event; False if already a member."""
    if not tx.add_member(channel.team_id, channel.id, user_id):
        return False
    if channel.is_im or channel.is_mpim:
        return True
    text = f"<@{user_id}> has joined the channel"
    extra = {"inviter": inviter} if inviter else None
    insert_tx(tx, log, channel, user_id=user_id, text=text, subtype="channel_join", extra=extra)
    event = _member_event(channel, "member_joined_channel", user_id)
    if inviter:
        event["inviter"] = inviter
    log.channel_event(channel.team_id, channel.id, event)
    return True


def leave_tx(tx: Tx, log: EventLog, channel: Channel, user_id: str) -> None:
    """Removes a member with Slack's leave message and event; the caller checked the right."""
    text = f"<@{user_id}> has left the channel"
    insert_tx(tx, log, channel, user_id=user_id, text=text, subtype="channel_leave")
    tx.remove_member(channel.team_id, channel.id, user_id)
    log.channel_event(
        channel.team_id, channel.id, _member_event(channel, "member_left_channel", user_id)
    )


async def create(hub: Hub, who: Identity, name: str, *, is_private: bool) -> Channel:
    check_channel_name(name)

    def unit(tx: Tx, log: EventLog) -> Channel:
        channel = new_channel(who.team_id, who.user_id, name, tx.now, is_private=is_private)
        tx.insert_channel(channel)
        join_tx(tx, log, channel, who.user_id)
        if not is_private:
            log.team_event(
                who.team_id,
                {
                    "type": "channel_created",
                    "channel": {
                        "id": channel.id,
                        "name": channel.name,
                        "created": channel.created,
                        "creator": channel.creator,
                    },
                },
            )
        return channel

    return await hub.commit(unit)


async def join(hub: Hub, who: Identity, channel_id: str) -> tuple[Channel, bool]:
    """Joins a public channel; returns it and whether the caller was a member already."""

    def unit(tx: Tx, log: EventLog) -> tuple[Channel, bool]:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is not None:
            return channel, True
        join_tx(tx, log, channel, who.user_id)
        return channel, False

    return await hub.commit(unit)


# -- membership ------------------------------------------------------------------------------


async def leave(hub: Hub, who: Identity, channel_id: str) -> bool:
    """Leaves a channel; False (and nothing written) if the caller was not in it."""

    def unit(tx: Tx, log: EventLog) -> bool:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if is_general(channel):
            raise SlackError("cant_leave_general")
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is None:
            return False
        # Nobody could ever find a private channel again once its last member left it.
        if channel.is_private and tx.count_members(who.team_id, channel.id) <= 1:
            raise SlackError("last_member")
        leave_tx(tx, log, channel, who.user_id)
        return True

    return await hub.commit(unit)


def _check_invitees(tx: Tx, who: Identity, channel: Channel, user_ids: list[str]) -> None:
    """All-or-nothing, as Slack: every refused user is named in `errors`."""
    found = tx.get_users(who.team_id, user_ids)
    errors: list[dict[str, Any]] = []
    for user_id in user_ids:
        user = found.get(user_id)
        if user_id == who.user_id:
            code = "cant_invite_self"
        elif user is None:
            code = "user_not_found"
        elif user.deleted:
            code = "cant_invite"
        elif tx.membership(who.team_id, channel.id, user_id) is not None:
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

    def unit(tx: Tx, log: EventLog) -> tuple[Channel, Membership]:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is None:
            raise SlackError("not_in_channel")
        _check_invitees(tx, who, channel, user_ids)
        for user_id in user_ids:
            join_tx(tx, log, channel, user_id, inviter=who.user_id)
        return channel, membership

    return await hub.commit(unit)


def _may_remove_others(who: Identity, channel: Channel, membership: Membership | None) -> None:
    """Any member may remove people from a private channel; from a public one, its creator and
    workspace admins."""
    if channel.is_private:
        allowed = membership is not None
    else:
        allowed = who.is_admin or channel.creator == who.user_id
    if not allowed:
        raise SlackError("restricted_action")


async def kick(hub: Hub, who: Identity, channel_id: str, user_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if user_id == who.user_id:
            raise SlackError("cant_kick_self")
        if is_general(channel):
            raise SlackError("cant_kick_from_general")
        if channel.is_archived:
            raise SlackError("is_archived")
        _may_remove_others(who, channel, membership)
        if tx.get_user(who.team_id, user_id) is None:
            raise SlackError("user_not_found")
        if tx.membership(who.team_id, channel.id, user_id) is None:
            raise SlackError("not_in_channel")
        leave_tx(tx, log, channel, user_id)

    await hub.commit(unit)


async def members(hub: Hub, who: Identity, channel_id: str, *, after: str, limit: int) -> list[str]:
    """Up to `limit` member ids in id order after `after`."""

    def unit(tx: Tx) -> list[str]:
        channel, _ = visible_channel(tx, who, channel_id)
        return tx.member_ids(who.team_id, channel.id, after, limit)

    return await hub.read(unit)


async def mark(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    """Moves the caller's read cursor; backwards too, which is how "mark unread" works."""

    def unit(tx: Tx, _log: EventLog) -> None:
        channel, _ = member_channel(tx, who, channel_id)
        tx.set_last_read(who.team_id, channel.id, who.user_id, ts)

    await hub.commit(unit)


# -- DMs and group DMs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    channel: Channel
    membership: Membership
    already_open: bool


def _opened(tx: Tx, who: Identity, channel: Channel, already_open: bool) -> Opened:
    membership = tx.membership(who.team_id, channel.id, who.user_id)
    assert membership is not None
    return Opened(as_seen_by(channel, who.user_id), membership, already_open)


def _reopen(tx: Tx, who: Identity, channel_id: str) -> Opened:
    channel, _ = visible_channel(tx, who, channel_id)
    if not (channel.is_im or channel.is_mpim):
        raise SlackError("method_not_supported_for_channel_type")
    return _opened(tx, who, channel, True)


def _open_im(tx: Tx, log: EventLog, who: Identity, other: str) -> Opened:
    name = im_key(who.user_id, other)
    channel = tx.get_channel_by_name(who.team_id, name)
    if channel is not None:
        return _opened(tx, who, channel, True)
    channel = new_channel(who.team_id, who.user_id, name, tx.now, is_im=True)
    tx.insert_channel(channel)
    for user_id in {who.user_id, other}:
        tx.add_member(who.team_id, channel.id, user_id)
    log.channel_event(
        who.team_id,
        channel.id,
        {
            "type": "im_created",
            "user": who.user_id,
            "channel": {"id": channel.id, "user": other, "created": channel.created},
        },
    )
    return _opened(tx, who, channel, False)


def _new_mpim(tx: Tx, log: EventLog, who: Identity, name: str, people: list[User]) -> Channel:
    channel = new_channel(who.team_id, who.user_id, name, tx.now, is_mpim=True)
    channel = replace(
        channel,
        purpose="Group messaging with: " + " ".join(f"@{p.name}" for p in people),
        purpose_creator=who.user_id,
        purpose_last_set=tx.now,
    )
    tx.insert_channel(channel)
    for person in people:
        tx.add_member(who.team_id, channel.id, person.id)
    log.channel_event(
        who.team_id, channel.id, {"type": "mpim_joined", "channel": channel_json(channel)}
    )
    return channel


def _open_mpim(tx: Tx, log: EventLog, who: Identity, people: list[User]) -> Opened:
    """The group DM of exactly these people, created if none exists.

    Found by name, but a name only proves a match when the members agree too: a renamed person's
    namesake must never be let into someone else's conversation.
    """
    everyone = {p.id for p in people}
    names = [p.name for p in people]
    for index in range(1, MAX_MPIM_NAMESAKES + 1):
        name = mpim_name(names, index)
        found = tx.get_channel_by_name(who.team_id, name)
        if found is None:
            return _opened(tx, who, _new_mpim(tx, log, who, name, people), False)
        if found.is_mpim:
            current = tx.member_ids(who.team_id, found.id, "", len(everyone) + 1)
            if set(current) == everyone:
                return _opened(tx, who, found, True)
    raise SlackError("internal_error")


def _people(tx: Tx, who: Identity, user_ids: list[str]) -> list[User]:
    """The caller and the named others, checked: each must exist and be active."""
    found = tx.get_users(who.team_id, [*user_ids, who.user_id])
    people: list[User] = []
    for user_id in user_ids:
        user = found.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
        people.append(user)
    me = found.get(who.user_id)
    assert me is not None
    return [me, *people]


async def open_conversation(
    hub: Hub, who: Identity, *, user_ids: list[str], channel_id: str | None
) -> Opened:
    """Opens the DM (one other person, or oneself) or group DM (2-8 others) of the given users."""
    others = [u for u in dict.fromkeys(user_ids) if u != who.user_id]
    if len(others) > MAX_MPIM_OTHERS:
        raise SlackError("too_many_users")

    def unit(tx: Tx, log: EventLog) -> Opened:
        if channel_id:
            return _reopen(tx, who, channel_id)
        people = _people(tx, who, others)
        if len(others) <= 1:
            return _open_im(tx, log, who, others[0] if others else who.user_id)
        return _open_mpim(tx, log, who, people)

    return await hub.commit(unit)


# -- settings --------------------------------------------------------------------------------


def _current(tx: Tx, who: Identity, channel_id: str) -> Channel:
    channel = tx.get_channel(who.team_id, channel_id)
    assert channel is not None
    return as_seen_by(channel, who.user_id)


async def rename(hub: Hub, who: Identity, channel_id: str, name: str) -> Channel:
    check_channel_name(name)

    def unit(tx: Tx, log: EventLog) -> Channel:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if membership is None:
            raise SlackError("not_in_channel")
        if channel.is_archived:
            raise SlackError("is_archived")
        if name == channel.name:
            return channel
        # "general" is how #general is known (is_general, cant_leave_general, ...).
        if is_general(channel):
            raise SlackError("not_authorized")
        tx.update_channel(who.team_id, channel.id, name=name)
        renamed = replace(channel, name=name)
        text = f'<@{who.user_id}> has renamed the channel from "{channel.name}" to "{name}"'
        insert_tx(
            tx,
            log,
            renamed,
            user_id=who.user_id,
            text=text,
            subtype="channel_name",
            extra={"old_name": channel.name, "name": name},
        )
        summary = {"id": channel.id, "name": name, "created": channel.created}
        _announce(log, renamed, "rename", {"channel": summary})
        return renamed

    return await hub.commit(unit)


def _set_about(
    who: Identity, channel_id: str, field: str, value: str
) -> Callable[[Tx, EventLog], Channel]:
    """The unit of work that sets a channel's topic or purpose, with Slack's message."""

    def unit(tx: Tx, log: EventLog) -> Channel:
        channel, _ = writable_channel(tx, who, channel_id)
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        tx.update_channel(
            who.team_id,
            channel.id,
            **{field: value, f"{field}_creator": who.user_id, f"{field}_last_set": tx.now},
        )
        if value:
            text = f"<@{who.user_id}> set the channel {field}: {value}"
        else:
            text = f"<@{who.user_id}> cleared the channel {field}"
        insert_tx(
            tx,
            log,
            channel,
            user_id=who.user_id,
            text=text,
            subtype=f"channel_{field}",
            extra={field: value},
        )
        return _current(tx, who, channel.id)

    return unit


async def set_topic(hub: Hub, who: Identity, channel_id: str, topic: str) -> Channel:
    check_topic(topic, MAX_TOPIC)
    return await hub.commit(_set_about(who, channel_id, "topic", topic))


async def set_purpose(hub: Hub, who: Identity, channel_id: str, purpose: str) -> Channel:
    check_topic(purpose, MAX_PURPOSE)
    return await hub.commit(_set_about(who, channel_id, "purpose", purpose))


def _may_archive(who: Identity, membership: Membership | None) -> None:
    if membership is None and not who.is_admin:
        raise SlackError("restricted_action")


async def archive(hub: Hub, who: Identity, channel_id: str) -> None:
    """Archives a channel: it keeps its members and history but takes no more writes."""

    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if is_general(channel):
            raise SlackError("cant_archive_general")
        if channel.is_archived:
            raise SlackError("already_archived")
        _may_archive(who, membership)
        text = f"<@{who.user_id}> archived the channel"
        insert_tx(tx, log, channel, user_id=who.user_id, text=text, subtype="channel_archive")
        tx.update_channel(who.team_id, channel.id, is_archived=True)
        _announce(log, channel, "archive", {"channel": channel.id, "user": who.user_id})

    await hub.commit(unit)


async def unarchive(hub: Hub, who: Identity, channel_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        _refuse_dm(channel)
        if not channel.is_archived:
            raise SlackError("not_archived")
        _may_archive(who, membership)
        tx.update_channel(who.team_id, channel.id, is_archived=False)
        text = f"<@{who.user_id}> un-archived the channel"
        insert_tx(tx, log, channel, user_id=who.user_id, text=text, subtype="channel_unarchive")
        _announce(log, channel, "unarchive", {"channel": channel.id, "user": who.user_id})

    await hub.commit(unit)


# -- listing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    channel: Channel
    membership: Membership | None
    num_members: int | None


@dataclass(frozen=True, slots=True)
class ChannelPage:
    items: list[Listed]
    next_after: str | None  # the key to continue after; None on the last page


def _page(items: list[Listed], limit: int) -> ChannelPage:
    if len(items) > limit:
        return ChannelPage(items[:limit], items[limit - 1].channel.id)
    return ChannelPage(items, None)


async def list_conversations(
    hub: Hub,
    who: Identity,
    *,
    kinds: frozenset[str],
    exclude_archived: bool,
    after: str,
    limit: int,
) -> ChannelPage:
    """Every public channel, and the private ones, DMs and group DMs the caller is in."""

    def unit(tx: Tx) -> ChannelPage:
        rows = tx.visible_channels(
            who.team_id,
            who.user_id,
            kinds=kinds,
            exclude_archived=exclude_archived,
            member_only=False,
            after=after,
            limit=limit + 1,
        )
        counts = tx.count_members_many(who.team_id, [c.id for c, _ in rows if not c.is_im])
        items = [
            Listed(as_seen_by(c, who.user_id), m, None if c.is_im else counts.get(c.id, 0))
            for c, m in rows
        ]
        return _page(items, limit)

    return await hub.read(unit)


async def user_conversations(
    hub: Hub,
    who: Identity,
    user_id: str,
    *,
    kinds: frozenset[str],
    exclude_archived: bool,
    after: str,
    limit: int,
) -> ChannelPage:
    """The conversations user_id is in, limited to those the caller may see."""

    def unit(tx: Tx) -> ChannelPage:
        if user_id != who.user_id and tx.get_user(who.team_id, user_id) is None:
            raise SlackError("user_not_found")
        rows = tx.member_channels(
            who.team_id,
            user_id,
            who.user_id,
            kinds=kinds,
            exclude_archived=exclude_archived,
            after=after,
            limit=limit + 1,
        )
        return _page([Listed(as_seen_by(c, who.user_id), None, None) for c in rows], limit)

    return await hub.read(unit)


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    messages: list[Message]
    has_more: bool
    pin_count: int = 0


async def history(
    hub: Hub,
    who: Identity,
    channel_id: str,
    *,
    oldest: str,
    latest: str | None,
    inclusive: bool,
    limit: int,
) -> Page:
    def unit(tx: Tx) -> Page:
        channel, _ = visible_channel(tx, who, channel_id)
        found = tx.history(
            who.team_id,
            channel.id,
            oldest=oldest,
            latest=latest,
            inclusive=inclusive,
            limit=limit + 1,
        )
        pin_count = tx.pin_count(who.team_id, channel.id)
        return Page(found[:limit], len(found) > limit, pin_count)

    return await hub.read(unit)


async def replies(
    hub: Hub,
    who: Identity,
    channel_id: str,
    thread_ts: str,
    *,
    oldest: str,
    latest: str | None,
    inclusive: bool,
    limit: int,
) -> Page:
    def unit(tx: Tx) -> Page:
        channel, _ = visible_channel(tx, who, channel_id)
        parent = tx.get_message(who.team_id, channel.id, thread_ts)
        if parent is None:
            raise SlackError("thread_not_found")
        top = parent.thread_ts or parent.ts
        found = tx.replies(
            who.team_id,
            channel.id,
            top,
            oldest=oldest,
            latest=latest,
            inclusive=inclusive,
            limit=limit + 1,
        )
        if not found or found[0].ts != top:
            # Slack always leads a page of replies with the parent.
            head = tx.hydrate([tx.get_message(who.team_id, channel.id, top) or parent])
            found = head + found
            return Page(found[: limit + 1], len(found) > limit + 1)
        return Page(found[:limit], len(found) > limit)

    return await hub.read(unit)


async def info(hub: Hub, who: Identity, channel_id: str, *, num_members: bool) -> dict[str, object]:
    def unit(tx: Tx) -> dict[str, object]:
        channel, membership = visible_channel(tx, who, channel_id)
        out = channel_json(
            channel,
            viewer=who.user_id,
            is_member=membership is not None,
            last_read=membership.last_read if membership else None,
            num_members=tx.count_members(who.team_id, channel.id) if num_members else None,
        )
        if membership is not None:
            out["unread_count"] = tx.unread_count(who.team_id, channel.id, membership.last_read)
            out["unread_count_display"] = out["unread_count"]
        return out

    return await hub.read(unit)
