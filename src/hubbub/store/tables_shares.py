"""The tables of channels shared between workspaces (docs/shared-channels.md): the host's
record of each invited workspace, its invites by email, and each guest's own record. Declared
on tables.py's metadata, which imports this module: the one schema holds them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.types import BigInteger

from hubbub.store.tables import metadata

# Channels shared with other workspaces (docs/shared-channels.md), on the host's shard: one row
# per invited workspace. This row is the authority for the guest's access: its members read and
# write the channel only while `state` is "accepted" here.
channel_shares = Table(
    "channel_shares",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("guest_team_id", String(16), primary_key=True),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted, declined or disconnected.
    Column("state", String(16), nullable=False),
    Column("invited_by", String(16), nullable=False),
    # The guest's admin the invite was addressed to.
    Column("invited_user", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # How the guest workspace shows the channel, copied here at acceptance so that a unit of work
    # on the host's shard can show it to the guest's people.
    Column("guest_name", Text),
    Column("guest_is_private", Boolean, nullable=False, default=False),
    Column("accepted_by", String(16)),
    Column("accepted_at", BigInteger),
    Column("updated", BigInteger, nullable=False),
    # Sent to an email address: shown to the host as its email_invites row until accepted.
    Column("by_email", Boolean, nullable=False, default=False, server_default="0"),
    # A guest's unit of work knows the channel and its own workspace, not the host.
    Index("ix_channel_shares_guest", "channel_id", "guest_team_id"),
    Index("ix_channel_shares_invite", "team_id", "invite_id", unique=True),
)

# The host's invites by email address (domain/shares.py EmailInvite): one per channel and
# address, written alike whether or not the address names anyone.
email_invites = Table(
    "email_invites",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("email", Text, primary_key=True),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted or declined.
    Column("state", String(16), nullable=False),
    Column("invited_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # The workspace the address reached, if any: never shown to the host.
    Column("guest_team_id", String(16)),
    Column("updated", BigInteger, nullable=False),
    Index("ix_email_invites_invite", "team_id", "invite_id", unique=True),
    Index("ix_email_invites_state", "team_id", "state"),
)

# The other side: on each invited workspace's shard, its own record of the share, with its own
# name for the channel. Routing reads it to find the host; it never grants access by itself.
shared_channels = Table(
    "shared_channels",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("host_team_id", String(16), nullable=False),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted, declined or disconnected.
    Column("state", String(16), nullable=False),
    # The host's name while pending; the local name from acceptance on.
    Column("name", Text, nullable=False),
    Column("is_private", Boolean, nullable=False, default=False),
    Column("invited_by", String(16), nullable=False),
    Column("invited_user", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("accepted_by", String(16)),
    Column("accepted_at", BigInteger),
    Column("updated", BigInteger, nullable=False),
    Index("ix_shared_channels_invite", "team_id", "invite_id", unique=True),
)
