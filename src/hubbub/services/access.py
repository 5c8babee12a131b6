"""Who may see and change what. Every read and write of a channel goes through here."""

from __future__ import annotations

from dataclasses import replace

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, Membership
from hubbub.domain.names import im_other
from hubbub.store.tx import Tx


def visible_channel(tx: Tx, who: Identity, channel_id: str) -> tuple[Channel, Membership | None]:
    """The channel if who may see it; otherwise channel_not_found, whether it exists or not."""
    if not channel_id:
        raise SlackError("channel_not_found")
    found = tx.channel_for(who.team_id, channel_id, who.user_id)
    if found is None:
        raise SlackError("channel_not_found")
    channel, membership = found
    if membership is None and (channel.is_private or channel.is_im or channel.is_mpim):
        raise SlackError("channel_not_found")
    return as_seen_by(channel, who.user_id), membership


def member_channel(tx: Tx, who: Identity, channel_id: str) -> tuple[Channel, Membership]:
    channel, membership = visible_channel(tx, who, channel_id)
    if membership is None:
        raise SlackError("not_in_channel")
    return channel, membership


def writable_channel(tx: Tx, who: Identity, channel_id: str) -> tuple[Channel, Membership]:
    channel, membership = member_channel(tx, who, channel_id)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel, membership


def as_seen_by(channel: Channel, viewer: str) -> Channel:
    if channel.is_im:
        return replace(channel, im_user=im_other(channel.name, viewer))
    return channel
