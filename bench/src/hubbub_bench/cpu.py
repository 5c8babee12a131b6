"""CPU use of processes and of the whole machine, and processes' resident memory, from /proc
(Linux); nothing elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping


def cpu_snapshot(pids: Mapping[str, int | Iterable[int]]) -> dict[str, float] | None:
    """CPU seconds used so far by each named process, and by the whole machine ("machine").

    A name may stand for several processes (the servers of a cluster, PostgreSQL's): each is
    noted as "name/PID", and `cpu_use` adds up those present in both snapshots. Linux only
    (/proc); None elsewhere. Lets a result say how busy the server was, and whether something
    else on the machine took CPU during the window (the numbers are then noisy).
    """
    try:
        tick = float(os.sysconf("SC_CLK_TCK"))
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
        values = [int(v) for v in fields[:8]]
        snap = {"machine": (sum(values) - values[3] - values[4]) / tick}
        for name, pid in pids.items():
            if isinstance(pid, int):
                snap[name] = _cpu_s(pid, tick)
                continue
            for one in pid:
                try:
                    snap[f"{name}/{one}"] = _cpu_s(one, tick)
                except OSError:  # a member of a group may come and go (a database backend)
                    continue
    except (OSError, ValueError, IndexError):
        return None
    return snap


def _cpu_s(pid: int, tick: float) -> float:
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / tick


def pids_named(comm: str) -> list[int]:
    """Every process whose command name (/proc/PID/comm) is comm, e.g. "postgres"."""
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() == comm:
                    found.append(int(entry))
        except OSError:
            continue
    return sorted(found)


def cpu_use(
    before: dict[str, float] | None, after: dict[str, float] | None, window_s: float
) -> dict[str, float]:
    """Per cent of one core each process used in the window; "other" is the rest of the machine.

    Groups ("name/PID" entries) are added up under their name, over the members present in
    both snapshots."""
    if before is None or after is None or window_s <= 0:
        return {}
    use: dict[str, float] = {}
    for key in after:
        if key in before:
            name = key.split("/", 1)[0]
            use[name] = use.get(name, 0.0) + 100.0 * (after[key] - before[key]) / window_s
    others = use.get("machine", 0.0) - sum(v for k, v in use.items() if k != "machine")
    use["other"] = max(0.0, others)
    return {k: round(v, 1) for k, v in use.items()}


def cpu_each(
    before: dict[str, float] | None, after: dict[str, float] | None, window_s: float, name: str
) -> list[float]:
    """Per cent of one core each member of the group name used in the window, by PID."""
    if before is None or after is None or window_s <= 0:
        return []
    keys = sorted(k for k in after if k in before and k.startswith(name + "/"))
    return [round(100.0 * (after[k] - before[k]) / window_s, 1) for k in keys]


def rss_kb(pid: int) -> int:
    """VmRSS of a process in KiB (Linux), 0 where unknown."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
