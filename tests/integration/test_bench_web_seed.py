"""The workspace `hubbub bench web` seeds, at a small size: what the store holds afterwards."""

from __future__ import annotations

from pathlib import Path

from hubbub.services.hub import Hub
from hubbub_bench.webseed import Shape, seed_dir
from tests.support.servers import run_admin


def test_the_seed_is_what_it_says(tmp_path: Path) -> None:
    shape = Shape(people=40, channels=12, messages=300, authors=20)
    seeded = seed_dir(tmp_path / "data", shape)
    counts = seeded.counts
    assert counts["channels"] == counts["reader_channels"] == 12  # the reader is in every one
    assert counts["messages"] == 300
    assert counts["channel_messages"] == 300 + 20 + 1  # and each author's join, and the reader's
    assert counts["thread_replies"] >= 300 // shape.thread_every
    assert counts["reactions"] > 0

    async def outbox(hub: Hub) -> int:
        return await hub.read(seeded.team_id, lambda tx: len(tx.unpublished(2**62, 100_000)))

    assert run_admin(tmp_path / "data", outbox) == 0  # the server starts with nothing to relay
