"""The settings every process of a deployment must apply alike, and may change while it runs:
whether rate limits apply, how far Slack's tiers are scaled, the abuse limits, and from what
size a room is large. Each process reads them from the one place its deployment
keeps them (the store, or the directory of shards) every few seconds (hubbub/shared_settings.py,
docs/deploy.md "Shared settings"); `hubbub admin settings set` writes them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubbub.domain.abuse import AbuseLimits

# The Settings fields that are shared: a value stored for one of them overrides the config
# file's in every process; any other name is refused.
NAMES = (
    "rate_limits",
    "rate_scale",
    "login_attempts_per_account",
    "login_attempts_per_address",
    "signups_per_address",
    "hook_posts_per_address",
    "email_invites_per_workspace",
    "large_room_members",
)
# A channel of more members than this is a large room: each notice to it is a frame to every
# member's sockets, so typing is told to nobody and joins and leaves post no message there
# (their member_joined_channel / member_left_channel events still go).
LARGE_ROOM_MEMBERS = 1000
MAX_NAME = 64
MAX_VALUE = 256  # each is a boolean or a number, as JSON


@dataclass(frozen=True, slots=True)
class Live:
    """What a process applies now, from its settings and the stored overrides."""

    rate_limits: bool = True
    # Slack's tiers and posting limits (api/ratelimit.py), each multiplied by this.
    rate_scale: float = 1.0
    limits: AbuseLimits = field(default_factory=AbuseLimits)
    large_room_members: int = LARGE_ROOM_MEMBERS
