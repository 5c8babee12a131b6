"""Channels shared between workspaces: the records of a share on each side and its states.

The host keeps one `Share` per invited workspace; each invited workspace keeps a `SharedChannel`
with its own name for the channel. Only the host's record grants access (docs/shared-channels.md).
An invite sent to an email address is also kept by address (`EmailInvite`), so that what the
host sees of it is the same whether or not the address belongs to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
DISCONNECTED = "disconnected"

# An invite nobody answered lapses this long after it was sent, as Slack's do (14 days).
INVITE_VALID_S = 14 * 24 * 3600


def expired(created: int, now: int) -> bool:
    """Whether an invite sent at `created` has lapsed by `now` (seconds)."""
    return now >= created + INVITE_VALID_S


@dataclass(frozen=True, slots=True)
class Share:
    """The host's record of one invited workspace."""

    host_team_id: str
    channel_id: str
    guest_team_id: str
    invite_id: str
    state: str
    invited_by: str
    invited_user: str
    created: int
    guest_name: str | None
    guest_is_private: bool
    accepted_by: str | None
    accepted_at: int | None
    # Sent to an address: the host is shown the address (its EmailInvite), not this workspace,
    # until the workspace accepts.
    by_email: bool = False


@dataclass(frozen=True, slots=True)
class EmailInvite:
    """The host's record of an invite sent to an email address.

    Written alike for an address that names a person of another workspace and for one that
    names nobody; `guest_team_id`, the workspace it reached, is never shown to the host: it
    settles the record when that workspace answers."""

    host_team_id: str
    channel_id: str
    email: str
    invite_id: str
    state: str
    invited_by: str
    created: int
    guest_team_id: str | None


@dataclass(frozen=True, slots=True)
class SharedChannel:
    """An invited workspace's record of a channel another workspace hosts."""

    team_id: str
    channel_id: str
    host_team_id: str
    invite_id: str
    state: str
    name: str
    is_private: bool
    invited_by: str
    invited_user: str
    created: int
    accepted_by: str | None
    accepted_at: int | None
