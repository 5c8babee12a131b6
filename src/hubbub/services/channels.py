"""Conversations: channels, private channels, DMs and group DMs, their members and history."""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.names import check_channel_name
from hubbub.domain.shapes import channel_json
from hubbub.services.access import visible_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx
from hubbub.store.tx import Tx


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
        last_ts=None,
    )


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
    event = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private else "C",
        "team": channel.team_id,
    }
    if inviter:
        event["inviter"] = inviter
    log.channel_event(channel.team_id, channel.id, event)
    return True


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
        if channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if membership is not None:
            return channel, True
        if channel.is_private:
            raise SlackError("channel_not_found")
        join_tx(tx, log, channel, who.user_id)
        return channel, False

    return await hub.commit(unit)


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
