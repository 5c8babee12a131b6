"""The pure part of `hubbub bench jobs`: redis-benchmark's output, each scenario's summary, the
ceiling, the ratios and the target."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

from hubbub_bench.stats import NOISY_OTHER_PCT, percentile

JOBS_TARGET_RATIO = 0.3

# `redis-benchmark -q`: "XADD k * f v: 153846.16 requests per second, p50=0.199 msec", with
# progress lines ending in "\r" before it.
_QUIET = re.compile(r"^(?P<test>.+?):\s+(?P<rps>[0-9.]+) requests per second")


def parse_redis_benchmark(text: str) -> dict[str, float]:
    """Requests per second by test, from redis-benchmark's `--csv` or `-q` output."""
    rates: dict[str, float] = {}
    lines = [part.strip() for line in text.splitlines() for part in line.split("\r")]
    rows = [line for line in lines if line.startswith('"')]
    header: list[str] | None = None
    for row in csv.reader(rows):
        if row and row[0] == "test":
            header = row
            continue
        if len(row) < 2:
            continue
        column = header.index("rps") if header and "rps" in header else 1
        try:
            rates[row[0]] = float(row[column])
        except (ValueError, IndexError):
            continue
    for line in lines:
        found = _QUIET.match(line)
        if found and "rps=" not in line:
            rates.setdefault(found["test"], float(found["rps"]))
    return rates


def latency_summary(latencies_us: Iterable[float]) -> dict[str, Any]:
    """Enqueue-to-start latencies (µs) as milliseconds: p50, p90, p99, max, how many."""
    ordered = sorted(v / 1000.0 for v in latencies_us)
    return {
        "samples": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 3),
        "p90_ms": round(percentile(ordered, 90), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3) if ordered else 0.0,
    }


def in_window(samples: Iterable[tuple[int, int]], start_us: int, end_us: int) -> list[int]:
    """The latencies of the (start, latency) samples whose handler started inside the window."""
    return [lat for at, lat in samples if start_us <= at < end_us]


def scenario_summary(
    *,
    done: int,
    enqueued: int,
    window_s: float,
    latencies_us: Sequence[float],
    cpu_pct: dict[str, float],
) -> dict[str, Any]:
    """One scenario: jobs finished in the window per second, jobs queued per second in the
    same window, and the enqueue-to-start latencies of the jobs started in it."""
    per_s = round(done / window_s, 1) if window_s > 0 else 0.0
    summary: dict[str, Any] = {
        "jobs_done": done,
        "jobs_enqueued": enqueued,
        "window_s": round(window_s, 3),
        "jobs_per_s": per_s,
        "enqueued_per_s": round(enqueued / window_s, 1) if window_s > 0 else 0.0,
        **latency_summary(latencies_us),
        "cpu_pct": cpu_pct,
    }
    if per_s:
        # CPU time of the processes that do the work (not Redis), per job: steadier than jobs/s
        # on a shared machine.
        own = sum(v for k, v in cpu_pct.items() if k in ("bench", "producer", "workers"))
        summary["cpu_ms_per_job"] = round(10.0 * own / per_s, 4)
    return summary


def ceiling_of(rates: dict[str, float]) -> float:
    """The lower of the add and consume rates: a job is added once and consumed once."""
    return min(rates.values()) if rates else 0.0


def ratio(rate: float, ceiling: float) -> float:
    return round(rate / ceiling, 4) if ceiling > 0 else 0.0


def jobs_result(
    *,
    ceiling: dict[str, Any] | None,
    scenarios: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    started_at: str,
    skipped: dict[str, str],
) -> dict[str, Any]:
    """The JSON document `hubbub bench jobs` writes: each scenario with its ratio to the
    ceiling and whether it meets the target (None without a ceiling)."""
    top = float(ceiling["ops_per_s"]) if ceiling else 0.0
    judged = {}
    for name, side in scenarios.items():
        r = ratio(float(side["jobs_per_s"]), top)
        judged[name] = {
            **side,
            "ratio_to_ceiling": r if top else None,
            "meets_target": r >= JOBS_TARGET_RATIO if top else None,
        }
    others = [float(s.get("cpu_pct", {}).get("other", 0.0)) for s in judged.values()]
    if ceiling:
        others.append(float(ceiling.get("cpu_pct", {}).get("other", 0.0)))
    return {
        "scenario": "jobs",
        "started_at": started_at,
        "settings": settings,
        "ceiling": ceiling,
        "scenarios": judged,
        "target_ratio": JOBS_TARGET_RATIO,
        "skipped": skipped,
        # Other processes took CPU during a window: the figures are not to be trusted.
        "noisy": max(others, default=0.0) > NOISY_OTHER_PCT,
    }
