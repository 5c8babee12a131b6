"""Channels shared between workspaces (Slack Connect's methods): docs/shared-channels.md."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, Router
from hubbub.domain import cursor
from hubbub.domain.model import User
from hubbub.domain.shapes import person_json, team_json
from hubbub.domain.shares import INVITE_VALID_S
from hubbub.services import share_answers, share_invites, shares

router = Router()


@router.method(
    "conversations.inviteShared",
    scopes="conversations.connect:write",
    tier=TIER_2,
    args={
        "channel": "string",
        "emails": "string",
        "user_ids": "string",
        "external_limited": "boolean",
        "team_domain": "string",
    },
)
async def invite_shared(call: Call) -> dict[str, Any]:
    """Invites another workspace to a channel: one person of it named by `emails` or
    `user_ids` (Slack's), or the workspace by `team_domain` (hubbub's), which also says where
    to look for the person."""
    invite_id = await share_invites.invite(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        emails=_list(call, "emails"),
        user_ids=_list(call, "user_ids"),
        team_domain=call.text("team_domain"),
    )
    return {"invite_id": invite_id, "is_legacy_shared_channel": False}


@router.method(
    "conversations.acceptSharedInvite",
    scopes="conversations.connect:manage",
    tier=TIER_2,
    args={
        "channel_name": "string",
        "invite_id": "string",
        "channel_id": "string",
        "is_private": "boolean",
        "free_trial_accepted": "boolean",
        "team_id": "string",
    },
)
async def accept_shared_invite(call: Call) -> dict[str, Any]:
    """Accepts an invite to a shared channel, under a name of the caller's workspace's own."""
    shared = await share_answers.accept(
        call.hub,
        call.who,
        invite_id=call.text("invite_id") or "",
        channel_id=call.text("channel_id") or "",
        name=call.text("channel_name") or "",
        is_private=call.flag("is_private"),
    )
    return {
        "implicit_approval": True,
        "channel_id": shared.channel_id,
        "invite_id": shared.invite_id,
    }


@router.method(
    "conversations.declineSharedInvite",
    scopes="conversations.connect:manage",
    tier=TIER_2,
    args={"invite_id": "string", "target_team": "string"},
)
async def decline_shared_invite(call: Call) -> dict[str, Any]:
    """Declines an invite to a shared channel."""
    await share_answers.decline(call.hub, call.who, call.text("invite_id") or "")
    return {}


@router.method(
    "conversations.listConnectInvites",
    scopes="conversations.connect:manage",
    tier=TIER_2,
    args={"count": "integer", "cursor": "string", "team_id": "string"},
)
async def list_connect_invites(call: Call) -> dict[str, Any]:
    """The invites the workspace sent or received that are still waiting for an answer, `count`
    (Slack's default 100) a page."""
    limit = cursor.clamp_limit(call.integer("count"), default=100)
    token = call.text("cursor")
    page = await share_invites.pending_invites(
        call.hub, call.who, _invite_key(token) if token else None, limit
    )
    team = call.who.team_id
    key = page.next_key
    return {
        "invites": [_invite_json(i, team) for i in page.invites],
        **next_cursor(cursor.encode("invite", f"{key[0]}:{key[1]}") if key else None),
    }


def _invite_key(token: str) -> share_invites.InviteKey:
    created, invite_id = cursor.fields("invite", token, 2)
    return cursor.decimal(created), cursor.identifier(invite_id)


@router.method(
    "admin.conversations.disconnectShared",
    scopes="admin.conversations:write",
    tier=TIER_2,
    args={"channel_id": "string", "leaving_team_ids": "string"},
)
async def disconnect_shared(call: Call) -> dict[str, Any]:
    """Ends another workspace's share of a channel of the caller's workspace."""
    await shares.disconnect(
        call.hub,
        call.who,
        call.required("channel_id", "channel_not_found"),
        _list(call, "leaving_team_ids"),
    )
    return {}


def _list(call: Call, name: str) -> list[str]:
    """An array argument (a JSON list, or comma-separated in a form); blank items name nobody."""
    value = call.args.get(name)
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _person(user: User | None, viewer_team: str) -> dict[str, Any] | None:
    if user is None:
        return None
    return person_json(user, viewer_team, datetime.now(UTC))


def _invite_json(invite: share_invites.PendingInvite, viewer_team: str) -> dict[str, Any]:
    return {
        "direction": invite.direction,
        "status": "sent" if invite.direction == "outgoing" else "received",
        "date_last_updated": invite.created,
        "invite_type": "channel",
        "invite": {
            "id": invite.invite_id,
            "date_created": invite.created,
            "date_invalid": invite.created + INVITE_VALID_S,
            "inviting_team": {**team_json(invite.inviting_team), "is_verified": False},
            "inviting_user": _person(invite.inviting_user, viewer_team),
            **_recipient(invite),
        },
        "channel": {
            "id": invite.channel_id,
            "is_private": invite.is_private,
            "is_im": False,
            "name": invite.channel_name,
        },
        "acceptances": [],
    }


def _recipient(invite: share_invites.PendingInvite) -> dict[str, str]:
    """Whom the invite was sent to: Slack's recipient_email or recipient_user_id, and hubbub's
    recipient_team_id where the sender named the workspace (never for an address: which
    workspace it reached is not the sender's to know until it accepts)."""
    fields = {
        "recipient_email": invite.recipient_email,
        "recipient_team_id": invite.recipient_team_id,
        "recipient_user_id": invite.recipient_user_id,
    }
    return {name: value for name, value in fields.items() if value}
