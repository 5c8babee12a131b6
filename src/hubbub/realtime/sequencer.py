"""Exactly once and in order, from a feed that may repeat, reorder or drop.

docs/architecture.md §3 ("Gaps, duplicates") has where this sits in the life of a message.

A stream's events carry seq 1, 2, 3, ... and the log holds every one of them from the moment it
is published (publication follows the commit, and a seq is only taken once the one before it
has committed). So a seq at or below the last one passed on is a duplicate, and a seq beyond the
next one means the feed missed some: they are read from the log before going on.

What waits for the log is bounded: past `held_max` events held out of order (the log slow to
answer, or failing), they are dropped and the log is read instead up to the newest seq seen,
from the last one passed on. Nothing is lost (the log has them all) nor doubled (the log is read
from `pos`). A failed read is tried again, with a growing pause, until it answers.
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
# Events held out of order before they are dropped and read from the log instead (a setting:
# rtm_held_events, config.py).
HELD_MAX = 1000
# After a failed read of the log: the first pause, doubled at each failure up to the cap.
READ_RETRY_S = 0.05
READ_RETRY_CAP_S = 5.0


def retry_delay(failures: int) -> float:
    # float(): int ** int is Any to the type checker (a negative power would be a float).
    return float(min(READ_RETRY_CAP_S, READ_RETRY_S * 2 ** min(failures - 1, 16)))


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
        "_target",
        "held_max",
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
        held_max: int = HELD_MAX,
        lost: Lost | None = None,
    ) -> None:
        """lost: what to do when the log no longer holds what follows pos. Without it the
        sequencer goes on from the oldest event left (a feed: each session's own sequencer
        then finds the same hole and says so)."""
        self.stream = stream
        self.pos = pos  # the last seq passed to the sink
        self.page = page  # how many events read returns at most
        self.held_max = held_max
        self._read = read
        self._sink = sink
        self._lost = lost
        self._held: dict[int, bytes] = {}
        self._filling: asyncio.Task[None] | None = None
        self._closed = False
        self._again = False  # a catch-up asked for while a fill runs
        # Beyond pos: the newest seq seen whose event was dropped rather than held. The log is
        # read up to it.
        self._target = pos

    @property
    def holding(self) -> int:
        """How many events wait out of order for the log."""
        return len(self._held)

    def push(self, seq: int, data: bytes) -> None:
        if seq <= self.pos or self._closed:
            return
        if self._filling is None and seq == self.pos + 1:
            self.pos = seq
            self._sink(self.stream, seq, data)
            return
        if self._target > self.pos:
            self._target = max(self._target, seq)  # read from the log with the dropped ones
        else:
            self._held[seq] = data
            if len(self._held) > self.held_max:
                self._target = max(self._held)
                self._held.clear()
                log.warning("sequencer_held_dropped", stream=self.stream, pos=self.pos)
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
            failures = 0
            while not self._closed:
                self._release()
                if not (self._held or force or self._again or self._target > self.pos):
                    break
                self._again = False
                try:
                    rows = await self._read(self.stream, self.pos)
                except Exception as exc:
                    failures += 1
                    log.warning(
                        "sequencer_read_failed",
                        stream=self.stream,
                        failures=failures,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                    force = True  # still behind: read again once the log answers
                    await asyncio.sleep(retry_delay(failures))
                    continue
                failures = 0
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
                if not rows and (self._held or self._target > self.pos):
                    await asyncio.sleep(EMPTY_READ_WAIT_S)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sequencer_fill_failed")
        finally:
            if self._filling is asyncio.current_task():
                self._filling = None
