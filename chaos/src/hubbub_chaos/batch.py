"""A run's verdict, and many schedules in one command (`hubbub chaos run --schedules N`): a
line a run, and the figures of them all (pure: from the runs' summaries)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def with_quiet(ok: bool, report: str, quiet: dict[str, Any]) -> tuple[bool, str]:
    """A run that never got quiet fails, whatever the checker says: something was still behind
    or pending when the wait gave up (the checker flags receivers behind as `undelivered`)."""
    if quiet["quiet"]:
        return ok, report
    behind = ", ".join(sorted(quiet.get("lagging", {}))) or "no receiver"
    return False, f"{report}\nnot quiet within the wait ({quiet['waited_s']} s); behind: {behind}"


def line(summary: dict[str, Any]) -> str:
    f = summary["figures"]
    verdict = "ok" if summary["check"]["ok"] else "FAILED"
    if not summary["check"]["checked"]:
        verdict = "not checked"
    if not summary["quiet"]["quiet"]:
        verdict += ", NOT QUIET"
    faults = " ".join(f"{k} {v}" for k, v in sorted(f["faults"].items()))
    return (
        f"seed {summary['seed']}: {verdict}; {faults}; ops {f['ops']}, acked {f['posts_acked']}, "
        f"resumed {f['resumed_sessions']}, resyncs {f['resyncs']}, "
        f"quiet after {summary['quiet']['waited_s']} s, wall {summary['wall_s']} s"
    )


def totals(
    summaries: Sequence[dict[str, Any]], broken: Sequence[tuple[int, str]]
) -> dict[str, Any]:
    faults: Counter[str] = Counter()
    sums: Counter[str] = Counter()
    fault_latency: list[float] = []
    for s in summaries:
        f = s["figures"]
        faults.update(f["faults"])
        for key in ("ops", "posts_acked", "sessions", "resumed_sessions", "resyncs", "received"):
            sums[key] += f[key]
        sums["effects"] += sum(f["effects"].values())
        sums["wall_s"] += round(s["wall_s"])
        p99 = f["post_to_receive_s"]["fault"]["p99"]
        if p99 is not None:
            fault_latency.append(p99)
    return {
        "schedules": len(summaries),
        "seeds": [s["seed"] for s in summaries],
        "failed": [s["seed"] for s in summaries if not s["check"]["ok"]],
        "not_checked": [s["seed"] for s in summaries if not s["check"]["checked"]],
        "broken": [{"seed": seed, "error": why} for seed, why in broken],
        "faults": dict(faults),
        "fewest_faults": min((sum(s["figures"]["faults"].values()) for s in summaries), default=0),
        **dict(sums),
        # The worst of the runs' own p99s: a bound, not a p99 of the pooled deliveries.
        "post_to_receive_during_faults_worst_p99_s": max(fault_latency, default=None),
    }
