"""Channels: creating them and their settings (name, topic, purpose, archive)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Membership
from hubbub.domain.names import check_channel_name
from hubbub.domain.text import MAX_PURPOSE, MAX_TOPIC, check_topic
from hubbub.services import shares
from hubbub.services.access import home, is_guest, visible_channel, writable_channel
from hubbub.services.channel_tx import announce, is_general, join_tx, new_channel, refuse_dm
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx
from hubbub.store.tx import Tx


async def create(hub: Hub, who: Identity, name: str, *, is_private: bool) -> Channel:
    check_channel_name(name)

    def unit(tx: Tx, log: EventLog) -> Channel:
        tx.claim_names(who.team_id)
        if tx.shared_name_taken(who.team_id, name):
            raise SlackError("name_taken")
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

    return await hub.commit(who.team_id, unit)


def _current(tx: Tx, who: Identity, channel_id: str) -> Channel:
    channel, _ = visible_channel(tx, who, channel_id)
    return channel


async def rename(hub: Hub, who: Identity, channel_id: str, name: str) -> Channel:
    check_channel_name(name)
    where = await home(hub, who, channel_id)
    if where != who.team_id:
        # Each workspace names a shared channel its own way: a guest renames only its own name.
        return await shares.rename_local(hub, who, channel_id, name)

    def unit(tx: Tx, log: EventLog) -> Channel:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if membership is None:
            raise SlackError("not_in_channel")
        if channel.is_archived:
            raise SlackError("is_archived")
        if name == channel.name:
            return channel
        # "general" is how #general is known (is_general, cant_leave_general, ...).
        if is_general(channel):
            raise SlackError("not_authorized")
        tx.claim_names(who.team_id)
        if tx.shared_name_taken(who.team_id, name):
            raise SlackError("name_taken")
        tx.update_channel(channel.team_id, channel.id, name=name)
        renamed = replace(channel, name=name)
        if channel.has_shares:
            # The other workspaces keep their own names: the rename is news to this one only.
            shares.tell_renamed(tx, log, renamed, who.team_id, name, channel.is_private)
            return renamed
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
        announce(log, renamed, "rename", {"channel": summary})
        return renamed

    return await hub.commit(await home(hub, who, channel_id), unit)


def _set_about(
    who: Identity, channel_id: str, field: str, value: str
) -> Callable[[Tx, EventLog], Channel]:
    """The unit of work that sets a channel's topic or purpose, with Slack's message."""

    def unit(tx: Tx, log: EventLog) -> Channel:
        channel, _ = writable_channel(tx, who, channel_id)
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        tx.update_channel(
            channel.team_id,
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
    return await hub.commit(
        await home(hub, who, channel_id), _set_about(who, channel_id, "topic", topic)
    )


async def set_purpose(hub: Hub, who: Identity, channel_id: str, purpose: str) -> Channel:
    check_topic(purpose, MAX_PURPOSE)
    return await hub.commit(
        await home(hub, who, channel_id), _set_about(who, channel_id, "purpose", purpose)
    )


def _may_archive(who: Identity, channel: Channel, membership: Membership | None) -> None:
    """A shared channel is archived by its host's people only."""
    if is_guest(who, channel) or (membership is None and not who.is_admin):
        raise SlackError("restricted_action")


async def archive(hub: Hub, who: Identity, channel_id: str) -> None:
    """Archives a channel: it keeps its members and history but takes no more writes."""

    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if is_general(channel):
            raise SlackError("cant_archive_general")
        if channel.is_archived:
            raise SlackError("already_archived")
        _may_archive(who, channel, membership)
        text = f"<@{who.user_id}> archived the channel"
        insert_tx(tx, log, channel, user_id=who.user_id, text=text, subtype="channel_archive")
        tx.update_channel(channel.team_id, channel.id, is_archived=True)
        announce(log, channel, "archive", {"channel": channel.id, "user": who.user_id})

    await hub.commit(await home(hub, who, channel_id), unit)


async def unarchive(hub: Hub, who: Identity, channel_id: str) -> None:
    def unit(tx: Tx, log: EventLog) -> None:
        channel, membership = visible_channel(tx, who, channel_id)
        refuse_dm(channel)
        if not channel.is_archived:
            raise SlackError("not_archived")
        _may_archive(who, channel, membership)
        tx.update_channel(channel.team_id, channel.id, is_archived=False)
        text = f"<@{who.user_id}> un-archived the channel"
        insert_tx(tx, log, channel, user_id=who.user_id, text=text, subtype="channel_unarchive")
        announce(log, channel, "unarchive", {"channel": channel.id, "user": who.user_id})

    await hub.commit(await home(hub, who, channel_id), unit)
