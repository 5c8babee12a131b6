"""Building blocks of channel units of work: new channels, joins and leaves with their events."""

from __future__ import annotations

from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel
from hubbub.domain.ts import from_micros
from hubbub.services.hub import EventLog
from hubbub.services.messages import insert_tx, member_team
from hubbub.store.tx import Tx

GENERAL = "general"


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


def refuse_dm(channel: Channel) -> None:
    """Membership and settings of DMs and group DMs are fixed by who is in them."""
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")


def announce(log: EventLog, channel: Channel, name: str, payload: dict[str, Any]) -> None:
    """A public channel's change goes to the whole workspace; a private one's to members only.

    Slack names the private variants group_* (group_rename, group_archive, ...).
    """
    if channel.is_private:
        log.channel_event(channel.team_id, channel.id, {"type": "group_" + name, **payload})
    else:
        log.team_event(channel.team_id, {"type": "channel_" + name, **payload})


def member_event(
    channel: Channel, kind: str, user_id: str, team: str | None = None
) -> dict[str, Any]:
    """team: the member's workspace, when it is not the channel's (a shared channel)."""
    return {
        "type": kind,
        "user": user_id,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private else "C",
        "team": team or channel.team_id,
    }


def join_tx(
    tx: Tx,
    log: EventLog,
    channel: Channel,
    user_id: str,
    inviter: str | None = None,
    *,
    member_team: str | None = None,
) -> bool:
    """Adds a member with Slack's join message and event; False if already a member. In a
    large room (log.large_room_members) the event alone: a message there is one more frame to
    every member's sockets, per join.

    member_team: the workspace of a member from a workspace the channel is shared with."""
    if not tx.add_member(channel.team_id, channel.id, user_id, member_team):
        return False
    if channel.is_im or channel.is_mpim:
        return True
    read_up_to = from_micros(channel.last_us)
    if not _large(tx, log, channel):
        text = f"<@{user_id}> has joined the channel"
        extra = {"inviter": inviter} if inviter else None
        joined = insert_tx(
            tx, log, channel, user_id=user_id, text=text, subtype="channel_join", extra=extra
        )
        read_up_to = joined.ts
    # As in Slack, a newcomer has read what came before: only what follows the join is unread.
    tx.set_last_read(channel.team_id, channel.id, user_id, read_up_to)
    event = member_event(channel, "member_joined_channel", user_id, member_team)
    if inviter:
        event["inviter"] = inviter
    log.channel_event(channel.team_id, channel.id, event)
    return True


def leave_tx(tx: Tx, log: EventLog, channel: Channel, user_id: str) -> None:
    """Removes a member with Slack's leave message and event (a large room's: the event
    alone); the caller checked the right."""
    if not _large(tx, log, channel):
        text = f"<@{user_id}> has left the channel"
        insert_tx(tx, log, channel, user_id=user_id, text=text, subtype="channel_leave")
    removed_tx(tx, log, channel, user_id)


def _large(tx: Tx, log: EventLog, channel: Channel) -> bool:
    """Whether the channel has more members than a room may have for joins and leaves to be
    posted (the count is kept on the channel's row: no rows are counted)."""
    return tx.count_members(channel.team_id, channel.id) > log.large_room_members


def removed_tx(tx: Tx, log: EventLog, channel: Channel, user_id: str) -> None:
    """Takes a member out with the event that ends their sessions' delivery of the channel
    (docs/realtime.md), and no message: a leave's message, or a disconnection's, is the
    caller's."""
    team = member_team(tx, channel, user_id) if channel.has_shares else None
    tx.remove_member(channel.team_id, channel.id, user_id)
    log.channel_event(
        channel.team_id, channel.id, member_event(channel, "member_left_channel", user_id, team)
    )


def guest_team(who_team: str, channel: Channel) -> str | None:
    """The workspace to record for a new member of the channel from who_team, when that is a
    workspace the channel is shared with rather than its host."""
    return who_team if who_team != channel.team_id else None
