"""Which gateway a new socket goes to: rtm.connect's and apps.connections.open's URL.

A process that takes sockets at an address of its own registers it (Settings.gateway_url,
`hubbub serve --gateway-port`, which `hubbub cluster up` gives each of its processes); connects
are then handed to a live one of those, the less loaded of two (domain/processes.py), so that a
gateway that dies stops being handed out within its lease, and its clients, reconnecting,
spread over the others. Where no process registered one (the embedded deployment, or a
balancer in front named by rtm_url), every connect gets the one address of the settings.

The live list is read at most once a second per process; what this process handed out since is
counted on top of each gateway's last figures, so a burst of connects between two reads does
not all go where the last read said there was room.
"""

from __future__ import annotations

import time

import structlog

from hubbub.domain.processes import ProcessInfo, choose_gateway
from hubbub.processes.port import Processes

log = structlog.get_logger()

LIST_EVERY_S = 1.0


class Gateways:
    def __init__(self, processes: Processes, *, list_every_s: float = LIST_EVERY_S) -> None:
        self.processes = processes
        self.list_every_s = list_every_s
        self._live: list[ProcessInfo] = []
        self._listed_at = -float("inf")
        self._handed: dict[str, int] = {}

    async def choose(self) -> str | None:
        """The socket base (ws://host:port) of the gateway a new socket should go to; None when
        none is registered (the caller's own address then)."""
        now = time.monotonic()
        if now - self._listed_at >= self.list_every_s:
            try:
                self._live = await self.processes.live()
            except Exception as exc:
                # Keep handing out what the last list said: a gateway it names that has died
                # refuses the socket, and the client asks again.
                log.warning("gateways_not_listed", error=f"{type(exc).__name__}: {exc}")
            else:
                self._handed.clear()
            self._listed_at = now
        chosen = choose_gateway(self._live, self._handed)
        if chosen is None or chosen.socket_url is None:
            return None
        self._handed[chosen.id] = self._handed.get(chosen.id, 0) + 1
        return chosen.socket_url


async def forget_exited(processes: Processes, host: str, pid: int) -> list[str]:
    """Drops the records of a process seen to exit (by its supervisor, `hubbub cluster up`):
    until its lease ran out, its address would still be handed out and refuse every socket.
    Returns the ids dropped."""
    gone = [p.id for p in await processes.live() if p.host == host and p.pid == pid]
    for process_id in gone:
        await processes.leave(process_id)
    return gone
