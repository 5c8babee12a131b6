"""cancel_for_sure: a task that swallows a cancellation is cancelled again until it ends."""

from __future__ import annotations

import asyncio

from hubbub.aio import cancel_for_sure


async def test_a_task_that_swallows_one_cancellation_still_ends() -> None:
    swallowed: list[int] = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)  # as a client library that catches it and goes on

    task = asyncio.get_running_loop().create_task(stubborn())
    await asyncio.sleep(0.02)
    await asyncio.wait_for(cancel_for_sure(task), 5)
    assert task.cancelled() and swallowed == [1]
