"""cancel_for_sure: a task that swallows a cancellation is cancelled again until it ends.
to_the_end: work that must not be cut short ends before its caller's cancellation goes on."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hubbub.aio import cancel_for_sure, to_the_end


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


async def test_a_cancelled_caller_waits_for_its_thread_to_return() -> None:
    """As the filesystem adapter's write: the thread runs on whatever the caller does, so the
    caller's cleanup must come after it (tests/integration/test_blobs.py covers the cleanup)."""
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def write() -> str:
        started.set()
        release.wait(5)
        done.append("written")
        return "written"

    caller = asyncio.create_task(to_the_end(asyncio.to_thread(write)))
    await asyncio.to_thread(started.wait, 5)
    caller.cancel()
    caller.cancel()  # twice: the second is no shortcut either
    await asyncio.sleep(0.05)
    assert not caller.done() and done == []
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert done == ["written"]


async def test_uncancelled_work_hands_back_its_result_or_error() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def fail() -> None:
        raise KeyError("x")

    assert await to_the_end(answer()) == 42
    with pytest.raises(KeyError):
        await to_the_end(fail())
