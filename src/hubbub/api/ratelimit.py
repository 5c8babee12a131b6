"""Slack's rate limit tiers, kept in buckets behind the Limiter port."""

from __future__ import annotations

import math

from hubbub.api.registry import TIER_1, TIER_2, TIER_3, TIER_4, TIER_POST, Method
from hubbub.domain.model import Identity
from hubbub.limits.port import Limiter

# Requests per minute and burst size per tier (Slack: Tier 1 1+/min ... Tier 4 100+/min).
TIERS: dict[int, tuple[float, int]] = {
    TIER_1: (1, 3),
    TIER_2: (20, 20),
    TIER_3: (50, 50),
    TIER_4: (100, 100),
}
POST_PER_CHANNEL = (60.0, 10)  # one per second per channel, bursts of ten
POST_PER_WORKSPACE = (6000.0, 500)  # a workspace-wide cap on posting


async def retry_after(
    limiter: Limiter, method: Method, who: Identity, channel: str | None, scale: float = 1.0
) -> int:
    """0 if the call may go ahead, else whole seconds to wait (Slack's Retry-After); scale
    multiplies every rate and burst (the shared setting rate_scale)."""
    checks: list[tuple[str, tuple[float, int]]] = []
    if method.tier == TIER_POST:
        # The wide bucket first: a refusal there must not use up the caller's channel budget
        # (the reverse costs the workspace one token of a budget a hundred times larger).
        checks.append((f"post:{who.team_id}", POST_PER_WORKSPACE))
        checks.append((f"post:{who.team_id}:{who.token_hash}:{channel or '-'}", POST_PER_CHANNEL))
    else:
        checks.append((f"m:{who.team_id}:{who.token_hash}:{method.name}", TIERS[method.tier]))
    for key, (per_minute, burst) in checks:
        wait = await limiter.take(key, per_minute * scale / 60.0, max(1, round(burst * scale)))
        if wait > 0:
            return max(1, math.ceil(wait))
    return 0
