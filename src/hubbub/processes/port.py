"""The Processes port: each process of a deployment, under a lease it renews.

A process renews its record every lease/3 (jobs/registration.py) with what it carries; one
that stops renewing (killed, stalled, cut off) drops out of `live` when its lease runs out, one
that stops cleanly leaves at once. The scaled deployment keeps them in Redis, where every
process reads them (rtm.connect's choice of gateway, `hubbub admin cluster`); the embedded one
has one process, in its own memory.
"""

from __future__ import annotations

from typing import Protocol

from hubbub.domain.processes import ProcessInfo


class Processes(Protocol):
    async def renew(self, info: ProcessInfo, lease_s: float) -> None:
        """Registers info (replacing the process's last record) until lease_s from now."""
        ...

    async def live(self) -> list[ProcessInfo]:
        """The processes whose lease has not run out, each with expires_ms set, in id order."""
        ...

    async def leave(self, process_id: str) -> None:
        """Drops the process's record now (a clean stop)."""
        ...
