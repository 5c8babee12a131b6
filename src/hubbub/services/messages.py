"""Posting, editing and deleting messages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.shapes import message_json
from hubbub.domain.text import check_content
from hubbub.domain.ts import is_ts
from hubbub.services.access import writable_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

MAX_REPLY_USERS = 5


def insert_tx(
    tx: Tx,
    log: EventLog,
    channel: Channel,
    *,
    user_id: str,
    text: str,
    bot_id: str | None = None,
    subtype: str | None = None,
    blocks: list[Any] | None = None,
    attachments: list[Any] | None = None,
    parent: Message | None = None,
    reply_broadcast: bool = False,
    client_msg_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Message:
    """Writes one message and its event; the caller has checked the right to post."""
    seq, ts = log.message_position(channel.team_id, channel.id)
    extra = dict(extra or {})
    if parent is not None:
        extra["parent_user_id"] = parent.user_id
        if reply_broadcast:
            subtype = "thread_broadcast"
    msg = Message(
        team_id=channel.team_id,
        channel_id=channel.id,
        ts=ts,
        user_id=user_id,
        bot_id=bot_id,
        subtype=subtype,
        text=text,
        blocks=blocks,
        attachments=attachments,
        thread_ts=parent.ts if parent else None,
        reply_count=0,
        reply_users=(),
        latest_reply=None,
        edited_ts=None,
        edited_by=None,
        client_msg_id=client_msg_id,
        extra=extra,
    )
    tx.insert_message(msg, seq, in_channel=parent is None or reply_broadcast)
    event = message_json(msg, with_channel=True)
    event["event_ts"] = ts
    event["channel_type"] = channel_type(channel)
    log.emit(channel.team_id, channel.id, seq, event)
    if parent is not None:
        _count_reply(tx, parent, msg)
    return msg


def _count_reply(tx: Tx, parent: Message, reply: Message) -> None:
    users = list(parent.reply_users)
    if reply.user_id not in users:
        users.append(reply.user_id)
    tx.update_message(
        parent.team_id,
        parent.channel_id,
        parent.ts,
        thread_ts=parent.ts,
        reply_count=parent.reply_count + 1,
        reply_users=users[-MAX_REPLY_USERS:] if len(users) > MAX_REPLY_USERS else users,
        latest_reply=reply.ts,
    )


def channel_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "group" if channel.is_private else "channel"


def thread_parent(tx: Tx, channel: Channel, thread_ts: str) -> Message:
    """The top of the thread that thread_ts names; a reply's ts names its parent's thread."""
    if not is_ts(thread_ts):
        raise SlackError("thread_not_found")
    parent = tx.get_message(channel.team_id, channel.id, thread_ts)
    if parent is not None and parent.thread_ts not in (None, parent.ts):
        parent = tx.get_message(channel.team_id, channel.id, parent.thread_ts)
    if parent is None or parent.subtype in {"channel_join", "channel_leave"}:
        raise SlackError("thread_not_found")
    return parent


async def post(
    hub: Hub,
    who: Identity,
    channel_id: str,
    *,
    text: str | None,
    blocks: Any = None,
    attachments: Any = None,
    thread_ts: str | None = None,
    reply_broadcast: bool = False,
    client_msg_id: str | None = None,
    subtype: str | None = None,
) -> Message:
    text, blocks, attachments = check_content(text, blocks, attachments)
    if client_msg_id is not None and not 0 < len(client_msg_id) <= 64:
        raise SlackError("invalid_arguments")

    def unit(tx: Tx, log: EventLog) -> Message:
        channel, _ = writable_channel(tx, who, channel_id)
        if client_msg_id:
            earlier = tx.message_by_client_id(who.team_id, who.user_id, client_msg_id)
            if earlier is not None:
                return earlier
        parent = thread_parent(tx, channel, thread_ts) if thread_ts else None
        return insert_tx(
            tx,
            log,
            channel,
            user_id=who.user_id,
            bot_id=who.bot_id,
            subtype=subtype,
            text=text,
            blocks=blocks,
            attachments=attachments,
            parent=parent,
            reply_broadcast=reply_broadcast,
            client_msg_id=client_msg_id,
        )

    return await hub.commit(unit)


async def update(
    hub: Hub,
    who: Identity,
    channel_id: str,
    ts: str,
    *,
    text: str | None,
    blocks: Any = None,
    attachments: Any = None,
) -> Message:
    text, blocks, attachments = check_content(text, blocks, attachments)

    def unit(tx: Tx, log: EventLog) -> Message:
        channel, _ = writable_channel(tx, who, channel_id)
        old = _own_message(tx, who, channel, ts, "cant_update_message")
        new = replace(
            old,
            text=text,
            blocks=blocks if blocks is not None else old.blocks,
            attachments=attachments if attachments is not None else old.attachments,
            edited_ts=log.tx_ts(),
            edited_by=who.user_id,
        )
        tx.update_message(
            channel.team_id,
            channel.id,
            ts,
            text=new.text,
            blocks=new.blocks,
            attachments=new.attachments,
            edited_ts=new.edited_ts,
            edited_by=new.edited_by,
        )
        [hydrated] = tx.hydrate([new])
        log.channel_event(
            channel.team_id,
            channel.id,
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": channel.id,
                "channel_type": channel_type(channel),
                "hidden": True,
                "ts": new.edited_ts,
                "message": message_json(hydrated),
                "previous_message": message_json(old),
            },
        )
        return hydrated

    return await hub.commit(unit)


async def delete(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, _ = writable_channel(tx, who, channel_id)
        old = _own_message(tx, who, channel, ts, "cant_delete_message", admin_may=True)
        tx.delete_message(channel.team_id, channel.id, ts)
        if old.thread_ts and old.thread_ts != old.ts:
            _uncount_reply(tx, channel, old)
        log.channel_event(
            channel.team_id,
            channel.id,
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": channel.id,
                "channel_type": channel_type(channel),
                "hidden": True,
                "ts": log.tx_ts(),
                "deleted_ts": ts,
                "previous_message": message_json(old),
            },
        )

    await hub.commit(unit)


def _uncount_reply(tx: Tx, channel: Channel, reply: Message) -> None:
    assert reply.thread_ts is not None
    parent = tx.get_message(channel.team_id, channel.id, reply.thread_ts)
    if parent is None:
        return
    rest = tx.replies(
        channel.team_id,
        channel.id,
        parent.ts,
        oldest=parent.ts,
        latest=None,
        inclusive=False,
        limit=100_000,
    )
    users: list[str] = []
    for m in rest:
        if m.user_id in users:
            users.remove(m.user_id)
        users.append(m.user_id)
    tx.update_message(
        channel.team_id,
        channel.id,
        parent.ts,
        reply_count=len(rest),
        reply_users=users[-MAX_REPLY_USERS:],
        latest_reply=rest[-1].ts if rest else None,
    )


def _own_message(
    tx: Tx, who: Identity, channel: Channel, ts: str, refusal: str, *, admin_may: bool = False
) -> Message:
    msg = tx.get_message(channel.team_id, channel.id, ts) if is_ts(ts) else None
    if msg is None:
        raise SlackError("message_not_found")
    if msg.user_id != who.user_id and not (admin_may and who.is_admin):
        raise SlackError(refusal)
    if msg.subtype in {"channel_join", "channel_leave", "channel_topic", "channel_purpose"}:
        raise SlackError(refusal)
    return msg
