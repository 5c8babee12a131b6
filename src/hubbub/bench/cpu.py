"""CPU use of processes and of the whole machine, from /proc (Linux); nothing elsewhere."""

from __future__ import annotations

import os


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float] | None:
    """CPU seconds used so far by each named process, and by the whole machine ("machine").

    Linux only (/proc); None elsewhere. Lets a result say how busy the server was, and whether
    something else on the machine took CPU during the window (the numbers are then noisy).
    """
    try:
        tick = float(os.sysconf("SC_CLK_TCK"))
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
        values = [int(v) for v in fields[:8]]
        snap = {"machine": (sum(values) - values[3] - values[4]) / tick}
        for name, pid in pids.items():
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
            snap[name] = (int(stat[11]) + int(stat[12])) / tick
    except (OSError, ValueError, IndexError):
        return None
    return snap


def cpu_use(
    before: dict[str, float] | None, after: dict[str, float] | None, window_s: float
) -> dict[str, float]:
    """Per cent of one core each process used in the window; "other" is the rest of the machine."""
    if before is None or after is None or window_s <= 0:
        return {}
    use = {k: 100.0 * (after[k] - before[k]) / window_s for k in after if k in before}
    others = use.get("machine", 0.0) - sum(v for k, v in use.items() if k != "machine")
    use["other"] = max(0.0, others)
    return {k: round(v, 1) for k, v in use.items()}
