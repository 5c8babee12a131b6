"""Channels shared between workspaces: inviting, accepting, declining, disconnecting, renaming
on one side (docs/shared-channels.md).

A share touches two workspaces, whose rows may live on two shards, so no step is one
transaction. The host's record (channel_shares) is the authority for access; each workspace's
own record (shared_channels) only names the channel there and routes its people to the host.
Steps are ordered so that a crash between them never lets anyone in whom the host's record does
not: on acceptance the host's record is written last, on disconnection first. Each step is
idempotent, so calling the method again completes what a crash interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import orjson

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel, Identity, Team, User
from hubbub.domain.names import check_channel_name
from hubbub.domain.shares import (
    ACCEPTED,
    DECLINED,
    DISCONNECTED,
    PENDING,
    Share,
    SharedChannel,
    expired,
)
from hubbub.services import abuse
from hubbub.services.access import home, is_guest, member_channel, visible_channel
from hubbub.services.channel_tx import is_general, join_tx, removed_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import user_stream
from hubbub.store.tx import Tx


def _admin(who: Identity, refusal: str = "restricted_action") -> None:
    """Shares are made and ended by a workspace's admins, with a person's token."""
    if not who.is_admin or who.token_kind == "xoxb":
        raise SlackError(refusal)


# -- inviting ----------------------------------------------------------------------------------


async def _invitee(
    hub: Hub, emails: list[str], user_ids: list[str], team_domain: str | None
) -> tuple[str, str] | None:
    """(workspace, person) an invite is addressed to: a person named by email or id, as Slack;
    or a workspace named by its domain (hubbub's `team_domain`), which also narrows the search
    for the person. Without it, the person is looked for in every workspace.

    None: an email that names nobody we can tell apart (no live person has it, or people of
    several workspaces do and no team_domain says which). Slack emails the invite to anyone,
    so its answer says nothing about who has an account; ours says nothing either."""
    addresses = [e.strip().lower() for e in emails if e.strip()]
    ids = [u.strip() for u in user_ids if u.strip()]
    named = addresses + ids
    if len(named) > 1 or (not named and not team_domain):
        raise SlackError("invalid_arguments")
    email = addresses[0] if addresses else None
    user_id = ids[0] if ids else None
    if team_domain:
        team_id = await hub.shards.team_for_domain(team_domain)
        if team_id is None:
            raise SlackError("team_not_found")
        if not named:
            return team_id, ""

        def person(tx: Tx) -> User | None:
            if email is not None:
                return tx.get_user_by_email(team_id, email)
            return tx.get_user(team_id, user_id or "")

        user = await hub.read(team_id, person)
        if user is None or user.deleted:
            _nobody(email)
            return None
        return team_id, user.id
    found: list[tuple[str, str]] = []
    # One indexed lookup per shard (ix_users_email).
    for store in hub.shards.stores().values():
        found += await store.read(lambda tx: tx.people_anywhere(email=email, user_id=user_id))
    if len(found) != 1:
        _nobody(email)
        return None
    return found[0]


def _nobody(email: str | None) -> None:
    """An email names nobody: the invite goes nowhere. An unknown user id is an error, as
    Slack's: ids are not what people are found by."""
    if email is None:
        raise SlackError("user_not_found")


def _shareable(who: Identity, channel: Channel) -> None:
    if is_guest(who, channel):
        raise SlackError("cannot_share_cross_workspace_channel")
    if channel.is_im or channel.is_mpim:
        raise SlackError("invalid_channel_type")
    if is_general(channel):
        raise SlackError("cannot_share_mandatory_channel")
    if channel.is_archived:
        raise SlackError("channel_archived")


async def invite(
    hub: Hub,
    who: Identity,
    channel_id: str,
    *,
    emails: list[str],
    user_ids: list[str],
    team_domain: str | None,
) -> str:
    """conversations.inviteShared: offers a channel of who's workspace to another; the invite's
    id. Inviting a workspace already invited again answers the same invite (and completes it, if
    a crash left the invited side without its record)."""
    _admin(who)
    if any(e.strip() for e in emails):
        await abuse.email_invite(hub, who)
    invitee = await _invitee(hub, emails, user_ids, team_domain)
    if invitee is None:
        # Checked as any invite is, then answered as one that was sent.
        def check(tx: Tx) -> None:
            _shareable(who, visible_channel(tx, who, channel_id)[0])

        await hub.read(who.team_id, check)
        return new_id("I")
    guest, invited_user = invitee
    if guest == who.team_id:
        raise SlackError("invalid_arguments")

    def host_unit(tx: Tx, _log: EventLog) -> tuple[Share, Channel]:
        channel, _ = visible_channel(tx, who, channel_id)
        _shareable(who, channel)
        earlier = tx.share(who.team_id, channel.id, guest)
        if earlier is not None and earlier.state == ACCEPTED:
            raise SlackError("already_in_channel")
        if (
            earlier is not None
            and earlier.state == PENDING
            and not expired(earlier.created, tx.now)
        ):
            return earlier, channel
        share = Share(
            host_team_id=who.team_id,
            channel_id=channel.id,
            guest_team_id=guest,
            invite_id=new_id("I"),
            state=PENDING,
            invited_by=who.user_id,
            invited_user=invited_user,
            created=tx.now,
            guest_name=None,
            guest_is_private=False,
            accepted_by=None,
            accepted_at=None,
        )
        tx.put_share(share)
        if not channel.has_shares:
            tx.update_channel(who.team_id, channel.id, has_shares=True)
        return share, channel

    share, channel = await hub.commit(who.team_id, host_unit)

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        current = tx.shared_channel(guest, share.channel_id)
        if current is not None and current.invite_id == share.invite_id:
            return
        tx.put_shared_channel(
            SharedChannel(
                team_id=guest,
                channel_id=share.channel_id,
                host_team_id=who.team_id,
                invite_id=share.invite_id,
                state=PENDING,
                name=channel.name,
                is_private=channel.is_private,
                invited_by=share.invited_by,
                invited_user=share.invited_user,
                created=share.created,
                accepted_by=None,
                accepted_at=None,
            )
        )

    await hub.commit(guest, guest_unit)
    return share.invite_id


# -- answering ---------------------------------------------------------------------------------


def _find_invite(tx: Tx, team_id: str, invite_id: str, channel_id: str) -> SharedChannel:
    shared = (
        tx.shared_by_invite(team_id, invite_id)
        if invite_id
        else tx.shared_channel(team_id, channel_id)
    )
    if shared is None or (channel_id and shared.channel_id != channel_id):
        raise SlackError("invite_not_found")
    return shared


async def accept(
    hub: Hub, who: Identity, *, invite_id: str, channel_id: str, name: str, is_private: bool
) -> SharedChannel:
    """conversations.acceptSharedInvite: who's workspace joins the share under its own name.

    Its own record first (the local name, which nothing else of the workspace may bear), then
    the host's, which is what lets its people in; the accepting admin becomes the channel's
    first member from this side."""
    _admin(who)
    if not invite_id and not channel_id:
        raise SlackError("invalid_arguments")
    check_channel_name(name)

    def guest_unit(tx: Tx, _log: EventLog) -> SharedChannel:
        shared = _find_invite(tx, who.team_id, invite_id, channel_id)
        if shared.state == ACCEPTED:
            return shared  # a second call: only the host's step may be left
        if shared.state != PENDING or expired(shared.created, tx.now):
            raise SlackError("invite_not_found")
        tx.claim_names(who.team_id)
        taken = tx.get_channel_by_name(who.team_id, name) is not None
        if taken or tx.shared_name_taken(who.team_id, name, but=shared.channel_id):
            raise SlackError("name_taken")
        accepted = replace(
            shared,
            state=ACCEPTED,
            name=name,
            is_private=is_private,
            accepted_by=who.user_id,
            accepted_at=tx.now,
        )
        tx.set_shared_channel(
            who.team_id,
            shared.channel_id,
            state=ACCEPTED,
            name=name,
            is_private=is_private,
            accepted_by=who.user_id,
            accepted_at=tx.now,
        )
        tx.identity_changed = True  # routes: services/versioned.py
        return accepted

    shared = await hub.commit(who.team_id, guest_unit)

    def host_unit(tx: Tx, log: EventLog) -> str | None:
        """None once granted; else the host's state, which the guest's record then takes."""
        share = tx.share(shared.host_team_id, shared.channel_id, who.team_id)
        if share is None or share.invite_id != shared.invite_id:
            return DECLINED
        if share.state not in (PENDING, ACCEPTED):
            return share.state
        if share.state == PENDING and expired(share.created, tx.now):
            return PENDING  # lapsed meanwhile: this side's record is an unanswered invite again
        channel = tx.get_channel(shared.host_team_id, shared.channel_id)
        if channel is None:
            return DECLINED
        if share.state == PENDING:
            tx.set_share(
                share.host_team_id,
                share.channel_id,
                who.team_id,
                state=ACCEPTED,
                guest_name=shared.name,
                guest_is_private=shared.is_private,
                accepted_by=who.user_id,
                accepted_at=tx.now,
            )
            tx.identity_changed = True
            log.channel_event(
                channel.team_id,
                channel.id,
                {"type": "channel_shared", "connected_team_id": who.team_id, "channel": channel.id},
            )
        join_tx(tx, log, channel, who.user_id, member_team=who.team_id)
        return None

    refused = await hub.commit(shared.host_team_id, host_unit)
    if refused is not None:
        # The host withdrew or ended the invite meanwhile: this side's record follows it.
        def follow(tx: Tx, _log: EventLog) -> None:
            tx.set_shared_channel(who.team_id, shared.channel_id, state=refused)
            tx.identity_changed = True

        await hub.commit(who.team_id, follow)
        raise SlackError("invite_not_found")
    return shared


async def decline(hub: Hub, who: Identity, invite_id: str) -> None:
    """conversations.declineSharedInvite: by the invited side's admin, the invite is refused;
    by the host's, its own invite is withdrawn (Slack lets either side decline). The host's
    record first either way, so that from its commit nobody may accept it; then the other's."""
    _admin(who)
    if not invite_id:
        raise SlackError("invalid_arguments")

    def find(tx: Tx) -> tuple[SharedChannel | None, Share | None]:
        return tx.shared_by_invite(who.team_id, invite_id), tx.share_by_invite(
            who.team_id, invite_id
        )

    received, sent = await hub.read(who.team_id, find, snapshot=False)
    if sent is not None:
        await _withdraw(hub, who, sent)
        return
    if received is None or received.state != PENDING:
        raise SlackError("invite_not_found")
    shared = received

    def host_unit(tx: Tx, _log: EventLog) -> None:
        share = tx.share(shared.host_team_id, shared.channel_id, who.team_id)
        if share is None or share.invite_id != invite_id or share.state != PENDING:
            return
        tx.set_share(share.host_team_id, share.channel_id, who.team_id, state=DECLINED)
        _forget_if_unshared(tx, share.host_team_id, share.channel_id)

    await hub.commit(shared.host_team_id, host_unit)

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        tx.set_shared_channel(who.team_id, shared.channel_id, state=DECLINED)

    await hub.commit(who.team_id, guest_unit)


async def _withdraw(hub: Hub, who: Identity, sent: Share) -> None:
    """The host's admin takes back an invite nobody accepted yet."""

    def host_unit(tx: Tx, _log: EventLog) -> None:
        share = tx.share_by_invite(who.team_id, sent.invite_id)
        if share is None or share.state != PENDING:
            raise SlackError("invite_not_found")
        tx.set_share(who.team_id, share.channel_id, share.guest_team_id, state=DECLINED)
        _forget_if_unshared(tx, who.team_id, share.channel_id)

    await hub.commit(who.team_id, host_unit)

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        shared = tx.shared_channel(sent.guest_team_id, sent.channel_id)
        if shared is not None and shared.invite_id == sent.invite_id and shared.state == PENDING:
            tx.set_shared_channel(sent.guest_team_id, sent.channel_id, state=DECLINED)

    await hub.commit(sent.guest_team_id, guest_unit)


def _forget_if_unshared(tx: Tx, host: str, channel_id: str) -> None:
    """A channel with no share pending or accepted is an ordinary channel again."""
    if all(s.state not in (PENDING, ACCEPTED) for s in tx.shares_of(host, channel_id)):
        tx.update_channel(host, channel_id, has_shares=False)


# -- ending ------------------------------------------------------------------------------------


async def disconnect(hub: Hub, who: Identity, channel_id: str, leaving: list[str]) -> None:
    """admin.conversations.disconnectShared: the guest workspace loses the channel.

    The host's record first: from its commit no unit of work lets the guest's people in. Their
    memberships go in the same transaction, each with the member_left_channel that ends the
    channel's delivery on their open sockets (docs/realtime.md). Then the guest's own record."""
    _admin(who, "not_an_admin")
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
        _forget_if_unshared(tx, channel.team_id, channel.id)
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


# -- pending invites ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingInvite:
    """One invite waiting for an answer, as either side's admins see it."""

    direction: str  # "outgoing" (the host's) or "incoming" (the invited workspace's)
    invite_id: str
    channel_id: str
    channel_name: str
    is_private: bool
    created: int
    inviting_team: Team
    inviting_user: User | None
    invited_team_id: str
    invited_user: str


# The position of an invite in listConnectInvites' order: (date_created, invite id).
InviteKey = tuple[int, str]


@dataclass(frozen=True, slots=True)
class InvitePage:
    invites: list[PendingInvite]
    next_key: InviteKey | None  # the last invite of this page, when more follow


async def pending_invites(
    hub: Hub, who: Identity, after: InviteKey | None, limit: int
) -> InvitePage:
    """conversations.listConnectInvites: the invites who's workspace sent and received that
    nobody has answered yet and have not lapsed, oldest first, `limit` after `after`. A
    received invite is listed only while the host's record still offers it."""
    _admin(who)

    def mine(tx: Tx) -> tuple[list[Share], list[SharedChannel], dict[str, Channel], Team | None]:
        sent = [
            share
            for share in tx.host_shares(who.team_id, PENDING)
            if not expired(share.created, tx.now) and later((share.created, share.invite_id))
        ]
        received = [
            shared
            for shared in tx.shared_channels_in(who.team_id, PENDING)
            if not expired(shared.created, tx.now) and later((shared.created, shared.invite_id))
        ]
        channels = {c.id: c for s in sent if (c := tx.get_channel(who.team_id, s.channel_id))}
        return sent, received, channels, tx.get_team(who.team_id)

    def later(key: InviteKey) -> bool:
        return after is None or key > after

    sent, received, channels, team = await hub.read(who.team_id, mine)
    if team is None:
        raise SlackError("team_not_found")
    inviters = await hub.read(
        who.team_id, lambda tx: tx.get_users(who.team_id, [s.invited_by for s in sent])
    )
    out = [
        PendingInvite(
            "outgoing",
            share.invite_id,
            share.channel_id,
            channel.name,
            channel.is_private,
            share.created,
            team,
            inviters.get(share.invited_by),
            share.guest_team_id,
            share.invited_user,
        )
        for share in sent
        if (channel := channels.get(share.channel_id)) is not None
    ]
    for shared in received:

        def host_side(tx: Tx, s: SharedChannel = shared) -> tuple[Team | None, User | None]:
            offer = tx.share_by_invite(s.host_team_id, s.invite_id)
            if offer is None or offer.state != PENDING:
                return None, None  # withdrawn, and this side's record not told yet
            return tx.get_team(s.host_team_id), tx.get_user(s.host_team_id, s.invited_by)

        host, inviter = await hub.read(shared.host_team_id, host_side)
        if host is not None:
            out.append(
                PendingInvite(
                    "incoming",
                    shared.invite_id,
                    shared.channel_id,
                    shared.name,
                    shared.is_private,
                    shared.created,
                    host,
                    inviter,
                    who.team_id,
                    shared.invited_user,
                )
            )
    out.sort(key=lambda i: (i.created, i.invite_id))
    more = len(out) > limit
    page = out[:limit]
    return InvitePage(page, (page[-1].created, page[-1].invite_id) if more else None)


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
