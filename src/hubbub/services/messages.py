"""Posting, editing and deleting messages; ephemeral messages; permalinks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.domain.blocks import with_ids
from hubbub.domain.errors import SlackError
from hubbub.domain.metadata import updated_extra
from hubbub.domain.model import Channel, Identity, Message
from hubbub.domain.shapes import SOURCE_TEAM, USER_TEAM, message_json
from hubbub.domain.text import check_content
from hubbub.domain.ts import is_ts
from hubbub.domain.urls import PublicUrls
from hubbub.services.access import home, visible_channel, writable_channel
from hubbub.services.file_shown import Known, commit_showing_files, with_files
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx

# What a deleted thread parent becomes while replies remain below it, as in Slack.
TOMBSTONE = "tombstone"
TOMBSTONE_TEXT = "This message was deleted."
TOMBSTONE_USER = "USLACKBOT"
# Written by the system for membership and channel settings: nobody edits or deletes them.
# Messages the system writes on a channel's behalf: nobody edits, deletes or threads on them.
SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
    }
)
# Ephemeral messages are never logged, so they hold no position in any stream.
EPHEMERAL_SEQ = 0


def member_team(tx: Tx, channel: Channel, user_id: str) -> str | None:
    """The workspace of a member from another one than the channel's; else None."""
    membership = tx.membership(channel.team_id, channel.id, user_id)
    return membership.member_team if membership is not None else None


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
    team: str | None = None,
    shown: dict[str, Any] | None = None,
) -> Message:
    """Writes one message and its event; the caller has checked the right to post. team: the
    author's workspace, for an author who need not be a member (an app answering a command) or
    whose membership the caller has; else it is read from their membership. shown: fields the
    event shows beside the stored message, not stored with it (the files a message shares, as
    they are at posting: readers show them as they are when read)."""
    seq, ts = log.message_position(channel.team_id, channel.id)
    extra = dict(extra or {})
    if channel.has_shares:
        # Both sides read the same message: it names the workspace its author belongs to.
        team = team or member_team(tx, channel, user_id) or channel.team_id
        extra[USER_TEAM] = extra[SOURCE_TEAM] = team
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
    event.update(shown or {})
    event["event_ts"] = ts
    event["channel_type"] = channel_type(channel)
    if parent is not None:
        counted = _count_reply(tx, parent, msg)
        if reply_broadcast:
            # Slack shows a broadcast reply with its thread's parent, counters included.
            event["root"] = message_json(counted)
    log.emit(channel.team_id, channel.id, seq, event)
    return msg


def _count_reply(tx: Tx, parent: Message, reply: Message) -> Message:
    """Counts the reply on its parent; returns the parent as it now stands."""
    # Every replier is kept, so reply_users_count stays exact however many join in.
    users = list(parent.reply_users)
    if reply.user_id not in users:
        users.append(reply.user_id)
    counted = replace(
        parent,
        thread_ts=parent.ts,
        reply_count=parent.reply_count + 1,
        reply_users=tuple(users),
        latest_reply=reply.ts,
    )
    tx.update_message(
        parent.team_id,
        parent.channel_id,
        parent.ts,
        thread_ts=counted.thread_ts,
        reply_count=counted.reply_count,
        reply_users=users,
        latest_reply=counted.latest_reply,
    )
    return counted


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
    if parent is None or parent.subtype in SYSTEM_SUBTYPES:
        raise SlackError("thread_not_found")
    return parent


def existing_message(tx: Tx, channel: Channel, ts: str, *, malformed: str) -> Message:
    """A live message of the channel; `malformed` is the error for a ts that is no ts at all."""
    if not is_ts(ts):
        raise SlackError(malformed)
    msg = tx.get_message(channel.team_id, channel.id, ts)
    if msg is None or msg.subtype == TOMBSTONE:
        raise SlackError("message_not_found")
    return msg


def user_stream(user_id: str) -> str:
    """The bus topic of one person's private deliveries (ephemeral messages).

    User ids (U…) never collide with channel (C, D, G) or team (T) streams.
    """
    return user_id


async def update(
    hub: Hub,
    who: Identity,
    channel_id: str,
    ts: str,
    *,
    text: str | None,
    blocks: Any = None,
    attachments: Any = None,
    metadata: Any = None,
) -> Message:
    """Blocks or attachments left out keep the message's own; an empty list removes them.
    Metadata left out stays; an empty object removes it."""
    new_text, new_blocks, new_attachments = check_content(text, blocks, attachments)
    if new_blocks is not None:
        new_blocks = with_ids(new_blocks)
    # Checked before any unit of work: a refused metadata writes nothing.
    updated_extra({}, metadata)

    def unit(tx: Tx, log: EventLog, known: Known) -> Message:
        channel, _ = writable_channel(tx, who, channel_id, shown=False)
        [old] = tx.hydrate([_own_message(tx, who, channel, ts, "cant_update_message")])
        stored = old.extra
        # A message that shares files shows them in the answer and in message_changed, as
        # Slack does (services/file_shown.py).
        [old] = with_files(tx, hub.urls, [old], known=known)
        new = replace(
            old,
            text=new_text,
            blocks=old.blocks if blocks is None else new_blocks,
            attachments=old.attachments if attachments is None else new_attachments,
            edited_ts=log.tx_ts(),
            edited_by=who.user_id,
            extra=updated_extra(old.extra, metadata),
        )
        # The stored extra, without the files shown with the message.
        kept = updated_extra(stored, metadata)
        changed_extra = {} if kept == stored else {"extra": kept}
        tx.update_message(
            channel.team_id,
            channel.id,
            ts,
            text=new.text,
            blocks=new.blocks,
            attachments=new.attachments,
            edited_ts=new.edited_ts,
            edited_by=new.edited_by,
            **changed_extra,
        )
        _changed(log, channel, old, new)
        return new

    return await commit_showing_files(hub, await home(hub, who, channel_id), unit)


