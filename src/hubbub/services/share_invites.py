"""Invites to share a channel with another workspace: sending, withdrawing and listing them
(docs/shared-channels.md). Answering them is services/share_answers.py.

An invite names the other workspace by one of its people (an id or an email address, as Slack)
or by its domain (hubbub's `team_domain`). One sent to an address says nothing to the host about
who has that address: it is kept by address (`EmailInvite`), answered and listed alike whether
the address names a person of another workspace or nobody, and the workspace it reached stays
hidden from the host until that workspace accepts (docs/limits.md, "Abuse").
"""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import new_id
from hubbub.domain.model import Channel, Identity, Team, User
from hubbub.domain.names import email_address
from hubbub.domain.shares import (
    ACCEPTED,
    DECLINED,
    PENDING,
    EmailInvite,
    Share,
    SharedChannel,
    expired,
)
from hubbub.services import abuse
from hubbub.services.access import is_guest, visible_channel
from hubbub.services.channel_tx import is_general
from hubbub.services.hub import EventLog, Hub
from hubbub.services.shares import forget_if_unshared, require_admin
from hubbub.store.tx import Tx

# -- whom an invite is addressed to --------------------------------------------------------------


async def _team_of_domain(hub: Hub, team_domain: str) -> str:
    team_id = await hub.shards.team_for_domain(team_domain)
    if team_id is None:
        raise SlackError("team_not_found")
    return team_id


async def _person_by_id(hub: Hub, user_id: str, team_id: str | None) -> tuple[str, str]:
    """(workspace, person) of a person named by id. An unknown id is an error, as Slack's: ids
    are not what people are found by, so the answer tells nobody anything about a person."""
    if team_id is not None:
        user = await hub.read(team_id, lambda tx: tx.get_user(team_id, user_id))
        found = [] if user is None or user.deleted else [(team_id, user.id)]
    else:
        found = await _anywhere(hub, email=None, user_id=user_id)
    if len(found) != 1:
        raise SlackError("user_not_found")
    return found[0]


async def _person_by_email(hub: Hub, email: str, team_id: str | None) -> tuple[str, str] | None:
    """(workspace, person) of the one live person with this address, in team_id if given, else
    in any workspace; None if nobody has it, or people of several workspaces do."""
    if team_id is not None:
        user = await hub.read(team_id, lambda tx: tx.get_user_by_email(team_id, email))
        return None if user is None or user.deleted else (team_id, user.id)
    found = await _anywhere(hub, email=email, user_id=None)
    return found[0] if len(found) == 1 else None


