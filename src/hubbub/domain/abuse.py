"""The limits on what anyone may try at the doors that take no token, or take one cheaply:
sign-in, sign-up, incoming webhooks, response URLs, RTM frames, shared-channel invites by
email (docs/limits.md, Abuse). Token buckets (a rate and a burst) and the keys they are kept
under; the Limiter port holds them, shared by every process through Redis.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_s: float
    burst: int

    @classmethod
    def per_minute(cls, n: int) -> Rate:
        return cls(n / 60.0, n)

    @classmethod
    def per_hour(cls, n: int) -> Rate:
        return cls(n / 3600.0, n)


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    # Rate(n / 60, n): n a minute, n at once.
    # Ours (settings in config.py). Sign-in attempts, successful or not: each one costs an
    # argon2 check (~50 ms of CPU), and guessing needs many.
    login_per_account: Rate = Rate(5 / 60, 5)
    login_per_address: Rate = Rate(20 / 60, 20)
    # New workspaces and invite-link sign-ups, per address.
    signup_per_address: Rate = Rate(5 / 3600, 5)
    # Posts to webhooks and response URLs from one address, whatever their secret: a wrong
    # secret costs a transaction too.
    hooks_per_address: Rate = Rate(600 / 60, 600)
    # conversations.inviteShared by email, per inviting workspace: each one looks the address
    # up on every shard.
    email_invites_per_workspace: Rate = Rate(30 / 3600, 30)
    # Slack's: an incoming webhook 1 a second with short bursts; RTM, 1 message a second per
    # connection with short bursts. Ours: a response URL as a webhook; typing, and a person's
    # total over all their connections.
    webhook: Rate = Rate(1.0, 10)
    response_url: Rate = Rate(1.0, 5)
    rtm_message_per_connection: Rate = Rate(1.0, 10)
    rtm_message_per_person: Rate = Rate(3.0, 30)
    rtm_typing_per_connection: Rate = Rate(1.0, 5)
    rtm_typing_per_person: Rate = Rate(3.0, 15)


def address_key(host: str) -> str:
    """Who an address is, for a limit: an IPv4 address itself; an IPv6 address by its /64,
    the least a single host is given, so one machine cannot walk its own prefix."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "?" + digest(host)  # no socket address (a test client, a Unix socket)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address) + "/64"
    return str(ip)


def digest(*parts: str) -> str:
    """A short fixed-size stand-in for what a client typed (an email, a secret), so keys stay
    bounded and hold nothing secret."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]
