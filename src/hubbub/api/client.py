"""client.counts: the unread state of every conversation, as Slack's own web client reads it."""

from __future__ import annotations

from typing import Any

from hubbub.api.call import Call
from hubbub.api.registry import TIER_3, Router, by_channel
from hubbub.domain.ts import MIN_TS
from hubbub.services import unreads

router = Router()


def _entry(unread: unreads.Unread) -> dict[str, Any]:
    state = unread.state
    latest = state.latest or MIN_TS
    return {
        "id": state.channel_id,
        "last_read": state.last_read,
        "latest": latest,
        # We keep no time of a mark: the entry last changed with the later of the two.
        "updated": max(latest, state.last_read),
        "has_unreads": unread.has_unreads,
        "mention_count": unread.mention_count,
        "unread_count": state.unread_count,
    }


# Tier 3: a client calls it once per (re)connect and on focus, as Slack's does.
@router.method("client.counts", scopes=by_channel("read"), tier=TIER_3)
async def counts(call: Call) -> dict[str, Any]:
    """Unread and mention counts of each conversation the caller is in (undocumented in Slack)."""
    out: dict[str, list[dict[str, Any]]] = {"channels": [], "mpims": [], "ims": []}
    for unread in await unreads.unreads(call.hub, call.who):
        state = unread.state
        group = "ims" if state.is_im else "mpims" if state.is_mpim else "channels"
        out[group].append(_entry(unread))
    # Threads keep no read state of their own here (yet): nothing to tell.
    return {**out, "threads": {"has_unreads": False, "mention_count": 0}}
