"""Who may see and change what. Every read and write of a channel goes through here."""

from __future__ import annotations

from dataclasses import replace

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_slack_id
from hubbub.domain.model import Channel, Identity, Membership
from hubbub.domain.names import MAX_CHANNEL_NAME, im_other
from hubbub.domain.shares import ACCEPTED, PENDING, Share, expired
from hubbub.services.hub import Hub
from hubbub.store.tx import Tx


async def home(hub: Hub, who: Identity, channel_id: str) -> str:
    """The workspace whose shard holds channel_id for who: who's own, or the host of a channel
    shared with who's workspace. Every unit of work on a channel named by a caller runs there.

    Read from who's workspace's record of its shares, remembered per process
    (services/versioned.py); only the host's record, read by the unit itself, lets anyone in."""
    if not channel_id or channel_name(channel_id) is not None:
        return who.team_id  # a name names a channel of who's own workspace
    host = hub.routes.get((who.team_id, channel_id))
    if host is None:
        version = hub.routes.version()
        shared = await hub.read(
            who.team_id, lambda tx: tx.shared_channel(who.team_id, channel_id), snapshot=False
        )
        host = shared.host_team_id if shared is not None and shared.state == ACCEPTED else ""
        hub.routes.put((who.team_id, channel_id), host, version)
    return host or who.team_id


async def guests_of(hub: Hub, team_id: str, channel_id: str) -> tuple[str, ...]:
    """The workspaces a channel of team_id is shared with now (accepted, not disconnected),
    remembered per process until the identity version moves (every change of a share moves it).
    For follow-ups of the host's events (apps, notifications), never for access: stale, it costs
    nothing, since disconnecting removes the guest's members in its own transaction."""
    found = hub.channel_guests.get((team_id, channel_id))
    if found is None:
        version = hub.channel_guests.version()

        def read(tx: Tx) -> tuple[str, ...]:
            channel = tx.get_channel(team_id, channel_id)
            if channel is None or not channel.has_shares:
                return ()
            shares = tx.shares_of(team_id, channel_id)
            return tuple(s.guest_team_id for s in shares if s.state == ACCEPTED)

        found = await hub.read(team_id, read)
        hub.channel_guests.put((team_id, channel_id), found, version)
    return found


def channel_name(target: str) -> str | None:
    """The name a `channel` argument gives instead of an id (`#general` or `general`, as Slack
    takes them); None for an id. Names are lower case, ids upper case: they never collide."""
    if target.startswith("#"):
        return target[1:]
    return None if is_slack_id(target) else target


def named_channel_id(tx: Tx, who: Identity, target: str) -> str:
    """The id of the channel of who's workspace a `channel` argument names by name; an id as it
    is. What who may do there is checked by the caller, on the id, as for any other."""
    name = channel_name(target)
    if name is None:
        return target
    found = tx.get_channel_by_name(who.team_id, name) if len(name) <= MAX_CHANNEL_NAME else None
    if found is None or found.is_im:
        raise SlackError("channel_not_found")
    return found.id


def visible_channel(
    tx: Tx, who: Identity, channel_id: str, *, shown: bool = True
) -> tuple[Channel, Membership | None]:
    """The channel if who may see it; otherwise channel_not_found, whether it exists or not.

    A channel another workspace shares with who's workspace is found through the host's record
    of the share, in this same transaction (the unit runs on the host's shard: services/shares.py
    `home`), and shown with who's workspace's own name and privacy for it.

    shown=False: the caller does not show the channel itself (a message write), so the list of
    the workspaces sharing it is not read. Access never depends on that list."""
    if not channel_id:
        raise SlackError("channel_not_found")
    found = tx.channel_for(who.team_id, channel_id, who.user_id)
    share = None
    if found is None:
        share = tx.accepted_share(channel_id, who.team_id)
        if share is not None:
            found = tx.channel_for(share.host_team_id, channel_id, who.user_id)
    if found is None:
        raise SlackError("channel_not_found")
    channel, membership = found
    if share is not None:
        channel = as_guest(channel, share)
    if membership is None and (channel.private_here or channel.is_im or channel.is_mpim):
        raise SlackError("channel_not_found")
    if channel.has_shares and shown:
        channel = with_shares(tx, channel)
    return as_seen_by(channel, who.user_id), membership


def member_channel(
    tx: Tx, who: Identity, channel_id: str, *, shown: bool = True
) -> tuple[Channel, Membership]:
    channel, membership = visible_channel(tx, who, channel_id, shown=shown)
    if membership is None:
        raise SlackError("not_in_channel")
    return channel, membership


def writable_channel(
    tx: Tx, who: Identity, channel_id: str, *, shown: bool = True
) -> tuple[Channel, Membership]:
    channel, membership = member_channel(tx, who, channel_id, shown=shown)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel, membership


def as_seen_by(channel: Channel, viewer: str) -> Channel:
    if channel.is_im:
        return replace(channel, im_user=im_other(channel.name, viewer))
    return channel


def as_guest(channel: Channel, share: Share) -> Channel:
    """The host's channel as the guest workspace shows it: its own name and privacy."""
    return replace(
        channel,
        name=share.guest_name or channel.name,
        local_private=share.guest_is_private,
        context_team_id=share.guest_team_id,
    )


def with_shares(tx: Tx, channel: Channel) -> Channel:
    """The workspaces that share the channel, host first; the pending ones for the host only,
    but for those invited by email address, which are the host's to know only once they accept
    (services/share_invites.py)."""
    shares = tx.shares_of(channel.team_id, channel.id)
    accepted = tuple(s.guest_team_id for s in shares if s.state == ACCEPTED)
    pending: tuple[str, ...] = ()
    if channel.context_team_id is None:
        pending = tuple(
            s.guest_team_id
            for s in shares
            if s.state == PENDING and not s.by_email and not expired(s.created, tx.now)
        )
    return replace(
        channel,
        shared_team_ids=(channel.team_id, *accepted) if accepted else (),
        pending_team_ids=pending,
    )


def is_guest(who: Identity, channel: Channel) -> bool:
    """Whether who belongs to a workspace the channel is shared with, not to its host."""
    return channel.team_id != who.team_id
