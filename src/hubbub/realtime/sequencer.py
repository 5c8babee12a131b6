"""Exactly once and in order, from a feed that may repeat, reorder or drop.

docs/architecture.md §3 ("Gaps, duplicates") has where this sits in the life of a message.

A stream's events carry seq 1, 2, 3, ... and the log holds every one of them from the moment it
is published (publication follows the commit, and a seq is only taken once the one before it
has committed). So a seq at or below the last one passed on is a duplicate, and a seq beyond the
next one means the feed missed some: they are read from the log before going on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger()

# The logged events of a stream after a seq, in order, at most a page: (seq, data).
Reader = Callable[[str, int], Awaitable[list[tuple[int, bytes]]]]
# Where a stream's events go, in order: (stream, seq, data).
Sink = Callable[[str, int, bytes], None]
# Told the stream whose log no longer holds the events after pos (trimmed: jobs/event_sweep.py).
Lost = Callable[[str], None]

PAGE = 500
# A gap is usually a reorder between publishers that commit in one group; waiting a moment
# before reading the log lets the missing event arrive on its own.
GAP_WAIT_S = 0.005
EMPTY_READ_WAIT_S = 0.02


class Sequencer:
    # Slots: a gateway holds one per stream per socket.
    __slots__ = (
        "_again",
        "_closed",
        "_filling",
        "_held",
        "_lost",
        "_read",
        "_sink",
        "page",
        "pos",
        "stream",
    )

    def __init__(
        self,
        stream: str,
        pos: int,
        read: Reader,
        sink: Sink,
        *,
        page: int = PAGE,
        lost: Lost | None = None,
    ) -> None:
        """lost: what to do when the log no longer holds what follows pos. Without it the
        sequencer goes on from the oldest event left (a feed: each session's own sequencer
        then finds the same hole and says so)."""
        self.stream = stream
        self.pos = pos  # the last seq passed to the sink
        self.page = page  # how many events read returns at most
        self._read = read
        self._sink = sink
        self._lost = lost
        self._held: dict[int, bytes] = {}
        self._filling: asyncio.Task[None] | None = None
        self._closed = False
        self._again = False  # a catch-up asked for while a fill runs

    def push(self, seq: int, data: bytes) -> None:
        if seq <= self.pos or self._closed:
            return
        if self._filling is None and seq == self.pos + 1:
            self.pos = seq
            self._sink(self.stream, seq, data)
            return
        self._held[seq] = data
        self._start(wait=True)

    def catch_up(self) -> None:
        """Reads the log from pos until caught up: for a session that starts behind the head."""
        if self._filling is not None:
            self._again = True
        self._start(wait=False, force=True)

    def close(self) -> None:
        self._closed = True
        self._held.clear()
        if self._filling is not None:
            self._filling.cancel()
            self._filling = None

    def _start(self, *, wait: bool, force: bool = False) -> None:
        if self._filling is None and not self._closed:
            self._filling = asyncio.get_running_loop().create_task(self._fill(wait, force))

    def _release(self) -> None:
        """Passes on held events that now follow pos; drops held duplicates."""
        while not self._closed and (data := self._held.pop(self.pos + 1, None)) is not None:
            self.pos += 1
            self._sink(self.stream, self.pos, data)
        for seq in [s for s in self._held if s <= self.pos]:
            del self._held[seq]

    async def _fill(self, wait: bool, force: bool) -> None:
        try:
            if wait:
                await asyncio.sleep(GAP_WAIT_S)
            while not self._closed:
                self._release()
                if not self._held and not force and not self._again:
                    break
                self._again = False
                rows = await self._read(self.stream, self.pos)
                if rows and rows[0][0] > self.pos + 1 and not self._closed:
                    if self._lost is not None:
                        self._lost(self.stream)
                        return
                    log.warning("sequencer_log_trimmed", stream=self.stream, after=self.pos)
                    self.pos = rows[0][0] - 1
                for seq, data in rows:
                    if self._closed:
                        return
                    if seq == self.pos + 1:
                        self.pos = seq
                        self._sink(self.stream, seq, data)
                force = len(rows) >= self.page
                self._release()
                if not rows and self._held:
                    await asyncio.sleep(EMPTY_READ_WAIT_S)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sequencer_fill_failed")
        finally:
            if self._filling is asyncio.current_task():
                self._filling = None
