"""Answers to an invite to share a channel: acceptance and refusal (docs/shared-channels.md).

The invited workspace's record and the host's live on two shards. Acceptance writes the
invited side first and the host's record, which is what lets its people in, last; refusal the
host's first, so that from its commit nobody may accept. Each step is idempotent: calling the
method again completes what a crash interrupted.
"""

from __future__ import annotations

from dataclasses import replace

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.domain.names import check_channel_name
from hubbub.domain.shares import ACCEPTED, DECLINED, PENDING, SharedChannel, expired
from hubbub.services import share_invites
from hubbub.services.channel_tx import join_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.shares import forget_if_unshared, require_admin
from hubbub.store.tx import Tx


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
    require_admin(who)
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
            tx.settle_email_invites(share.host_team_id, share.channel_id, who.team_id, ACCEPTED)
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
    require_admin(who)
    if not invite_id:
        raise SlackError("invalid_arguments")

    if await share_invites.withdraw(hub, who, invite_id):
        return
    shared = await hub.read(
        who.team_id, lambda tx: tx.shared_by_invite(who.team_id, invite_id), snapshot=False
    )
    if shared is None or shared.state != PENDING:
        raise SlackError("invite_not_found")

    def host_unit(tx: Tx, _log: EventLog) -> None:
        share = tx.share(shared.host_team_id, shared.channel_id, who.team_id)
        if share is None or share.invite_id != invite_id or share.state != PENDING:
            return
        tx.set_share(share.host_team_id, share.channel_id, who.team_id, state=DECLINED)
        tx.settle_email_invites(share.host_team_id, share.channel_id, who.team_id, DECLINED)
        forget_if_unshared(tx, share.host_team_id, share.channel_id)

    await hub.commit(shared.host_team_id, host_unit)

    def guest_unit(tx: Tx, _log: EventLog) -> None:
        tx.set_shared_channel(who.team_id, shared.channel_id, state=DECLINED)

    await hub.commit(who.team_id, guest_unit)
