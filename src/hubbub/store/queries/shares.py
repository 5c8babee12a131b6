"""Shared channels: the host's channel_shares and email_invites, and each invited workspace's
shared_channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, insert, select, text, update

from hubbub.domain.shares import ACCEPTED, PENDING, EmailInvite, Share, SharedChannel
from hubbub.store.prepared import Prepared
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key
from hubbub.store.tables import members, users
from hubbub.store.tables_shares import channel_shares, email_invites, shared_channels

# The advisory lock space of channel names (pg_advisory_xact_lock's first key; any constant).
_NAMES_LOCK = 726355
# Read by every view of a shared channel (access.with_shares): prepared once.
_SHARES_OF = Prepared(
    select(channel_shares)
    .where(key(channel_shares, "team_id", "channel_id"))
    .order_by(channel_shares.c.guest_team_id)
)


# Read by every call of a guest's person on a shared channel (access.visible_channel), and by
# their sockets' connect (shares.shared_streams): prepared once.
_ACCEPTED_SHARE = Prepared(
    select(channel_shares).where(
        key(channel_shares, "channel_id", "guest_team_id"), channel_shares.c.state == ACCEPTED
    )
)
_SHARED_CHANNEL = Prepared(
    select(shared_channels).where(key(shared_channels, "team_id", "channel_id"))
)
_SHARED_CHANNELS_IN = Prepared(
    select(shared_channels)
    .where(key(shared_channels, "team_id", "state"))
    .order_by(shared_channels.c.channel_id)
)


def _share(row: Row[Any]) -> Share:
    return Share(
        host_team_id=row.team_id,
        channel_id=row.channel_id,
        guest_team_id=row.guest_team_id,
        invite_id=row.invite_id,
        state=row.state,
        invited_by=row.invited_by,
        invited_user=row.invited_user,
        created=row.created,
        guest_name=row.guest_name,
        guest_is_private=bool(row.guest_is_private),
        accepted_by=row.accepted_by,
        accepted_at=row.accepted_at,
        by_email=bool(row.by_email),
    )


def _email_invite(row: Row[Any]) -> EmailInvite:
    return EmailInvite(
        host_team_id=row.team_id,
        channel_id=row.channel_id,
        email=row.email,
        invite_id=row.invite_id,
        state=row.state,
        invited_by=row.invited_by,
        created=row.created,
        guest_team_id=row.guest_team_id,
    )


def _shared(row: Row[Any]) -> SharedChannel:
    return SharedChannel(
        team_id=row.team_id,
        channel_id=row.channel_id,
        host_team_id=row.host_team_id,
        invite_id=row.invite_id,
        state=row.state,
        name=row.name,
        is_private=bool(row.is_private),
        invited_by=row.invited_by,
        invited_user=row.invited_user,
        created=row.created,
        accepted_by=row.accepted_by,
        accepted_at=row.accepted_at,
    )


class ShareQueries(TxBase):
    # -- the host's side ----------------------------------------------------------------------

    def put_share(self, share: Share) -> None:
        """Writes the host's record of an invite, replacing an earlier one for the same guest."""
        c = channel_shares.c
        self.conn.execute(
            delete(channel_shares).where(
                c.team_id == share.host_team_id,
                c.channel_id == share.channel_id,
                c.guest_team_id == share.guest_team_id,
            )
        )
        self.conn.execute(
            insert(channel_shares).values(
                team_id=share.host_team_id,
                channel_id=share.channel_id,
                guest_team_id=share.guest_team_id,
                invite_id=share.invite_id,
                state=share.state,
                invited_by=share.invited_by,
                invited_user=share.invited_user,
                created=share.created,
                guest_name=share.guest_name,
                guest_is_private=share.guest_is_private,
                accepted_by=share.accepted_by,
                accepted_at=share.accepted_at,
                by_email=share.by_email,
                updated=self.now,
            )
        )

    def set_share(self, host: str, channel_id: str, guest: str, **values: Any) -> None:
        c = channel_shares.c
        self.conn.execute(
            update(channel_shares)
            .where(c.team_id == host, c.channel_id == channel_id, c.guest_team_id == guest)
            .values(updated=self.now, **values)
        )

    def share(self, host: str, channel_id: str, guest: str) -> Share | None:
        c = channel_shares.c
        row = self.conn.execute(
            select(channel_shares).where(
                c.team_id == host, c.channel_id == channel_id, c.guest_team_id == guest
            )
        ).first()
        return _share(row) if row else None

    def share_by_invite(self, host: str, invite_id: str) -> Share | None:
        c = channel_shares.c
        row = self.conn.execute(
            select(channel_shares).where(c.team_id == host, c.invite_id == invite_id)
        ).first()
        return _share(row) if row else None

    def shares_of(self, host: str, channel_id: str) -> list[Share]:
        rows = self.run.rows(_SHARES_OF, {"team_id": host, "channel_id": channel_id})
        return [_share(row) for row in rows]

    def host_shares(self, host: str, state: str) -> list[Share]:
        c = channel_shares.c
        rows = self.conn.execute(
            select(channel_shares)
            .where(c.team_id == host, c.state == state)
            .order_by(c.created, c.invite_id)
        )
        return [_share(row) for row in rows]

    def accepted_share(self, channel_id: str, guest: str) -> Share | None:
        """The accepted share of a channel with the guest workspace, whoever hosts it."""
        row = self.run.first(_ACCEPTED_SHARE, {"channel_id": channel_id, "guest_team_id": guest})
        return _share(row) if row else None

    def shares_with(self, host: str, guest: str) -> list[Share]:
        """The host's channels the guest workspace has accepted."""
        c = channel_shares.c
        rows = self.conn.execute(
            select(channel_shares).where(
                c.team_id == host, c.guest_team_id == guest, c.state == ACCEPTED
            )
        )
        return [_share(row) for row in rows]

    # -- the host's invites by email address -------------------------------------------------

    def put_email_invite(self, invite: EmailInvite) -> None:
        """Writes an invite to an address, replacing an earlier one of the channel to it."""
        c = email_invites.c
        self.conn.execute(
            delete(email_invites).where(
                c.team_id == invite.host_team_id,
                c.channel_id == invite.channel_id,
                c.email == invite.email,
            )
        )
        self.conn.execute(
            insert(email_invites).values(
                team_id=invite.host_team_id,
                channel_id=invite.channel_id,
                email=invite.email,
                invite_id=invite.invite_id,
                state=invite.state,
                invited_by=invite.invited_by,
                created=invite.created,
                guest_team_id=invite.guest_team_id,
                updated=self.now,
            )
        )

    def email_invite(self, host: str, channel_id: str, email: str) -> EmailInvite | None:
        c = email_invites.c
        row = self.conn.execute(
            select(email_invites).where(
                c.team_id == host, c.channel_id == channel_id, c.email == email
            )
        ).first()
        return _email_invite(row) if row else None

    def email_invite_by_id(self, host: str, invite_id: str) -> EmailInvite | None:
        c = email_invites.c
        row = self.conn.execute(
            select(email_invites).where(c.team_id == host, c.invite_id == invite_id)
        ).first()
        return _email_invite(row) if row else None

    def pending_email_invites(self, host: str) -> list[EmailInvite]:
        c = email_invites.c
        rows = self.conn.execute(
            select(email_invites)
            .where(c.team_id == host, c.state == PENDING)
            .order_by(c.created, c.invite_id)
        )
        return [_email_invite(row) for row in rows]

    def set_email_invite(self, host: str, invite_id: str, **values: Any) -> None:
        c = email_invites.c
        self.conn.execute(
            update(email_invites)
            .where(c.team_id == host, c.invite_id == invite_id)
            .values(updated=self.now, **values)
        )

    def settle_email_invites(self, host: str, channel_id: str, guest: str, state: str) -> None:
        """The guest workspace answered: its pending invites by address to the channel follow."""
        c = email_invites.c
        self.conn.execute(
            update(email_invites)
            .where(
                c.team_id == host,
                c.channel_id == channel_id,
                c.guest_team_id == guest,
                c.state == PENDING,
            )
            .values(state=state, updated=self.now)
        )

    # -- members from other workspaces ------------------------------------------------------

    def member_teams(self, team_id: str, channel_id: str, user_ids: list[str]) -> dict[str, str]:
        """Of these members, those from other workspaces, with their workspace."""
        if not user_ids:
            return {}
        c = members.c
        rows = self.conn.execute(
            select(c.user_id, c.member_team).where(
                c.team_id == team_id,
                c.channel_id == channel_id,
                c.user_id.in_(user_ids),
                c.member_team.is_not(None),
            )
        )
        return {row.user_id: row.member_team for row in rows}

    def team_members(self, team_id: str, channel_id: str, member_team: str) -> list[str]:
        """The channel's members who belong to member_team: a guest workspace, or the
        channel's own (whose members have no member_team)."""
        c = members.c
        belong = c.member_team.is_(None) if member_team == team_id else c.member_team == member_team
        rows = self.conn.execute(
            select(c.user_id)
            .where(c.team_id == team_id, c.channel_id == channel_id, belong)
            .order_by(c.user_id)
        )
        return [row.user_id for row in rows]

    def guest_home(self, team_id: str, user_id: str) -> str | None:
        """The workspace of a person from elsewhere who is in one of this workspace's channels."""
        c = members.c
        return self.conn.execute(
            select(c.member_team)
            .where(c.team_id == team_id, c.user_id == user_id, c.member_team.is_not(None))
            .limit(1)
        ).scalar()

    # -- the invited workspace's side -------------------------------------------------------

    def put_shared_channel(self, shared: SharedChannel) -> None:
        c = shared_channels.c
        self.conn.execute(
            delete(shared_channels).where(
                c.team_id == shared.team_id, c.channel_id == shared.channel_id
            )
        )
        self.conn.execute(
            insert(shared_channels).values(
                team_id=shared.team_id,
                channel_id=shared.channel_id,
                host_team_id=shared.host_team_id,
                invite_id=shared.invite_id,
                state=shared.state,
                name=shared.name,
                is_private=shared.is_private,
                invited_by=shared.invited_by,
                invited_user=shared.invited_user,
                created=shared.created,
                accepted_by=shared.accepted_by,
                accepted_at=shared.accepted_at,
                updated=self.now,
            )
        )

    def set_shared_channel(self, team_id: str, channel_id: str, **values: Any) -> None:
        c = shared_channels.c
        self.conn.execute(
            update(shared_channels)
            .where(c.team_id == team_id, c.channel_id == channel_id)
            .values(updated=self.now, **values)
        )

    def shared_channel(self, team_id: str, channel_id: str) -> SharedChannel | None:
        row = self.run.first(_SHARED_CHANNEL, {"team_id": team_id, "channel_id": channel_id})
        return _shared(row) if row else None

    def shared_by_invite(self, team_id: str, invite_id: str) -> SharedChannel | None:
        c = shared_channels.c
        row = self.conn.execute(
            select(shared_channels).where(c.team_id == team_id, c.invite_id == invite_id)
        ).first()
        return _shared(row) if row else None

    def shared_channels_in(self, team_id: str, state: str) -> list[SharedChannel]:
        rows = self.run.rows(_SHARED_CHANNELS_IN, {"team_id": team_id, "state": state})
        return [_shared(row) for row in rows]

    def claim_names(self, team_id: str) -> None:
        """Orders the units of work that name one workspace's channels: a channel's name and a
        shared channel's local name are in two tables, which no unique index spans. On
        PostgreSQL the later unit waits here for the earlier's commit, and its checks after
        this see that name; SQLite's one writer orders them already."""
        if self.run.dialect.name == "postgresql":
            self.conn.execute(
                text("SELECT pg_advisory_xact_lock(:space, hashtext(:team_id))"),
                {"space": _NAMES_LOCK, "team_id": team_id},
            )

    def shared_name_taken(self, team_id: str, name: str, but: str = "") -> bool:
        """Whether an accepted shared channel of the workspace goes by this name locally."""
        c = shared_channels.c
        found = self.conn.execute(
            select(c.channel_id).where(
                c.team_id == team_id, c.name == name, c.state == ACCEPTED, c.channel_id != but
            )
        ).first()
        return found is not None

    # -- finding the invited workspace ------------------------------------------------------

    def people_anywhere(
        self, *, email: str | None = None, user_id: str | None = None
    ) -> list[tuple[str, str]]:
        """(team id, user id) of the live people on this shard with this email or id, whatever
        their workspace: only for addressing a share's invite."""
        c = users.c
        query = select(c.team_id, c.user_id).where(c.deleted.is_(False))
        query = (
            query.where(c.email == email)
            if email is not None
            else query.where(c.user_id == user_id)
        )
        return [(row.team_id, row.user_id) for row in self.conn.execute(query.limit(2))]
