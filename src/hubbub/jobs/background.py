"""A loop that runs beside the server for as long as it is up (the outbox relay, the sweeps):
started in the lifespan, cancelled at shutdown."""

from __future__ import annotations

import asyncio

import structlog

from hubbub.aio import cancel_for_sure

log = structlog.get_logger()


class Background:
    _task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_for_sure(self._task)
            self._task = None


class Sweep(Background):
    """A pass every `interval_s` (presence, link previews, the event log): what it did is
    logged when it did anything, and a pass that fails (a shard or Redis out of reach) is
    logged and left to the next one."""

    interval_s: float
    # Its log events: "<name>_swept" with how many it swept, "<name>_sweep_failed".
    name: str

    async def run_once(self) -> int:
        raise NotImplementedError

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                if swept := await self.run_once():
                    log.info(f"{self.name}_swept", count=swept)
            except Exception as exc:
                log.warning(f"{self.name}_sweep_failed", error=f"{type(exc).__name__}: {exc}")
