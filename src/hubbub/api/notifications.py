"""hubbub's own methods for notifications (Slack documents none): per-conversation settings,
and the notifications a person received. docs/integrations.md, Notifications."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.envelope import next_cursor
from hubbub.api.registry import TIER_2, TIER_3, Router
from hubbub.domain import cursor
from hubbub.domain.errors import SlackError
from hubbub.domain.notify import Notification
from hubbub.domain.ts import from_micros, is_ts
from hubbub.services import notify_settings

router = Router()


@router.method(
    "users.prefs.setChannelNotifications",
    scopes="users:write",
    tier=TIER_3,
    args={"channel": "string", "level": "string", "muted": "boolean"},
)
async def set_channel(call: Call) -> dict[str, Any]:
    """hubbub: what of a conversation notifies the caller (level all, mentions, nothing or
    default; muted)."""
    channel = call.required("channel", "channel_not_found")
    level = call.text("level") or None
    muted = call.flag("muted") if call.args.get("muted") not in (None, "") else None
    if level is None and muted is None:
        raise SlackError("invalid_arguments")
    pref = await notify_settings.set_channel_pref(call.hub, call.who, channel, level, muted)
    return {"prefs": pref}


@router.method(
    "users.prefs.getChannelNotifications",
    scopes="users:read",
    tier=TIER_3,
    args={"channel": "string"},
)
async def get_channel(call: Call) -> dict[str, Any]:
    """hubbub: the caller's setting for one conversation, or every one they changed."""
    prefs = await notify_settings.channel_prefs(call.hub, call.who, call.text("channel"))
    return {"prefs": prefs}


def _item(n: Notification) -> dict[str, Any]:
    out: dict[str, Any] = {
        "channel": n.channel_id,
        "ts": n.ts,
        "user": n.author_id,
        "reason": n.reason,
        "created": from_micros(n.created),
        "emailed": n.emailed is not None,
    }
    if n.thread_ts:
        out["thread_ts"] = n.thread_ts
    return out


def _before(token: str) -> tuple[int, str, str]:
    created, channel, ts = cursor.fields("notification", token, 3)
    if not is_ts(ts):
        raise SlackError("invalid_cursor")
    return cursor.decimal(created), cursor.identifier(channel), ts


@router.method(
    "notifications.list",
    scopes="users:read",
    tier=TIER_2,
    args={"cursor": "string", "limit": "integer"},
)
async def list_(call: Call) -> dict[str, Any]:
    """hubbub: the caller's notifications, newest first."""
    limit = cursor.clamp_limit(call.integer("limit"), default=100, maximum=1000)
    token = call.text("cursor")
    found = await notify_settings.notifications(
        call.hub, call.who, _before(token) if token else None, limit + 1
    )
    page = found[:limit]
    last = page[-1] if len(found) > limit else None
    key = f"{last.created}:{last.channel_id}:{last.ts}" if last else None
    return {
        "notifications": [_item(n) for n in page],
        **next_cursor(cursor.encode("notification", key) if key else None),
    }
