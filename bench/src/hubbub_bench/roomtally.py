"""The accounting of `hubbub bench room`: what every socket got, and whether it was exactly once
and in order. Pure: no I/O, so tests/unit/test_bench_room.py can break it on purpose.

A post's text is `room <id> <sent>` (its id counts up from 0 across the run; sent: the poster's
wall clock, which the clients on the same machine share). Each client process keeps `Receipts`
for its sockets: per socket and id how many times it came (a byte each), the channel position
(`seq`) of the last post a socket got (a post at or below it is out of order: the order to keep
is the channel's, the commit order, not the ids', since a burst's posts are sent at once), and
per id a histogram of post->receive times in whole milliseconds and its last receipt's time.
`Receipts.report` is what the client sends back; `merge` adds the clients' reports up and
`phase` sums a range of ids.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any

MARK = b'"text":"room '
CURSOR = b',"hubbub_cursor":"'


def post_text(msg_id: int, sent: float) -> str:
    return f"room {msg_id} {sent:.6f}"


def parse_post(payload: bytes) -> tuple[int, float] | None:
    """(id, sent) of a post's message frame; None for any other frame."""
    k = payload.find(MARK)
    if k < 0:
        return None
    k += len(MARK)
    space = payload.find(b" ", k)
    end = payload.find(b'"', space)
    try:
        return int(payload[k:space]), float(payload[space + 1 : end])
    except ValueError:
        return None


def position(payload: bytes) -> tuple[bytes, bytes] | None:
    """(stream, seq) of a logged event: its `hubbub_cursor`, the last field (realtime/frames.py
    splice_position); None for a frame without one."""
    k = payload.rfind(CURSOR)
    if k < 0:
        return None
    stream, _, seq = payload[k + len(CURSOR) : -2].partition(b":")
    return (stream, seq) if seq else None


def parse_cursor(cursor: bytes) -> dict[bytes, bytes]:
    """A resume cursor (`S:N,S:N`) as stream -> seq."""
    out: dict[bytes, bytes] = {}
    for part in cursor.split(b","):
        stream, _, seq = part.partition(b":")
        if seq:
            out[stream] = seq
    return out


def format_cursor(positions: dict[bytes, bytes]) -> str:
    return ",".join(f"{s.decode()}:{n.decode()}" for s, n in positions.items())


class Receipts:
    """What sockets 0..sockets-1 got of posts 0..ids-1."""

    def __init__(self, sockets: int, ids: int) -> None:
        self.sockets, self.ids = sockets, ids
        self.counts = bytearray(sockets * ids)
        self.last = array("i", [-1]) * sockets
        self.out_of_order = array("i", [0]) * ids
        self.hist: list[dict[int, int]] = [{} for _ in range(ids)]
        self.last_at = array("d", [0.0]) * ids
        self.received = 0

    def got(self, sock: int, msg_id: int, seq: int, sent: float, now: float) -> bool:
        """Notes post msg_id, at position seq of the channel, received at now (wall clock);
        False for an id out of range."""
        if not 0 <= msg_id < self.ids:
            return False
        k = sock * self.ids + msg_id
        if self.counts[k] < 255:
            self.counts[k] += 1
        if seq <= self.last[sock]:
            self.out_of_order[msg_id] += 1
        else:
            self.last[sock] = seq
        ms = max(0, round((now - sent) * 1000.0))  # to the nearest millisecond
        hist = self.hist[msg_id]
        hist[ms] = hist.get(ms, 0) + 1
        if now > self.last_at[msg_id]:
            self.last_at[msg_id] = now
        self.received += 1
        return True

    def report(self, upto: int) -> dict[str, Any]:
        """Per id below upto: sockets that never got it, extra copies, receipts out of order,
        the latency histogram (ms -> receipts) and the last receipt's time."""
        missing = [0] * upto
        doubled = [0] * upto
        for sock in range(self.sockets):
            row = self.counts[sock * self.ids : sock * self.ids + upto]
            for msg_id, count in enumerate(row):
                if count == 0:
                    missing[msg_id] += 1
                elif count > 1:
                    doubled[msg_id] += count - 1
        return {
            "sockets": self.sockets,
            "missing": missing,
            "doubled": doubled,
            "out_of_order": list(self.out_of_order[:upto]),
            "hist": [{str(ms): n for ms, n in h.items()} for h in self.hist[:upto]],
            "last_at": list(self.last_at[:upto]),
        }


def merge(reports: Sequence[dict[str, Any]], upto: int) -> dict[str, Any]:
    """The clients' reports added up, per id (histograms merged, the latest last receipt)."""
    total: dict[str, Any] = {
        "sockets": sum(r["sockets"] for r in reports),
        "missing": [0] * upto,
        "doubled": [0] * upto,
        "out_of_order": [0] * upto,
        "hist": [{} for _ in range(upto)],
        "last_at": [0.0] * upto,
    }
    for r in reports:
        for i in range(upto):
            total["missing"][i] += r["missing"][i]
            total["doubled"][i] += r["doubled"][i]
            total["out_of_order"][i] += r["out_of_order"][i]
            total["last_at"][i] = max(total["last_at"][i], r["last_at"][i])
            into = total["hist"][i]
            for ms, n in r["hist"][i].items():
                into[int(ms)] = into.get(int(ms), 0) + n
    return total


def hist_percentile(hist: dict[int, int], p: float) -> float:
    """The p-th percentile (0-100) of a histogram of whole milliseconds: the bucket where the
    p-th share of receipts falls (nearest rank)."""
    n = sum(hist.values())
    if n == 0:
        return 0.0
    rank = max(1, -(-n * p // 100))  # ceil
    seen = 0
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= rank:
            return float(ms)
    return float(max(hist))


def phase(total: dict[str, Any], ids: Iterable[int], sent: Sequence[float]) -> dict[str, Any]:
    """One phase's posts (ids; sent: every post's send time by id): deliveries, what was lost,
    doubled or out of order, post->receive percentiles, and deliveries/s from its first post
    to its last receipt."""
    ids = list(ids)
    sockets = total["sockets"]
    hist: dict[int, int] = {}
    for i in ids:
        for ms, n in total["hist"][i].items():
            hist[ms] = hist.get(ms, 0) + n
    receipts = sum(hist.values())
    missing = sum(total["missing"][i] for i in ids)
    doubled = sum(total["doubled"][i] for i in ids)
    first = min((sent[i] for i in ids), default=0.0)
    last = max((total["last_at"][i] for i in ids), default=0.0)
    window = last - first if receipts and last > first else 0.0
    return {
        "posts": len(ids),
        "expected": sockets * len(ids),
        "deliveries": receipts - doubled,
        "missing": missing,
        "doubled": doubled,
        "out_of_order": sum(total["out_of_order"][i] for i in ids),
        "exactly_once_in_order": missing == 0
        and doubled == 0
        and sum(total["out_of_order"][i] for i in ids) == 0,
        "p50_ms": hist_percentile(hist, 50),
        "p99_ms": hist_percentile(hist, 99),
        "max_ms": float(max(hist)) if hist else 0.0,
        "window_s": round(window, 3),
        "deliveries_per_s": round((receipts - doubled) / window) if window else 0,
    }
