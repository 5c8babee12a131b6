"""Waiting in tests for what happens elsewhere (a server's thread, a job, an app, a bus): polling a
check until it holds. The one way a test waits; no test asserts how long anything took, only that
it happened before a generous deadline. And receiving a socket's frames until the one awaited, the
one way a test reads a socket up to a frame."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


# What a wait was for: said as given, made when the wait fails (so it can tell what was seen by
# then), or the check's name.
What = str | Callable[[], str] | None


def _what(check: Callable[[], object], what: What) -> str:
    if what is None:
        return str(getattr(check, "__qualname__", repr(check)))
    return what if isinstance(what, str) else what()


def wait_for(
    check: Callable[[], T | None],
    timeout: float = 10.0,
    what: What = None,
    interval: float = 0.05,
) -> T:
    """Calls `check` until it returns something truthy, and returns that; raises
    AssertionError("timed out: <what>") if it has not by `timeout` seconds. `what` says what was
    awaited (the check's name if not given; a callable is asked when the wait fails)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {_what(check, what)}")
        time.sleep(interval)


@overload
async def until(
    check: Callable[[], Awaitable[T | None]],
    within_s: float = ...,
    what: What = ...,
    interval: float = ...,
) -> T: ...


@overload
async def until(
    check: Callable[[], T | None],
    within_s: float = ...,
    what: What = ...,
    interval: float = ...,
) -> T: ...


async def until(
    check: Callable[[], Any],
    within_s: float = 10.0,
    what: What = None,
    interval: float = 0.01,
) -> Any:
    """wait_for in a coroutine, `within_s` its timeout: the event loop runs on (other tasks do
    the work) between checks. `check` may be a coroutine function: it is awaited."""
    deadline = time.monotonic() + within_s
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {_what(check, what)}")
        await asyncio.sleep(interval)


F = TypeVar("F")


def receive_until(recv: Callable[[float], F], done: Callable[[F], bool], timeout: float) -> list[F]:
    """Frames from `recv(seconds left)` up to and including the first that satisfies `done`. Not
    a poll: recv blocks on a socket. Raises recv's TimeoutError if none does within `timeout`
    seconds, which a test may expect (nothing more came), also while other frames keep coming."""
    seen: list[F] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 and seen:
            raise TimeoutError(f"no frame awaited among {len(seen)} within {timeout} s")
        frame = recv(max(0.01, left))
        seen.append(frame)
        if done(frame):
            return seen
