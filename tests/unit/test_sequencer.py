"""realtime/sequencer.py on its own: a feed that repeats, reorders and loses events, a log that
holds every one of them, and what comes out: each seq once, in order."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.realtime import sequencer
from hubbub.realtime.sequencer import Sequencer
from tests.support.waiting import until

STREAM = "C1"


class Log:
    """The log of one stream: every event from 1 to `head`, read a page at a time. While
    `failing`, a read raises, as a store that is out of reach does."""

    def __init__(self, head: int) -> None:
        self.head = head
        self.failing = False
        self.reads = 0

    async def read(self, stream: str, after: int, page: int) -> list[tuple[int, bytes]]:
        assert stream == STREAM
        self.reads += 1
        await asyncio.sleep(0)  # a read lets the loop run, as a real one does
        if self.failing:
            raise OSError("the store is out of reach")
        return [(seq, data(seq)) for seq in range(after + 1, min(self.head, after + page) + 1)]


def data(seq: int) -> bytes:
    return f"event {seq}".encode()


class Out:
    def __init__(self) -> None:
        self.seqs: list[int] = []

    def __call__(self, stream: str, seq: int, body: bytes) -> None:
        assert (stream, body) == (STREAM, data(seq))
        self.seqs.append(seq)


def make(log: Log, out: Out, *, pos: int = 0, page: int = 500, held_max: int = 1000) -> Sequencer:
    async def read(stream: str, after: int) -> list[tuple[int, bytes]]:
        return await log.read(stream, after, page)

    return Sequencer(STREAM, pos, read, out, page=page, held_max=held_max)


async def settled(seq: Sequencer, out: Out, count: int) -> None:
    """Waits until `count` events came out and no fill runs; then a little longer, so that a
    duplicate on its way would show."""
    await until(lambda: len(out.seqs) >= count and seq._filling is None)
    await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sequencer, "READ_RETRY_S", 0.001)


async def test_in_order_events_pass_straight_on_and_duplicates_are_dropped() -> None:
    log, out = Log(3), Out()
    seq = make(log, out)
    for n in (1, 1, 2, 1, 3, 2):
        seq.push(n, data(n))
    assert out.seqs == [1, 2, 3]
    assert log.reads == 0


async def test_a_reorder_is_put_right_without_the_log_when_the_missing_event_comes() -> None:
    log, out = Log(4), Out()
    seq = make(log, out)
    for n in (2, 3, 1, 4):
        seq.push(n, data(n))
    await settled(seq, out, 4)
    assert out.seqs == [1, 2, 3, 4]


async def test_a_lost_event_is_read_from_the_log_once() -> None:
    log, out = Log(5), Out()
    seq = make(log, out, pos=1)
    for n in (2, 4, 5, 4):
        seq.push(n, data(n))
    await settled(seq, out, 4)
    assert out.seqs == [2, 3, 4, 5]
    seq.push(3, data(3))
    assert out.seqs == [2, 3, 4, 5]


async def test_catch_up_reads_page_after_page_to_the_head() -> None:
    log, out = Log(23), Out()
    seq = make(log, out, pos=2, page=5)
    seq.catch_up()
    seq.push(24, data(24))  # live, while the log is read: held, then passed on after 23
    log.head = 24
    await settled(seq, out, 22)
    assert out.seqs == list(range(3, 25))


async def test_held_events_are_bounded_while_the_log_fails_and_nothing_is_lost() -> None:
    log, out = Log(0), Out()
    seq = make(log, out, held_max=10)
    log.failing = True
    for n in range(2, 301):  # 1 is lost on the way; the log cannot be read meanwhile
        log.head = n
        seq.push(n, data(n))
        assert seq.holding <= 10
        await asyncio.sleep(0)
    assert out.seqs == []
    log.failing = False  # the log answers again, and no event needs to come to show it
    await settled(seq, out, 300)
    assert out.seqs == list(range(1, 301))
    assert seq.holding == 0
    for n in (301, 302):  # and it goes on live
        seq.push(n, data(n))
    assert out.seqs[-2:] == [301, 302]


async def test_a_failed_read_is_tried_again_until_the_log_answers() -> None:
    log, out = Log(3), Out()
    seq = make(log, out)
    log.failing = True
    seq.push(3, data(3))
    await until(lambda: log.reads >= 3)
    assert out.seqs == []
    log.failing = False
    await settled(seq, out, 3)
    assert out.seqs == [1, 2, 3]


async def test_close_stops_everything() -> None:
    log, out = Log(3), Out()
    seq = make(log, out)
    seq.push(3, data(3))
    seq.close()
    seq.push(1, data(1))
    await asyncio.sleep(0.02)
    assert out.seqs == [] and seq.holding == 0


# -- any feed, one log ------------------------------------------------------------------------


@st.composite
def feeds(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], int, int, list[bool]]:
    """A stream of `head` events and what a feed makes of it: any seq of it, any number of
    times, in any order, each followed by 0-2 turns of the loop; a page size; a held bound; and
    which reads of the log fail."""
    head = draw(st.integers(1, 40))
    pushes = draw(st.lists(st.tuples(st.integers(1, head), st.integers(0, 2)), max_size=80))
    page = draw(st.integers(1, 8))
    held_max = draw(st.integers(1, 50))
    failures = draw(st.lists(st.booleans(), max_size=6))
    return head, pushes, page, held_max, failures


@settings(
    max_examples=150,
    deadline=None,
    # quick_retries is the same for every example.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(feeds())
def test_any_feed_with_a_log_gives_every_event_once_in_order(
    feed: tuple[int, list[tuple[int, int]], int, int, list[bool]],
) -> None:
    head, pushes, page, held_max, failures = feed

    async def run() -> None:
        log, out = Log(head), Out()
        fails = iter(failures)
        real_read = log.read

        async def flaky(stream: str, after: int, size: int) -> list[tuple[int, bytes]]:
            log.failing = next(fails, False)
            return await real_read(stream, after, size)

        log.read = flaky  # type: ignore[method-assign]
        seq = make(log, out, page=page, held_max=held_max)
        for n, turns in pushes:
            seq.push(n, data(n))
            assert seq.holding <= held_max
            for _ in range(turns):
                await asyncio.sleep(0)
        # Every seq up to the newest the feed brought (and perhaps more, read from the log),
        seen = max((n for n, _ in pushes), default=0)
        await settled(seq, out, seen)
        assert out.seqs == list(range(1, max(seen, len(out.seqs)) + 1))
        # and a catch-up (a bus that says it may have lost some) reads the rest.
        seq.catch_up()
        await settled(seq, out, head)
        assert out.seqs == list(range(1, head + 1))
        seq.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sequencer, "READ_RETRY_S", 0.0005)
        patch.setattr(sequencer, "GAP_WAIT_S", 0.0005)
        asyncio.run(run())


# -- when the log no longer holds what follows the position (the sweep trimmed it:
# jobs/event_sweep.py) ----------------------------------------------------------------------

# What the log still holds of stream C: 10, 11, 12 (1-9 were trimmed).
TRIMMED = {seq: f"e{seq}".encode() for seq in (10, 11, 12)}


async def _read_trimmed(stream: str, after: int) -> list[tuple[int, bytes]]:
    return [(seq, data) for seq, data in sorted(TRIMMED.items()) if seq > after][:2]


async def test_a_session_is_told_when_its_replay_fell_behind_the_log() -> None:
    delivered: list[int] = []
    lost = asyncio.Event()
    sequencer = Sequencer(
        "C",
        3,
        _read_trimmed,
        lambda _s, seq, _d: delivered.append(seq),
        page=2,
        lost=lambda _s: lost.set(),
    )
    sequencer.catch_up()
    await asyncio.wait_for(lost.wait(), 5)
    assert delivered == []


async def test_a_feed_goes_on_from_the_oldest_event_left() -> None:
    delivered: list[int] = []
    sequencer = Sequencer("C", 3, _read_trimmed, lambda _s, seq, _d: delivered.append(seq), page=2)
    sequencer.catch_up()
    await until(
        lambda: delivered == [10, 11, 12], within_s=1, what=lambda: f"10-12, not {delivered}"
    )
    sequencer.push(13, b"e13")
    assert delivered == [10, 11, 12, 13]
