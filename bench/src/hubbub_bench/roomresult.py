"""The result document and table of `hubbub bench room`, and issue 23's targets."""

from __future__ import annotations

import platform
from typing import Any

import hubbub

TARGET_P99_MS = 3000.0  # post -> receive at one post per 2 s
TARGET_BYTES_PER_SOCKET = 20 * 1024  # gateway RSS per idle socket


def cpu_per_delivery_us(cpu_s: float, deliveries: int) -> float | None:
    return round(cpu_s * 1e6 / deliveries, 2) if deliveries else None


def room_result(
    measured: dict[str, Any], *, settings: dict[str, Any], started_at: str
) -> dict[str, Any]:
    phases = measured["accounting"]["phases"]
    posting = measured["posting"]
    delivered = phases["posting"]["deliveries"]
    cpu = posting["cpu_s"]
    per_delivery = {
        name: cpu_per_delivery_us(cpu.get(name, 0.0), delivered)
        for name in ("gateways", "postgres", "redis", "clients", "machine")
    }
    lost = sum(p["missing"] for p in phases.values() if p is not phases["posting"])
    doubled = sum(p["doubled"] for p in phases.values() if p is not phases["posting"])
    disorder = sum(p["out_of_order"] for p in phases.values() if p is not phases["posting"])
    per_socket = measured["connect"]["bytes_per_socket"]
    result = {
        "scenario": "room",
        "started_at": started_at,
        "settings": {
            **settings,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "hubbub": hubbub.__version__,
        },
        **measured,
        "cpu_per_delivery_us": per_delivery,
        "targets": {
            "p99_ms": TARGET_P99_MS,
            "meets_p99": phases["paced"]["p99_ms"] <= TARGET_P99_MS,
            "bytes_per_socket": TARGET_BYTES_PER_SOCKET,
            "meets_memory": per_socket is not None and per_socket <= TARGET_BYTES_PER_SOCKET,
            "lost": lost,
            "doubled": doubled,
            "out_of_order": disorder,
            "exactly_once_in_order": lost == 0 and doubled == 0 and disorder == 0,
            "all_connected": measured["connect"]["connected"] == settings["members"],
        },
    }
    return result


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    s = result["settings"]
    c = result["connect"]
    phases = result["accounting"]["phases"]
    title = (
        f"room of {s['members']:,} sockets on {s['gateways']} gateways: a post every "
        f"{s['every']:g} s for {s['seconds']:g} s, then {s['burst']} at once"
    )
    out = Table(title=title)
    for column in ("", "posts", "deliv/s", "p50 ms", "p99 ms", "max ms", "lost", "dup", "order"):
        out.add_column(column, justify="left" if not column else "right")
    for name in ("paced", "burst", "kill"):
        p = phases.get(name)
        if p is None:
            continue
        out.add_row(
            name,
            str(p["posts"]),
            f"{p['deliveries_per_s']:,}",
            f"{p['p50_ms']:.0f}",
            f"{p['p99_ms']:.0f}",
            f"{p['max_ms']:.0f}",
            str(p["missing"]),
            str(p["doubled"]),
            str(p["out_of_order"]),
        )
    per = result["cpu_per_delivery_us"]
    t = result["targets"]
    caption = [
        f"connected {c['connected']:,} in {c['connect_s']} s ({c['connects_per_s']}/s, "
        f"{c['cpu_ms_per_connect'].get('gateways')} ms of gateway CPU each); "
        f"gateway RSS {c['bytes_per_socket']} B per idle socket (target "
        f"{TARGET_BYTES_PER_SOCKET:,}: {t['meets_memory']})",
        "CPU per delivery (µs): " + ", ".join(f"{k} {v}" for k, v in per.items() if v is not None),
        f"paced p99 target {TARGET_P99_MS:g} ms: {t['meets_p99']}; exactly once and in order: "
        f"{t['exactly_once_in_order']}",
    ]
    kill = result.get("kill")
    if kill:
        back = result["accounting"]["reconnects"]
        caption.append(
            f"killed {kill['victim_pids']} holding {kill['victim_sockets']:,} sockets: all back "
            f"in {kill['all_back_s']} s (p50 {back['back_p50_s']} s after its drop); failed "
            f"attempts {back['failed_by_kind']}; resyncs {back['resyncs']}"
        )
    if result.get("posts_unanswered"):
        caption.append(f"posts never answered ok: {result['posts_unanswered']}")
    out.caption = "\n".join(caption)
    return out
