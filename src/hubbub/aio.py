"""asyncio helpers shared by the adapters and the background loops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

CANCEL_WAIT_S = 1.0


async def cancel_for_sure(task: asyncio.Task[None]) -> None:
    """Cancels the task until it is done. One cancellation can be swallowed when it lands
    inside a Redis command (seen in tests: a lease renewer went on renewing, and closing the
    presence adapter waited for it forever)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_WAIT_S)


async def woken(event: asyncio.Event, timeout_s: float) -> None:
    """Waits until the event is set or the time is up, whichever is first, and clears it: a
    loop that polls, and is woken early when there is work."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout_s)
    event.clear()


async def to_the_end(work: Awaitable[T]) -> T:
    """Awaits work to its end even if the caller is cancelled meanwhile, then lets the
    cancellation through. For what must not be cut short: a write on a worker thread (which
    runs on regardless, so cleaning up under it would race it), or the cleanup itself."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller hears of
        raise asyncio.CancelledError
    return task.result()
