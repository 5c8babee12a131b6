"""The abuse limits of domain/abuse.py, taken from the Limiter port before anything is done: a
call over a limit raises RateLimited and has written nothing. With no limiter on the hub
or with `rate_limits` off (a shared setting: hub.live) every call goes through."""

from __future__ import annotations

import math

from hubbub.domain.abuse import Rate, address_key, digest
from hubbub.domain.errors import RateLimited
from hubbub.domain.model import Identity
from hubbub.services.hub import Hub


async def take(hub: Hub, *buckets: tuple[str, Rate]) -> None:
    """One token from each bucket in turn, the widest first: a refusal there must not spend
    the narrower ones."""
    limiter = hub.limiter
    if limiter is None or not hub.live.rate_limits:
        return
    for key, rate in buckets:
        wait = await limiter.take(key, rate.per_s, rate.burst)
        if wait > 0:
            raise RateLimited(max(1, math.ceil(wait)))


async def login(hub: Hub, address: str, domain: str, email: str) -> None:
    account = digest(domain.strip().lower(), email.strip().lower())
    limits = hub.live.limits
    await take(
        hub,
        (f"login:a:{address_key(address)}", limits.login_per_address),
        (f"login:u:{account}", limits.login_per_account),
    )


async def signup(hub: Hub, address: str) -> None:
    await take(hub, (f"signup:a:{address_key(address)}", hub.live.limits.signup_per_address))


async def webhook(hub: Hub, address: str, team_id: str, webhook_id: str, secret: str) -> None:
    """Per address, then per URL: the secret is part of the URL's key, so posts with wrong
    secrets never use up the real URL's budget."""
    limits = hub.live.limits
    await take(
        hub,
        (f"hooks:a:{address_key(address)}", limits.hooks_per_address),
        (f"hook:{team_id}:{webhook_id}:{digest(secret)}", limits.webhook),
    )


async def response_url(hub: Hub, address: str, code: str) -> None:
    limits = hub.live.limits
    await take(
        hub,
        (f"hooks:a:{address_key(address)}", limits.hooks_per_address),
        (f"respond:{digest(code)}", limits.response_url),
    )


async def rtm_frame(hub: Hub, who: Identity, connection: str, kind: str) -> None:
    """An RTM `message` or `typing` frame: per person over all their sockets, then per socket."""
    limits = hub.live.limits
    if kind == "message":
        person, socket = limits.rtm_message_per_person, limits.rtm_message_per_connection
    else:
        person, socket = limits.rtm_typing_per_person, limits.rtm_typing_per_connection
    await take(
        hub,
        (f"rtm:{kind}:{who.team_id}:{who.user_id}", person),
        (f"rtm:{kind}:c:{connection}", socket),
    )


async def email_invite(hub: Hub, who: Identity) -> None:
    await take(hub, (f"invite:email:{who.team_id}", hub.live.limits.email_invites_per_workspace))
