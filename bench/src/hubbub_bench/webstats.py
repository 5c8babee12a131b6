"""The pure part of `hubbub bench web`: the bytes of one load, the timings, the result document."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TARGET_SHOWN_MS = 1000.0
TARGET_FIRST_PAGE_BYTES = 200 * 1024
TOP_REQUESTS = 10


@dataclass(frozen=True, slots=True)
class Transfer:
    """What one request or one WebSocket frame brought over the wire, and when (CDP's clock)."""

    url: str
    bytes: int
    done_at: float
    socket: bool = False


def kind_of(transfer: Transfer) -> str:
    """static (the page, scripts, styles, fonts, ...), api (the Web API), or socket (frames)."""
    if transfer.socket:
        return "socket"
    return "api" if urlsplit(transfer.url).path.startswith("/api/") else "static"


def wire_summary(
    transfers: Sequence[Transfer], cutoff: float | None, top: int = TOP_REQUESTS
) -> dict[str, Any]:
    """The bytes of what finished by cutoff (all of them for None), by kind, and the largest.

    A socket's frames count together as one entry of the largest, under the socket's URL.
    """
    counted = [t for t in transfers if cutoff is None or t.done_at <= cutoff]
    by_kind = {"static": 0, "api": 0, "socket": 0}
    entries: list[tuple[str, str, int]] = []
    sockets: dict[str, int] = {}
    for t in counted:
        kind = kind_of(t)
        by_kind[kind] += t.bytes
        if t.socket:
            sockets[t.url] = sockets.get(t.url, 0) + t.bytes
        else:
            entries.append((kind, t.url, t.bytes))
    requests = len(entries)
    entries += [("socket", url, n) for url, n in sockets.items()]
    largest = sorted(entries, key=lambda entry: -entry[2])[:top]
    return {
        "total": sum(by_kind.values()),
        **by_kind,
        "requests": requests,
        "frames": sum(1 for t in counted if t.socket),
        "not_counted": len(transfers) - len(counted),
        "largest": [{"url": url, "kind": kind, "bytes": n} for kind, url, n in largest],
    }


def timing_summary(values_ms: Sequence[float]) -> dict[str, Any]:
    """Median and max of the runs that showed a message (runs counts those too)."""
    if not values_ms:
        return {"runs": 0, "median_ms": None, "max_ms": None, "min_ms": None}
    return {
        "runs": len(values_ms),
        "median_ms": round(statistics.median(values_ms), 1),
        "max_ms": round(max(values_ms), 1),
        "min_ms": round(min(values_ms), 1),
    }


def side(loads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The cold or the warm side: its timings, and the bytes of its heaviest load."""
    shown = [float(load["shown_ms"]) for load in loads if load.get("shown_ms") is not None]
    totals = [int(load["wire"]["total"]) for load in loads]
    return {
        **timing_summary(shown),
        "max_bytes": max(totals) if totals else None,
        "loads": list(loads),
    }


def web_result(
    *,
    cold: Sequence[dict[str, Any]],
    warm: Sequence[dict[str, Any]],
    warmup: dict[str, Any] | None,
    settings: dict[str, Any],
    seed: dict[str, Any],
    started_at: str,
    error: str | None = None,
) -> dict[str, Any]:
    """The JSON document `hubbub bench web` writes. The targets are judged on the cold loads,
    the worse case: a median under 1 s to the first message, and no cold load over 200 KB."""
    cold_side, warm_side = side(cold), side(warm)
    median = cold_side["median_ms"]
    heaviest = cold_side["max_bytes"]
    return {
        "scenario": "web",
        "started_at": started_at,
        "settings": settings,
        "seed": seed,
        "warmup": warmup,
        "cold": cold_side,
        "warm": warm_side,
        "targets": {
            "shown_ms": TARGET_SHOWN_MS,
            "meets_shown": None if median is None else median < TARGET_SHOWN_MS,
            "first_page_bytes": TARGET_FIRST_PAGE_BYTES,
            "meets_bytes": None
            if heaviest is None or error
            else heaviest < TARGET_FIRST_PAGE_BYTES,
        },
        "error": error,
    }
