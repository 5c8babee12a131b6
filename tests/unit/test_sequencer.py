"""realtime/sequencer.py when the log no longer holds what follows its position (the sweep
trimmed it: jobs/event_sweep.py)."""

from __future__ import annotations

import asyncio

from hubbub.realtime.sequencer import Sequencer

# What the log still holds of stream C: 10, 11, 12 (1-9 were trimmed).
LOG = {seq: f"e{seq}".encode() for seq in (10, 11, 12)}


async def _read(stream: str, after: int) -> list[tuple[int, bytes]]:
    return [(seq, data) for seq, data in sorted(LOG.items()) if seq > after][:2]


async def test_a_session_is_told_when_its_replay_fell_behind_the_log() -> None:
    delivered: list[int] = []
    lost = asyncio.Event()
    sequencer = Sequencer(
        "C", 3, _read, lambda _s, seq, _d: delivered.append(seq), page=2, lost=lambda _s: lost.set()
    )
    sequencer.catch_up()
    await asyncio.wait_for(lost.wait(), 5)
    assert delivered == []


async def test_a_feed_goes_on_from_the_oldest_event_left() -> None:
    delivered: list[int] = []
    sequencer = Sequencer("C", 3, _read, lambda _s, seq, _d: delivered.append(seq), page=2)
    sequencer.catch_up()
    for _ in range(100):
        if delivered == [10, 11, 12]:
            break
        await asyncio.sleep(0.01)
    assert delivered == [10, 11, 12]
    sequencer.push(13, b"e13")
    assert delivered == [10, 11, 12, 13]
