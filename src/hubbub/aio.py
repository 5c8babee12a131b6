"""asyncio helpers shared by the adapters and the background loops."""

from __future__ import annotations

import asyncio
import contextlib

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
