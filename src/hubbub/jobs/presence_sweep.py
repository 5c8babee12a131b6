"""Every process sweeps presence now and then: people whose sockets were all on a process that
died are announced away by someone (presence/redis.py), a lease's length after the death."""

from __future__ import annotations

import asyncio

import structlog

from hubbub.jobs.background import Background
from hubbub.services import users
from hubbub.services.hub import Hub

log = structlog.get_logger()


class PresenceSweeper(Background):
    def __init__(self, hub: Hub, *, interval_s: float) -> None:
        self.hub, self.interval_s = hub, interval_s

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                if told := await users.sweep_presence(self.hub):
                    log.info("presence_swept", away=told)
            except Exception as exc:  # Redis away: the next pass tries again
                log.warning("presence_sweep_failed", error=str(exc))
