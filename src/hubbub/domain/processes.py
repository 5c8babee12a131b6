"""The processes of a deployment as each describes itself, and which gateway takes a new socket.

Every `hubbub serve` (and `hubbub worker`) holds a lease in the processes port
(processes/port.py) and renews it with what it is carrying; a process whose lease ran out has
dropped out. rtm.connect and apps.connections.open hand out the socket address of a live
gateway chosen by `choose_gateway`: of two picked at random, the one carrying fewer sockets
("the power of two choices"). Taking the least loaded of all would send every connect between
two renewals to the same process: after a gateway dies, its thousands of clients reconnect
within seconds, and the load each process knows is that of its last read. Two random choices
spread them nearly as evenly as knowing the load exactly, with old figures.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import orjson

# The roles a process takes (Settings.role, plus `hubbub worker`).
SERVE_ROLES = ("all", "api", "gateway")
WORKER_ROLE = "worker"
# Roles whose processes take sockets.
SOCKET_ROLES = ("all", "gateway")


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    id: str
    role: str
    host: str  # the machine's name
    pid: int
    started: float  # unix time
    # The base of the Web API and pages it serves (None for a gateway or a worker).
    api_url: str | None = None
    # Where clients reach its own sockets (ws:// or wss://), as handed out; None: it takes
    # none that discovery hands out.
    socket_url: str | None = None
    sockets: int = 0  # RTM sockets open
    app_sockets: int = 0  # Socket Mode connections open
    rss_bytes: int = 0
    cpu_percent: float = 0.0  # of one core, since the last renewal
    # When its lease runs out, in the registry's clock (ms); set by the port when listed.
    expires_ms: int = 0

    @property
    def load(self) -> int:
        return self.sockets + self.app_sockets

    def encode(self) -> bytes:
        fields = asdict(self)
        del fields["expires_ms"]
        return orjson.dumps(fields)


def decode(data: bytes | str, expires_ms: int) -> ProcessInfo | None:
    """A record as encode wrote it; None for one that does not parse (written by a version with
    other fields, or damaged): it is left out of every list rather than failing them."""
    try:
        fields = orjson.loads(data)
        return ProcessInfo(**fields, expires_ms=expires_ms)
    except (orjson.JSONDecodeError, TypeError):
        return None


def choose_gateway(
    live: Sequence[ProcessInfo],
    handed: Mapping[str, int] | None = None,
    rng: random.Random | None = None,
) -> ProcessInfo | None:
    """The gateway a new socket goes to: of two live ones taking sockets, picked at random, the
    one with fewer (its sockets at its last renewal plus those handed out here since: `handed`);
    None when no live process takes sockets."""
    gateways = [p for p in live if p.socket_url and p.role in SOCKET_ROLES]
    if not gateways:
        return None
    if len(gateways) == 1:
        return gateways[0]
    first, second = (rng or random).sample(gateways, 2)
    handed = handed or {}

    def carrying(p: ProcessInfo) -> int:
        return p.load + handed.get(p.id, 0)

    return first if carrying(first) <= carrying(second) else second
