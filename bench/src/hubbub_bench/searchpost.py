"""What the search index costs a post, measured as the issue asks: chat.postMessage over HTTP
(`hubbub serve`, driven by the load generator of `hubbub bench post`) on the bench's large
store, with the index and with its writes turned off (hubbub_bench.unindexed), in alternating
turns of one run, so both sides see the same store and much the same machine.

Each side's rate is the median of its turns, and the ratio is theirs; the ratio of each pair of
turns next to each other is reported too, to show how much the machine moved (docs/search.md).

A turn's server runs until its outbox is empty before it stops: the relay's follow-ups lag
behind 64 callers, and what one turn left (10,000-15,000 rows) was republished by the next
turn's server, of the other side, during its measured seconds (docs/search.md, run Q)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, func, select

from hubbub.config import Settings
from hubbub.store.tables import outbox
from hubbub_bench.post import Children, Options, Target, drive, start_hubbub, wait_for_quiet

CONNECTIONS = 64  # enough callers that SQLite commits in groups, as under real load
WARMUP_S = 2.0
DRAIN_S = 120.0  # the longest a turn's server is given to empty its outbox
SIDES = {"with_index": "hubbub", "without_index": "hubbub_bench.unindexed"}


def posting(
    settings: Settings, target: Target, texts: list[str], *, seconds: float, turns: int
) -> dict[str, Any]:
    """posts/s of each side, `turns` turns of `seconds` each, with and without the index."""
    rates: dict[str, list[float]] = {side: [] for side in SIDES}
    cpu_ms: dict[str, list[float]] = {side: [] for side in SIDES}
    drained_s: list[float] = []
    children = Children()
    with tempfile.TemporaryDirectory(prefix="hubbub-bench-searchpost-") as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_bytes(orjson.dumps(texts))
        config = None
        if settings.database_url:
            config = Path(tmp) / "store.toml"
            config.write_text(f'database_url = "{settings.database_url}"\n')
        opts = Options(
            duration=seconds,
            connections=CONNECTIONS,
            warmup=WARMUP_S,
            body="json",
            out=Path(tmp),
            texts=texts_file,
        )
        try:
            for _ in range(turns):
                for side, module in SIDES.items():
                    server, url = start_hubbub(
                        children, settings.data_dir, config=config, module=module
                    )
                    wait_for_quiet(5.0)
                    summary = drive(children, url, target, opts, server.pid)
                    drained_s.append(_drain(settings))
                    children.stop(server)
                    rates[side].append(float(summary["posts_per_s"]))
                    if "server_cpu_ms_per_post" in summary:
                        cpu_ms[side].append(float(summary["server_cpu_ms_per_post"]))
        finally:
            children.stop_all()
    median = {side: statistics.median(values) for side, values in rates.items()}
    return {
        "via": "chat.postMessage over HTTP, hubbub serve",
        "connections": CONNECTIONS,
        "seconds_per_turn": seconds,
        "turns": turns,
        "with_index_per_s": round(median["with_index"], 1),
        "without_index_per_s": round(median["without_index"], 1),
        "runs": {side: [round(v, 1) for v in values] for side, values in rates.items()},
        "pair_ratios": [
            round(w / wo, 3)
            for w, wo in zip(rates["with_index"], rates["without_index"], strict=True)
        ],
        "server_cpu_ms_per_post": {
            side: round(statistics.median(values), 3) for side, values in cpu_ms.items() if values
        },
        "ratio": round(median["with_index"] / median["without_index"], 3),
        "outbox_drained_s": [round(s, 1) for s in drained_s],
    }


def _drain(settings: Settings) -> float:
    """Waits, up to DRAIN_S, until the store's outbox is empty; returns the seconds waited."""
    url = settings.database_url or f"sqlite:///{settings.database}"
    engine = create_engine(url)
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            while time.monotonic() - started < DRAIN_S:
                left = conn.execute(select(func.count()).select_from(outbox)).scalar()
                conn.rollback()  # a new snapshot for the next count
                if not left:
                    break
                time.sleep(0.5)
    finally:
        engine.dispose()
    return time.monotonic() - started
