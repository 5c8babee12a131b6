"""A run's figures, read from its history (pure, no I/O): what the workload did, what the
faults did to it, and how long a post took to reach the receivers while a fault was on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from hubbub_chaos.history import Effect, Fault, Op, Record, Recv, Resync, Session

# A fault and what undoes it: the time between is the fault's window.
_WINDOWS = {"kill": "restart", "stop": "cont", "partition": "heal", "delay": "heal"}


def windows(records: Sequence[Record]) -> list[tuple[str, float, float]]:
    """(kind, from, to) of each fault, in the harness's clock; one never undone ends at the
    heal at the end, or at infinity."""
    out: list[tuple[str, float, float]] = []
    open_: dict[str, tuple[str, float]] = {}
    for r in records:
        if not isinstance(r, Fault):
            continue
        if r.action in _WINDOWS:
            open_[r.target] = (r.action, r.t)
        elif r.target in open_ and _WINDOWS[open_[r.target][0]] == r.action:
            kind, start = open_.pop(r.target)
            out.append((kind, start, r.t))
        elif r.action == "heal" and r.target == "*":
            out += [(kind, start, r.t) for kind, start in open_.values()]
            open_.clear()
    out += [(kind, start, float("inf")) for kind, start in open_.values()]
    return sorted(out, key=lambda w: w[1])


def within(t: float, spans: Sequence[tuple[str, float, float]]) -> str | None:
    return next((kind for kind, start, end in spans if start <= t <= end), None)


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def figures(records: Sequence[Record]) -> dict[str, Any]:
    spans = windows(records)
    ops = [r for r in records if isinstance(r, Op)]
    posts = [o for o in ops if o.op in ("post", "reply")]
    first: dict[str, Op] = {}
    acked: dict[str, Op] = {}
    for o in posts:
        if o.cmid is None:
            continue
        first.setdefault(o.cmid, o)
        if o.outcome == "ok":
            acked[o.cmid] = o
    unknown = [o for o in posts if o.outcome == "unknown"]
    unknown_in = Counter(within(o.t_start, spans) or "none" for o in unknown)
    # Post -> receive: from the post's first try to each receiver's event of its message.
    by_ts = {(o.channel, o.result_ts): first[cmid].t_start for cmid, o in acked.items()}
    latency: dict[str, list[float]] = {"fault": [], "calm": []}
    for r in records:
        if isinstance(r, Recv) and r.event.get("type") == "message" and "subtype" not in r.event:
            began = by_ts.get((r.stream, r.event.get("ts")))
            if began is not None:
                key = "fault" if within(began, spans) else "calm"
                latency[key].append(r.t - began)
    sessions = [r for r in records if isinstance(r, Session)]
    emails = [r for r in records if isinstance(r, Effect) and r.sink == "smtp"]
    # A mailbox keeps one email per Message-ID: one notification emailed under two would be
    # shown twice, which the checker's deduplication by key cannot see.
    ids_per_ref: dict[str, set[str]] = {}
    for e in emails:
        ids_per_ref.setdefault(e.ref, set()).add(e.key)
    return {
        "ops": len(ops),
        "ops_by_outcome": dict(Counter(o.outcome for o in ops)),
        "posts_acked": len(acked),
        "posts_refused": len({o.cmid for o in posts if o.outcome == "fail"}),
        "posts_never_answered": len(
            {o.cmid for o in unknown} - {o.cmid for o in posts if o.outcome != "unknown"}
        ),
        "post_tries_unknown_by_fault": dict(unknown_in),
        "faults": dict(Counter(kind for kind, _, _ in spans)),
        "sessions": len(sessions),
        "resumed_sessions": sum(s.resumed for s in sessions),
        "resyncs": sum(isinstance(r, Resync) for r in records),
        "received": sum(isinstance(r, Recv) for r in records),
        "effects": dict(Counter(r.sink for r in records if isinstance(r, Effect))),
        "effects_distinct": len({(r.sink, r.key) for r in records if isinstance(r, Effect)}),
        "emails_sent_again": len(emails) - len({e.key for e in emails}),
        "emails_under_two_ids": sum(len(ids) > 1 for ids in ids_per_ref.values()),
        "post_to_receive_s": {
            kind: {
                "n": len(values),
                "p50": _round(percentile(values, 50)),
                "p99": _round(percentile(values, 99)),
                "max": _round(max(values, default=None)),
            }
            for kind, values in latency.items()
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
