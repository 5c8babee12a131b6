"""`hubbub bench post --invalid P`: chat.postMessage with P% of the posts refused, beside the
same load with none refused, on one server in one run.

A refused post (`not_in_channel`: a channel the poster is not in) is found out inside its unit
of work, in the SQLite writer's batch. The figure is the rate of posts answered as they should be
(accepted or refused) with P% invalid, against the all-valid rate: the target is 90% at P = 10.
The two loads take turns (valid, invalid, invalid, valid), so a machine that gets busier or
quieter during the run weighs on both alike.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hubbub_bench.post import (
    Children,
    Options,
    count_all,
    drive,
    set_up,
    settings_of,
    start_hubbub,
    stop_on_sigterm,
)
from hubbub_bench.results import write_result

TARGET = 0.9
ORDER = (False, True, True, False)  # which turns post invalid ones


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The turns of one load as one figure: rates over their summed windows."""
    window = sum(float(r["window_s"]) for r in runs)
    ok = sum(int(r["requests"]) for r in runs)
    rejected = sum(int(r.get("rejected", 0)) for r in runs)
    # Steadier than the rates on a shared machine: the server's own CPU per answer.
    server_cpu_s = sum(r.get("cpu_pct", {}).get("server", 0.0) / 100 * r["window_s"] for r in runs)
    return {
        "posts_per_s": round(ok / window, 1),
        "answered_per_s": round((ok + rejected) / window, 1),
        "server_cpu_ms_per_answer": round(1000 * server_cpu_s / (ok + rejected), 3)
        if ok + rejected
        else None,
        "rejected": rejected,
        "errors": sum(int(r["errors"]) for r in runs),
        "p50_ms": [r["p50_ms"] for r in runs],
        "p99_ms": [r["p99_ms"] for r in runs],
        "server_cpu_ms_per_post": [r.get("server_cpu_ms_per_post") for r in runs],
        "other_cpu_pct": [r.get("cpu_pct", {}).get("other") for r in runs],
        "runs": runs,
    }


def run(opts: Options) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    settings = {**settings_of(opts), "invalid_percent": opts.invalid, "order": ORDER}
    children = Children()
    turns: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    with stop_on_sigterm(), tempfile.TemporaryDirectory(prefix="hubbub-bench-") as tmp:
        try:
            data_dir = Path(tmp) / "data"
            target = set_up(data_dir)
            before = count_all(data_dir, target)
            server, url = start_hubbub(children, data_dir)
            for invalid in ORDER:
                percent = opts.invalid if invalid else 0
                side = drive(children, url, target, opts, server.pid, invalid=percent)
                turns[invalid].append(side)
            children.stop(server, kill=True)
            stored = count_all(data_dir, target) - before
        finally:
            children.stop_all()
    valid, mixed = _combined(turns[False]), _combined(turns[True])
    ratio = mixed["answered_per_s"] / valid["answered_per_s"] if valid["answered_per_s"] else 0.0
    ok_answers = sum(int(r["ok_total"]) for side in turns.values() for r in side)
    result = {
        "scenario": "post-invalid",
        "started_at": started_at,
        "settings": settings,
        "valid": valid,
        "invalid": mixed,
        "ratio": round(ratio, 4),
        "target_ratio": TARGET,
        "meets_target": ratio >= TARGET,
        "durable_check": ok_answers == stored,
        "durability": {"ok_answers": ok_answers, "stored": stored},
    }
    path = write_result(opts.out, "post-invalid", started_at, result)
    return result, path


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    title = f"chat.postMessage, {s['invalid_percent']}% invalid, {s['connections']} connections"
    out = Table(title=title)
    columns = ("", "answered/s", "accepted/s", "refused", "errors", "cpu ms/answer", "p99 ms")
    for column in columns:
        out.add_column(column, justify="left" if not column else "right")
    for name in ("valid", "invalid"):
        side = result[name]
        out.add_row(
            name,
            f"{side['answered_per_s']:,.0f}",
            f"{side['posts_per_s']:,.0f}",
            str(side["rejected"]),
            str(side["errors"]),
            f"{side['server_cpu_ms_per_answer']:.3f}",
            " / ".join(f"{p:.1f}" for p in side["p99_ms"]),
        )
    mark = "meets" if result["meets_target"] else "below"
    out.caption = (
        f"ratio {result['ratio']:.1%} ({mark} the {TARGET:.0%} target); durable "
        f"{result['durable_check']}"
    )
    return out
