"""The records the system keeps, as plain immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    domain: str
    created: int


@dataclass(frozen=True, slots=True)
class User:
    team_id: str
    id: str
    name: str
    real_name: str
    email: str | None
    is_admin: bool
    is_owner: bool
    is_bot: bool
    bot_id: str | None
    deleted: bool
    tz: str
    manual_away: bool
    updated: int
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: resolved from a token or a browser session."""

    team_id: str
    user_id: str
    token_kind: str  # "xoxp", "xoxb", "xapp" (an app-level token) or "xoxc" (browser session)
    token_hash: str
    is_admin: bool
    bot_id: str | None
    scopes: frozenset[str]
    # The app of a bot token or app-level token: only then are scopes enforced (api/server.py).
    app_id: str | None = None


@dataclass(frozen=True, slots=True)
class Invite:
    """A link to join a workspace: who made it and until when (seconds) it lets people in; or,
    with user_id, a claim link: the account of that one person, for the first who opens it."""

    team_id: str
    created_by: str
    created: int
    expires: int
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    team_id: str
    id: str
    name: str
    is_private: bool
    is_im: bool
    is_mpim: bool
    creator: str
    created: int
    is_archived: bool
    topic: str
    topic_creator: str
    topic_last_set: int
    purpose: str
    purpose_creator: str
    purpose_last_set: int
    last_seq: int
    last_us: int  # the last message's ts, in microseconds (0: none yet)
    im_user: str | None = None  # the other party of a DM, as seen by its creator
    # Shared with, or offered to, other workspaces (docs/shared-channels.md); team_id is the
    # host's.
    has_shares: bool = False
    # The host and every workspace that accepted, host first; filled where the channel is shown.
    shared_team_ids: tuple[str, ...] = ()
    # Workspaces invited that have not answered yet (shown to the host only).
    pending_team_ids: tuple[str, ...] = ()
    # The workspace of the person it is shown to, when that is not the host, and whether that
    # workspace made it private there (each side chooses its own; is_private stays the host's,
    # which the channel's events, shared by both sides, follow).
    context_team_id: str | None = None
    local_private: bool | None = None

    @property
    def private_here(self) -> bool:
        """Private as the person it is shown to sees it."""
        return self.is_private if self.local_private is None else self.local_private


@dataclass(frozen=True, slots=True)
class Membership:
    channel_id: str
    user_id: str
    joined: int
    last_read: str
    # The member's own workspace where it is not the channel's (a shared channel's guest).
    member_team: str | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    name: str
    users: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Message:
    team_id: str
    channel_id: str
    ts: str
    user_id: str
    bot_id: str | None
    subtype: str | None
    text: str
    blocks: list[Any] | None
    attachments: list[Any] | None
    thread_ts: str | None
    reply_count: int
    reply_users: tuple[str, ...]
    latest_reply: str | None
    edited_ts: str | None
    edited_by: str | None
    client_msg_id: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    reactions: tuple[Reaction, ...] = ()
    pinned_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """One entry of a channel's ordered event log (or a team's, for workspace-wide events)."""

    stream: str
    seq: int
    type: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class ReadState:
    """How far a member has read one conversation, and what came after."""

    channel_id: str
    is_private: bool
    is_im: bool
    is_mpim: bool
    last_read: str
    latest: str | None  # the ts of the last message shown in the channel; None: none yet
    unread_count: int  # shown messages after last_read that others wrote
