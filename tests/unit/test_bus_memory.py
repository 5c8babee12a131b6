"""The in-process bus: a publish calls the stream's handlers before it returns."""

from __future__ import annotations

from hubbub.bus.memory import MemoryBus


async def test_a_publish_reaches_the_stream_s_handlers_until_they_close() -> None:
    bus = MemoryBus()
    got: list[tuple[str, int, bytes]] = []
    resumed: list[str] = []
    subscription = bus.subscribe(
        "C1", lambda *event: got.append(event), on_resume=lambda: resumed.append("C1")
    )
    await bus.publish("C1", 1, b"one")
    await bus.publish("C2", 1, b"elsewhere")
    assert got == [("C1", 1, b"one")]
    subscription.close()
    subscription.close()
    await bus.publish("C1", 2, b"two")
    assert got == [("C1", 1, b"one")]
    assert bus.handlers == {}
    assert resumed == []  # it never misses anything, so it never asks for a catch-up