async def _anywhere(hub: Hub, *, email: str | None, user_id: str | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    # One indexed lookup per shard (ix_users_email, or the users' key).
    for store in hub.shards.stores().values():
        found += await store.read(lambda tx: tx.people_anywhere(email=email, user_id=user_id))
    return found


def _shareable(who: Identity, channel: Channel) -> None:
    if is_guest(who, channel):
        raise SlackError("cannot_share_cross_workspace_channel")
    if channel.is_im or channel.is_mpim:
        raise SlackError("invalid_channel_type")
    if is_general(channel):
        raise SlackError("cannot_share_mandatory_channel")
    if channel.is_archived:
        raise SlackError("channel_archived")


def _offer(
    tx: Tx,
    who: Identity,
    channel: Channel,
    guest: str,
    *,
    invited_user: str,
    invite_id: str | None = None,
    by_email: bool = False,
) -> Share:
    """A new pending share of the channel with guest, replacing any earlier one."""
    share = Share(
        host_team_id=who.team_id,
        channel_id=channel.id,
        guest_team_id=guest,
        invite_id=invite_id or new_id("I"),
        state=PENDING,
        invited_by=who.user_id,
        invited_user=invited_user,
        created=tx.now,
        guest_name=None,
        guest_is_private=False,
        accepted_by=None,
        accepted_at=None,
        by_email=by_email,
    )
    tx.put_share(share)
    if not channel.has_shares:
        tx.update_channel(who.team_id, channel.id, has_shares=True)
    return share


def _open(share: Share | None, now: int) -> bool:
    """Whether an earlier share still stands as an unanswered invite."""
    return share is not None and share.state == PENDING and not expired(share.created, now)


# -- sending -----------------------------------------------------------------------------------


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
    id. Inviting the same workspace (or address) again answers the same invite, and completes
    it if a crash left the invited side without its record."""
    require_admin(who)
    addresses = [e for e in emails if e.strip()]
    ids = [u.strip() for u in user_ids if u.strip()]
    if len(addresses) + len(ids) > 1 or not (addresses or ids or team_domain):
        raise SlackError("invalid_arguments")
    if addresses:
        await abuse.email_invite(hub, who)
        return await _invite_address(hub, who, channel_id, addresses[0], team_domain)
    team_id = await _team_of_domain(hub, team_domain) if team_domain else None
    guest, invited_user = await _person_by_id(hub, ids[0], team_id) if ids else (team_id, "")
    assert guest is not None  # a domain or an id was given
    if guest == who.team_id:
        raise SlackError("invalid_arguments")

    def host_unit(tx: Tx, _log: EventLog) -> tuple[Share, Channel]:
        channel, _ = visible_channel(tx, who, channel_id)
        _shareable(who, channel)
        earlier = tx.share(who.team_id, channel.id, guest)
        if earlier is not None and earlier.state == ACCEPTED:
            raise SlackError("already_in_channel")
        # An invite by address is not answered again here: its id would say the address is
        # of this workspace. This one replaces it; the address's record settles on the answer.
        if earlier is not None and _open(earlier, tx.now) and not earlier.by_email:
            return earlier, channel
        return _offer(tx, who, channel, guest, invited_user=invited_user), channel

    share, channel = await hub.commit(who.team_id, host_unit)
    await _tell_guest(hub, share, channel)
    return share.invite_id


async def _invite_address(
    hub: Hub, who: Identity, channel_id: str, text: str, team_domain: str | None
) -> str:
    """An invite to an email address. Every step of it is the same for an address of nobody,
    except that the invited workspace's record is written: the host's answer, its listings and
    a second invite to the address are alike either way."""
    email = email_address(text)
    team_id = await _team_of_domain(hub, team_domain) if team_domain else None
    reached = await _person_by_email(hub, email, team_id)
    if reached is not None and reached[0] == who.team_id:
        raise SlackError("invalid_arguments")  # one of the inviter's own people

    def host_unit(tx: Tx, _log: EventLog) -> tuple[EmailInvite, Share | None, Channel]:
        channel, _ = visible_channel(tx, who, channel_id)
        _shareable(who, channel)
        sent = tx.email_invite(who.team_id, channel.id, email)
        if sent is None or sent.state != PENDING or expired(sent.created, tx.now):
            sent = EmailInvite(
                host_team_id=who.team_id,
                channel_id=channel.id,
                email=email,
                invite_id=new_id("I"),
                state=PENDING,
                invited_by=who.user_id,
                created=tx.now,
                guest_team_id=reached[0] if reached else None,
            )
            tx.put_email_invite(sent)
        if sent.guest_team_id is None:
            return sent, None, channel
        earlier = tx.share(who.team_id, channel.id, sent.guest_team_id)
        if earlier is not None and earlier.invite_id == sent.invite_id:
            return sent, earlier, channel  # sent before: complete the guest's side, if need be
        if earlier is not None and (earlier.state == ACCEPTED or _open(earlier, tx.now)):
            return sent, None, channel  # in already, or invited otherwise: this one settles then
        share = _offer(
            tx,
            who,
            channel,
            sent.guest_team_id,
            invite_id=sent.invite_id,
            invited_user=reached[1] if reached else "",
            by_email=True,
        )
        return sent, share, channel

    sent, share, channel = await hub.commit(who.team_id, host_unit)
    if share is not None and share.state == PENDING:
        await _tell_guest(hub, share, channel)
    return sent.invite_id


async def _tell_guest(hub: Hub, share: Share, channel: Channel) -> None:
    """The invited workspace's record of the invite: written once, again only if missing."""

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        current = tx.shared_channel(share.guest_team_id, share.channel_id)
        if current is not None and current.invite_id == share.invite_id:
            return
        tx.put_shared_channel(
            SharedChannel(
                team_id=share.guest_team_id,
                channel_id=share.channel_id,
                host_team_id=share.host_team_id,
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

    await hub.commit(share.guest_team_id, guest_unit)


# -- withdrawing -------------------------------------------------------------------------------


async def withdraw(hub: Hub, who: Identity, invite_id: str) -> bool:
    """The host's admin takes back an invite nobody accepted yet; False if who's workspace sent
    no invite of that id. The host's record first: from its commit nobody may accept it."""

    def host_unit(tx: Tx, _log: EventLog) -> tuple[bool, Share | None]:
        by_address = tx.email_invite_by_id(who.team_id, invite_id)
        share = tx.share_by_invite(who.team_id, invite_id)
        if by_address is None and share is None:
            return False, None
        open_address = by_address is not None and by_address.state == PENDING
        open_share = share is not None and share.state == PENDING
        if not open_address and not open_share:
            raise SlackError("invite_not_found")
        if open_address:
            tx.set_email_invite(who.team_id, invite_id, state=DECLINED)
        if share is None or not open_share:
            return True, None
        tx.set_share(who.team_id, share.channel_id, share.guest_team_id, state=DECLINED)
        forget_if_unshared(tx, who.team_id, share.channel_id)
        return True, share

    sent, share = await hub.commit(who.team_id, host_unit)
    if share is None:
        return sent

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        shared = tx.shared_channel(share.guest_team_id, share.channel_id)
        if shared is not None and shared.invite_id == share.invite_id and shared.state == PENDING:
            tx.set_shared_channel(share.guest_team_id, share.channel_id, state=DECLINED)

    await hub.commit(share.guest_team_id, guest_unit)
    return True


# -- listing -----------------------------------------------------------------------------------


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
    # Whom it was sent to: an address (shown to the host only), else a workspace and maybe one
    # of its people.
    recipient_email: str | None
    recipient_team_id: str | None
    recipient_user_id: str | None


# The position of an invite in listConnectInvites' order: (date_created, invite id).
InviteKey = tuple[int, str]


@dataclass(frozen=True, slots=True)
class InvitePage:
    invites: list[PendingInvite]
    next_key: InviteKey | None  # the last invite of this page, when more follow


@dataclass(frozen=True, slots=True)
class _Sent:
    """An outgoing invite before its channel and inviter are looked up."""

    invite_id: str
    channel_id: str
    created: int
    invited_by: str
    email: str | None
    team_id: str | None
    user_id: str | None


async def pending_invites(
    hub: Hub, who: Identity, after: InviteKey | None, limit: int
) -> InvitePage:
    """conversations.listConnectInvites: the invites who's workspace sent and received that
    nobody has answered yet and have not lapsed, oldest first, `limit` after `after`. A
    received invite is listed only while the host's record still offers it."""
    require_admin(who)

    def later(key: InviteKey) -> bool:
        return after is None or key > after

    def mine(tx: Tx) -> tuple[list[_Sent], list[SharedChannel]]:
        sent = [
            _Sent(
                s.invite_id,
                s.channel_id,
                s.created,
                s.invited_by,
                None,
                s.guest_team_id,
                s.invited_user or None,
            )
            for s in tx.host_shares(who.team_id, PENDING)
            if not s.by_email
        ] + [
            _Sent(e.invite_id, e.channel_id, e.created, e.invited_by, e.email, None, None)
            for e in tx.pending_email_invites(who.team_id)
        ]
        received = tx.shared_channels_in(who.team_id, PENDING)
        return (
            [s for s in sent if not expired(s.created, tx.now) and later((s.created, s.invite_id))],
            [
                r
                for r in received
                if not expired(r.created, tx.now) and later((r.created, r.invite_id))
            ],
        )

    sent, received = await hub.read(who.team_id, mine)
    out = await _outgoing(hub, who, sent) + await _incoming(hub, who, received)
    out.sort(key=lambda i: (i.created, i.invite_id))
    more = len(out) > limit
    page = out[:limit]
    return InvitePage(page, (page[-1].created, page[-1].invite_id) if more else None)


async def _outgoing(hub: Hub, who: Identity, sent: list[_Sent]) -> list[PendingInvite]:
    def look_up(tx: Tx) -> tuple[Team | None, dict[str, Channel], dict[str, User]]:
        channels = {c.id: c for s in sent if (c := tx.get_channel(who.team_id, s.channel_id))}
        inviters = tx.get_users(who.team_id, [s.invited_by for s in sent])
        return tx.get_team(who.team_id), channels, inviters

    team, channels, inviters = await hub.read(who.team_id, look_up)
    if team is None:
        raise SlackError("team_not_found")
    return [
        PendingInvite(
            "outgoing",
            s.invite_id,
            s.channel_id,
            channel.name,
            channel.is_private,
            s.created,
            team,
            inviters.get(s.invited_by),
            s.email,
            s.team_id,
            s.user_id,
        )
        for s in sent
        if (channel := channels.get(s.channel_id)) is not None
    ]


async def _incoming(hub: Hub, who: Identity, received: list[SharedChannel]) -> list[PendingInvite]:
    out = []
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
                    None,
                    who.team_id,
                    shared.invited_user or None,
                )
            )
    return out