def set_attachments_tx(
    tx: Tx,
    log: EventLog,
    urls: PublicUrls,
    known: Known,
    channel: Channel,
    msg: Message,
    attachments: list[Any],
) -> Message:
    """Replaces a message's attachments on the system's behalf (link previews, as Slack's
    unfurls)."""
    return set_content_tx(tx, log, urls, known, channel, msg, attachments=attachments or None)


def set_content_tx(
    tx: Tx,
    log: EventLog,
    urls: PublicUrls,
    known: Known,
    channel: Channel,
    msg: Message,
    **content: Any,
) -> Message:
    """Replaces parts of a message's content (text, blocks, attachments) on the system's
    behalf (link previews; an app's replace_original through a response URL): no `edited`
    mark, and a message_changed event as for an edit, with the message's files (under
    commit_showing_files)."""
    [old] = with_files(tx, urls, tx.hydrate([msg]), known=known)
    new = replace(old, **content)
    tx.update_message(channel.team_id, channel.id, msg.ts, **content)
    _changed(log, channel, old, new)
    return new


def _changed(log: EventLog, channel: Channel, old: Message, new: Message) -> None:
    log.channel_event(
        channel.team_id,
        channel.id,
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel.id,
            "channel_type": channel_type(channel),
            "hidden": True,
            "ts": log.tx_ts(),
            "message": message_json(new),
            "previous_message": message_json(old),
        },
    )


async def delete(hub: Hub, who: Identity, channel_id: str, ts: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, _ = writable_channel(tx, who, channel_id, shown=False)
        old = _own_message(tx, who, channel, ts, "cant_delete_message", admin_may=True)
        delete_tx(tx, log, channel, old)

    await hub.commit(await home(hub, who, channel_id), unit)


def delete_tx(tx: Tx, log: EventLog, channel: Channel, old: Message) -> None:
    """Deletes a message as its author's chat.delete does: a thread's parent with replies left
    becomes a tombstone, a reply's parent is counted again."""
    if old.thread_ts == old.ts and old.reply_count > 0:
        _tombstone(tx, log, channel, old)
        return
    remove_tx(tx, log, channel, old)
    if old.thread_ts and old.thread_ts != old.ts:
        _recount(tx, log, channel, old.thread_ts)


def remove_tx(tx: Tx, log: EventLog, channel: Channel, old: Message) -> None:
    """Deletes a message with the event that says so, naming what it was."""
    tx.delete_message(channel.team_id, channel.id, old.ts)
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
            "deleted_ts": old.ts,
            "previous_message": message_json(old),
        },
    )


def _tombstone(tx: Tx, log: EventLog, channel: Channel, parent: Message) -> None:
    """A deleted parent stays as a placeholder so its thread can still be read, as in Slack."""
    [old] = tx.hydrate([parent])
    tomb = replace(
        parent,
        user_id=TOMBSTONE_USER,
        bot_id=None,
        subtype=TOMBSTONE,
        text=TOMBSTONE_TEXT,
        blocks=None,
        attachments=None,
        edited_ts=None,
        edited_by=None,
        client_msg_id=None,
        extra={"hidden": True},
        reactions=(),
        pinned_to=(),
    )
    tx.delete_marks(channel.team_id, channel.id, parent.ts)
    tx.update_message(
        channel.team_id,
        channel.id,
        parent.ts,
        user_id=tomb.user_id,
        bot_id=None,
        subtype=tomb.subtype,
        text=tomb.text,
        blocks=None,
        attachments=None,
        edited_ts=None,
        edited_by=None,
        client_msg_id=None,
        extra=tomb.extra,
    )
    _changed(log, channel, old, tomb)


def _recount(tx: Tx, log: EventLog, channel: Channel, thread_ts: str) -> None:
    """Recomputes a parent's counters after a reply went; a tombstone goes with its last reply."""
    parent = tx.get_message(channel.team_id, channel.id, thread_ts)
    if parent is None:
        return
    count, users, latest = tx.thread_summary(channel.team_id, channel.id, thread_ts)
    if count == 0 and parent.subtype == TOMBSTONE:
        remove_tx(tx, log, channel, parent)
        return
    tx.update_message(
        channel.team_id,
        channel.id,
        parent.ts,
        reply_count=count,
        reply_users=users,
        latest_reply=latest,
    )


def _own_message(
    tx: Tx, who: Identity, channel: Channel, ts: str, refusal: str, *, admin_may: bool = False
) -> Message:
    msg = existing_message(tx, channel, ts, malformed="message_not_found")
    # An admin acts for the workspace only with a person's token, never a bot's, and only on
    # the messages of its own people (a shared channel holds other workspaces' too).
    admin = (
        admin_may
        and who.is_admin
        and who.token_kind != "xoxb"
        and msg.extra.get(USER_TEAM, msg.team_id) == who.team_id
    )
    if msg.user_id != who.user_id and not admin:
        raise SlackError(refusal)
    if msg.subtype in SYSTEM_SUBTYPES:
        raise SlackError(refusal)
    return msg


async def permalink(hub: Hub, who: Identity, channel_id: str, ts: str) -> str:
    def unit(tx: Tx) -> str:
        channel, _ = visible_channel(tx, who, channel_id)
        msg = existing_message(tx, channel, ts, malformed="message_not_found")
        return hub.urls.permalink(msg)

    return await hub.read(await home(hub, who, channel_id), unit)
