"""Every process sweeps presence now and then: people whose sockets were all on a process that
died are announced away by someone (presence/redis.py), a lease's length after the death."""

from __future__ import annotations

from hubbub.jobs.background import Sweep
from hubbub.services import users
from hubbub.services.hub import Hub


class PresenceSweeper(Sweep):
    name = "presence"

    def __init__(self, hub: Hub, *, interval_s: float) -> None:
        self.hub, self.interval_s = hub, interval_s

    async def run_once(self) -> int:
        """One pass: how many people it announced away."""
        return await users.sweep_presence(self.hub)
