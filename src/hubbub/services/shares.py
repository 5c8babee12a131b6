"""Channels shared between workspaces once shared: disconnecting, renaming on one side, and what
a guest workspace reaches through them (docs/shared-channels.md). Invites are
services/share_invites.py, their answers services/share_answers.py.

A share touches two workspaces, whose rows may live on two shards, so no step is one
transaction. The host's record (channel_shares) is the authority for access; each workspace's
own record (shared_channels) only names the channel there and routes its people to the host.
Steps are ordered so that a crash between them never lets anyone in whom the host's record does
not: on acceptance the host's record is written last, on disconnection first. Each step is
idempotent, so calling the method again completes what a crash interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Channel, Identity, User
from hubbub.domain.shares import (
    ACCEPTED,
    DISCONNECTED,
    PENDING,
)
from hubbub.services.access import home, is_guest, member_channel, visible_channel
from hubbub.services.channel_tx import is_general, removed_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import user_stream
from hubbub.store.tx import Tx


def require_admin(who: Identity, refusal: str = "restricted_action") -> None:
    """Shares are made and ended by a workspace's admins, with a person's token."""
    if not who.is_admin or who.token_kind == "xoxb":
        raise SlackError(refusal)


def forget_if_unshared(tx: Tx, host: str, channel_id: str) -> None:
    """A channel with no share pending or accepted is an ordinary channel again."""
    if all(s.state not in (PENDING, ACCEPTED) for s in tx.shares_of(host, channel_id)):
        tx.update_channel(host, channel_id, has_shares=False)


# -- ending ------------------------------------------------------------------------------------


async def disconnect(hub: Hub, who: Identity, channel_id: str, leaving: list[str]) -> None:
    """admin.conversations.disconnectShared: the guest workspace loses the channel.

    The host's record first: from its commit no unit of work lets the guest's people in. Their
    memberships go in the same transaction, each with the member_left_channel that ends the
    channel's delivery on their open sockets (docs/realtime.md). Then the guest's own record."""
    require_admin(who, "not_an_admin")
    if len(leaving) > 1:
        raise SlackError("invalid_arguments")
    if await home(hub, who, channel_id) != who.team_id:
        raise SlackError("cannot_kick_team")

    def host_unit(tx: Tx, log: EventLog) -> str:
        channel, _ = visible_channel(tx, who, channel_id)
        if is_guest(who, channel):
            raise SlackError("cannot_kick_team")
        if channel.is_im or channel.is_mpim or is_general(channel):
            raise SlackError("channel_type_not_supported")
        shares = {s.guest_team_id: s for s in tx.shares_of(channel.team_id, channel.id)}
        accepted = [t for t, s in shares.items() if s.state == ACCEPTED]
        if leaving:
            team = leaving[0]
            if team == channel.team_id:
                raise SlackError("cannot_kick_home_team")
            found = shares.get(team)
            # Already disconnected: a second call, to complete the guest's side.
            if found is None or found.state not in (ACCEPTED, DISCONNECTED):
                raise SlackError("leaving_team_not_in_channel")
            if found.state == DISCONNECTED:
                return team
        elif not accepted:
            raise SlackError("no_teams_to_disconnect")
        elif len(accepted) > 1:
            raise SlackError("leaving_team_required")
        else:
            team = accepted[0]
        tx.set_share(channel.team_id, channel.id, team, state=DISCONNECTED)
        tx.identity_changed = True
        for user_id in tx.team_members(channel.team_id, channel.id, team):
            removed_tx(tx, log, channel, user_id)
        forget_if_unshared(tx, channel.team_id, channel.id)
        still = [t for t in accepted if t != team]
        log.channel_event(
            channel.team_id,
            channel.id,
            {
                "type": "channel_unshared",
                "previously_connected_team_id": team,
                "channel": channel.id,
                "is_ext_shared": bool(still),
            },
        )
        return team

    team = await hub.commit(who.team_id, host_unit)

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        shared = tx.shared_channel(team, channel_id)
        if shared is not None and shared.state == ACCEPTED:
            tx.set_shared_channel(team, channel_id, state=DISCONNECTED)
            tx.identity_changed = True

    await hub.commit(team, guest_unit)


# -- a guest's own name ------------------------------------------------------------------------


def tell_renamed(
    tx: Tx, log: EventLog, channel: Channel, team_id: str, name: str, private: bool
) -> None:
    """A shared channel renamed by one workspace is news to that workspace only, under its own
    name: a public one's channel_rename goes to its team stream; a private one's group_rename
    to each of its members in the channel, on their own streams (not logged: the channel's
    stream is every side's, and a client that missed it reads the name from conversations.info).
    """
    summary = {"id": channel.id, "name": name, "created": channel.created}
    if not private:
        log.team_event(team_id, {"type": "channel_rename", "channel": summary})
        return
    event = orjson.dumps({"type": "group_rename", "channel": summary})
    side = tx.team_members(channel.team_id, channel.id, team_id)
    log.notices += [(user_stream(u), event) for u in side]


async def rename_local(hub: Hub, who: Identity, channel_id: str, name: str) -> Channel:
    """conversations.rename by a guest: only its workspace's name for the channel changes.

    Its own record is the authority for names in the workspace; the copy in the host's record,
    which shows the name to its people in units of work on the host's shard, follows."""
    host = await home(hub, who, channel_id)
    channel, _ = await hub.read(host, lambda tx: member_channel(tx, who, channel_id))
    if channel.is_archived:
        raise SlackError("is_archived")

    def guest_unit(tx: Tx, log: EventLog) -> None:
        shared = tx.shared_channel(who.team_id, channel_id)
        if shared is None or shared.state != ACCEPTED:
            raise SlackError("channel_not_found")
        if shared.name == name:
            return
        tx.claim_names(who.team_id)
        taken = tx.get_channel_by_name(who.team_id, name) is not None
        if taken or tx.shared_name_taken(who.team_id, name, but=channel_id):
            raise SlackError("name_taken")
        tx.set_shared_channel(who.team_id, channel_id, name=name)
        if not shared.is_private:
            tell_renamed(tx, log, channel, who.team_id, name, private=False)

    await hub.commit(who.team_id, guest_unit)

    def host_unit(tx: Tx, log: EventLog) -> Channel:
        before, _ = visible_channel(tx, who, channel_id)
        tx.set_share(host, channel_id, who.team_id, guest_name=name)
        renamed, _ = visible_channel(tx, who, channel_id)
        if before.name != name and renamed.private_here:
            # Its members' list is on the host's shard: told from here, once the copy moved.
            tell_renamed(tx, log, renamed, who.team_id, name, private=True)
        return renamed

    return await hub.commit(host, host_unit)


# -- what a guest workspace reaches ------------------------------------------------------------


async def hosted_elsewhere(hub: Hub, who: Identity) -> dict[str, list[str]]:
    """The channels other workspaces share with who's, by host, as who's workspace records
    them: where to look, not yet a right to see (each host's record decides that). Asked at
    every socket's connect, also in a workspace that shares nothing, so remembered per process
    until the identity version moves, which every change of a share does."""
    found = hub.shared_in.get(who.team_id)
    if found is None:
        version = hub.shared_in.version()
        shared = await hub.read(
            who.team_id, lambda tx: tx.shared_channels_in(who.team_id, ACCEPTED)
        )
        found = tuple((s.host_team_id, s.channel_id) for s in shared)
        hub.shared_in.put(who.team_id, found, version)
    by_host: dict[str, list[str]] = {}
    for host, channel_id in found:
        by_host.setdefault(host, []).append(channel_id)
    return by_host


# -- people across a share ---------------------------------------------------------------------


async def external_person(hub: Hub, who: Identity, user_id: str) -> User | None:
    """A person of another workspace who is in a channel shared between theirs and who's;
    None for anyone else, so nothing says whether they exist."""
    if not user_id:
        return None
    hosts = {*await hosted_elsewhere(hub, who), who.team_id}
    for host in sorted(hosts):

        def where(tx: Tx, host: str = host) -> str | None:
            """The person's workspace, if they are in a channel of host's shared with who's."""
            if host == who.team_id:
                channel_ids = {s.channel_id for s in tx.host_shares(host, ACCEPTED)}
            else:
                channel_ids = {s.channel_id for s in tx.shares_with(host, who.team_id)}
            for channel_id in sorted(channel_ids):
                membership = tx.membership(host, channel_id, user_id)
                if membership is not None:
                    return membership.member_team or host
            return None

        team = await hub.read(host, where)
        if team is not None and team != who.team_id:
            return await _person(hub, team, user_id)
    return None


async def _person(hub: Hub, team_id: str, user_id: str) -> User | None:
    return await hub.read(team_id, lambda tx: tx.get_user(team_id, user_id))


# -- real time ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedStream:
    """A shared channel's stream as a guest's session follows it, from its host's log."""

    host_team_id: str
    head: int
    joined: int | None  # the seq before the person's first event since joining
    floor: int | None = None  # the oldest seq the host's log still holds of it


async def shared_streams(hub: Hub, who: Identity) -> dict[str, SharedStream]:
    """The channels other workspaces share with who's that who is a member of, each checked
    against its host's record."""
    out: dict[str, SharedStream] = {}
    for host, channel_ids in (await hosted_elsewhere(hub, who)).items():

        def unit(tx: Tx, host: str = host, ids: list[str] = channel_ids) -> dict[str, SharedStream]:
            streams = {}
            for channel_id in ids:
                if tx.accepted_share(channel_id, who.team_id) is None:
                    continue
                channel = tx.get_channel(host, channel_id)
                if channel is None or tx.membership(host, channel_id, who.user_id) is None:
                    continue
                joined = tx.joined_at(host, channel_id, who.user_id)
                floor = tx.log_floors(host, [channel_id]).get(channel_id)
                streams[channel_id] = SharedStream(host, channel.last_seq, joined, floor)
            return streams

        out.update(await hub.read(host, unit))
    return out
