"""The Tickets port: the single-use, short-lived URLs `rtm.connect` hands out, and claims, the
same idea without a ticket: the first to claim a key has it, whoever asks after is told no.

A ticket is issued by whichever process answers `rtm.connect` and consumed by whichever gateway
the client's socket reaches: the same process in the embedded deployment, any process behind a
balancer in the scaled one, so there the tickets live in Redis. Claims decide which of the
processes holding an app's Socket Mode sockets sends it an envelope (realtime/socket_mode.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hubbub.domain.model import Identity

# stream -> the last seq of it the client has (services/realtime.py)
Positions = dict[str, int]


@dataclass(frozen=True, slots=True)
class Ticket:
    who: Identity
    resume: Positions | None
    # rtm.connect's batch_presence_aware: presence_change events name `users`, a list.
    batch_presence: bool = False
    # An upload URL's (files.getUploadURLExternal): the file it takes the bytes of. Never a
    # socket's: the gateways refuse a ticket that has one, and uploads one that has none.
    upload: str | None = None
    # A trigger_id's (an interaction's, services/interactions.py): the app it was handed to.
    # Never a socket's either, and the Web API takes it only as a trigger_id.
    trigger: str | None = None

    @property
    def for_socket(self) -> bool:
        """Whether a socket may be opened with it: rtm.connect's and apps.connections.open's
        tickets are, an upload URL's or a trigger_id's never (they are handed to others)."""
        return self.upload is None and self.trigger is None


class Tickets(Protocol):
    async def issue(self, ticket: Ticket, *, ttl_s: float | None = None) -> str:
        """A new random key for the ticket, valid once, for ttl_s (None: the port's own time to
        live, a socket's)."""
        ...

    async def consume(self, key: str) -> Ticket | None:
        """The ticket, once; None if unknown, used already or expired."""
        ...

    async def claim(self, key: str, ttl_s: float) -> bool:
        """True for the first caller with this key, in any process, for ttl_s; False after."""
        ...

    async def close(self) -> None: ...
