"""A loop that runs beside the server for as long as it is up (the outbox relay, the presence
sweep): started in the lifespan, cancelled at shutdown."""

from __future__ import annotations

import asyncio

from hubbub.aio import cancel_for_sure


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
