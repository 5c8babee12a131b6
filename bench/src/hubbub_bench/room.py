"""`hubbub bench room`: one channel of N members, every one connected over RTM, on a cluster.

Issue 23's scenario. `hubbub cluster up` with --gateways processes on a fresh PostgreSQL
database and Redis prefix (`cluster.shared_services`), each on the shared port and on a port of
its own for sockets; the room seeded in bulk (`roomseed`); --client-processes `roomclient`
processes, each binding its sockets to one of --addresses loopback source addresses, connect
every member as a client does (rtm.connect on the shared port, then the gateway it names: the
real balancer's spread). Then, measured:

1. connecting: from the first rtm.connect to the last hello; each gateway's RSS before and
   after (idle, once `hubbub admin cluster` counts every socket), per socket it holds;
2. posting: one post every --every s for --seconds, then --burst at once; every receipt's
   post->receive time (clients and poster share the machine's clock), what each socket got
   (exactly once, in order: `roomtally`), the gateways' CPU from /proc over the phase per
   delivery, and PostgreSQL's, Redis's and the clients' beside it;
3. with --kill-gateway: `kill -9` of the gateway holding the most sockets (or the --kills
   busiest at once), posting on at the
   same pace; its clients come back after a random pause (--jitter) with rtm.connect(resume=
   their cursor) to whichever gateway the balancer names (`cluster up` restarts the dead
   process too, which registers afresh); the time until the last is back, and whether any
   socket missed, doubled or reordered a post of the phase.

Every child is stopped on the way out, the database dropped and the Redis keys deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import signal
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hubbub_bench import results
from hubbub_bench.cluster import check_services, config_text, shared_services
from hubbub_bench.cpu import pids_named, rss_kb
from hubbub_bench.post import Children, free_port, git_version, stop_on_sigterm
from hubbub_bench.roomdrive import Clients, Poster, slices, wait_delivered
from hubbub_bench.roomprocs import (
    BALANCE_MARGIN,
    SPARE_FDS,
    Gateways,
    admin_cluster,
    check_descriptors,
    check_ports,
    free_ports,
    machine_memory,
    raise_descriptors,
    serve_pids,
    sockets_by_pid,
    source_addresses,
    start_gateways,
)
from hubbub_bench.roomresult import room_result
from hubbub_bench.roomseed import Room, seed
from hubbub_bench.roomtally import merge, phase
from hubbub_bench.stats import percentile

SOCKETS_PER_CLIENT = 10_000  # the default split over client processes
SOCKETS_PER_ADDRESS = 20_000  # the default split over source addresses
SETTLE_S = 6.0  # over one lease renewal (5 s), so `admin cluster` counts every socket
QUIET_S = 15.0  # no receipt for this long ends a wait for deliveries
KILL_TIMEOUT_S = 600.0  # the longest wait for the dead gateways' clients to be back
AFTER_BACK_POSTS = 3  # posts of the kill phase once every socket is back


@dataclass(frozen=True)
class RoomOptions:
    members: int
    out: Path
    gateways: int = 5
    seconds: float = 60.0
    every: float = 2.0
    burst: int = 10
    kill_gateway: bool = False
    kills: int = 1  # gateways killed at once (their sockets together come back)
    jitter: float = 5.0
    client_processes: int = 0  # 0: one per SOCKETS_PER_CLIENT
    addresses: int = 0  # 0: one per SOCKETS_PER_ADDRESS
    connect_concurrency: int = 64  # rtm.connects and handshakes in flight, over all clients

    @property
    def paced_posts(self) -> int:
        return max(1, math.floor(self.seconds / self.every))

    @property
    def ids(self) -> int:
        """Room for every post id: paced, burst, and the kill phase's at most."""
        kill = math.ceil(KILL_TIMEOUT_S / self.every) + AFTER_BACK_POSTS + 1
        return self.paced_posts + self.burst + (kill if self.kill_gateway else 0)

    def clients(self) -> int:
        return self.client_processes or max(2, math.ceil(self.members / SOCKETS_PER_CLIENT))

    def address_count(self) -> int:
        return self.addresses or max(1, math.ceil(self.members / SOCKETS_PER_ADDRESS))


def run(opts: RoomOptions) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    addresses = source_addresses(opts.address_count())
    parts = slices(opts.members, opts.clients(), addresses)
    per_address = {a: sum(p.count for p in parts if p.address == a) for a in addresses}
    ports = check_ports(max(per_address.values()) * len(addresses), len(addresses))
    # A gateway may hold a dead one's share on top of its own after a kill.
    survivors = max(1, opts.gateways - opts.kills) if opts.kill_gateway else opts.gateways
    per_gateway = opts.members / survivors
    need = max(max(p.count for p in parts), math.ceil(per_gateway * BALANCE_MARGIN)) + SPARE_FDS
    nofile = raise_descriptors(need)
    check_descriptors(nofile, max(p.count for p in parts), per_gateway)
    settings: dict[str, Any] = {
        **{k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items()},
        "client_processes": len(parts),
        "source_addresses": per_address,
        "ports": ports,
        "nofile": nofile,
        "git": git_version(),
        "cpu_count": os.cpu_count(),
        "memory_before": machine_memory(),
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
        **check_services(),
    }
    children = Children()
    with (
        stop_on_sigterm(),
        tempfile.TemporaryDirectory(prefix="hubbub-room-") as tmp,
        shared_services(results.stamp(started_at)) as shared,
    ):
        try:
            room = seed(shared.database_url, opts.members)
            tokens = Path(tmp) / "tokens.txt"
            tokens.write_text("\n".join(room.tokens) + "\n")
            port = free_port()
            config = Path(tmp) / "cluster.toml"
            config.write_text(config_text(shared, port))
            gateways = start_gateways(
                children, config, opts.gateways, port, free_ports(opts.gateways)
            )
            measured = asyncio.run(_measure(opts, gateways, room, tokens, parts))
        finally:
            children.stop_all()
    settings["seed_s"] = room.seed_s
    result = room_result(measured, settings=settings, started_at=started_at)
    path = results.write_result(opts.out, "room", started_at, result)
    return result, path


async def _measure(
    opts: RoomOptions, gateways: Gateways, room: Room, tokens: Path, parts: list[Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pids = serve_pids(gateways)
    rss_before = {pid: rss_kb(pid) for pid in pids}
    cpu_before = _cpu_seconds({"gateways": pids, **_services()})
    per_client = max(1, opts.connect_concurrency // len(parts))
    clients = await Clients.start(
        parts,
        url=gateways.url,
        tokens=tokens,
        ids=opts.ids,
        connect_concurrency=per_client,
        jitter=opts.jitter,
    )
    poster = Poster(gateways.url, room.tokens[0], room.channel_id, opts.ids)
    try:
        out["connect"] = await _connect(opts, clients, gateways, pids, rss_before)
        # Until every socket is counted: connects, and the settling after (a few seconds idle).
        used = _cpu_delta(cpu_before, _cpu_seconds(_watched(clients, pids)))
        connected = out["connect"]["connected"]
        out["connect"]["cpu_s"] = used
        out["connect"]["cpu_ms_per_connect"] = {
            k: round(1000 * v / connected, 2) for k, v in used.items() if connected
        }
        out["posting"] = await _posting(opts, clients, poster, pids)
        if opts.kill_gateway:
            out["kill"] = await _kill(opts, clients, poster, gateways)
        reports = await clients.ask(f"report {poster.next_id}", within_s=600)
        out["accounting"] = _accounting(opts, reports, poster, out)
        out["posts_unanswered"] = poster.unanswered
        out["post_errors"] = len(poster.errors)
        out["post_error_samples"] = poster.errors[:5]
    finally:
        await poster.close()
        await clients.stop()
    return out


async def _connect(
    opts: RoomOptions,
    clients: Clients,
    gateways: Gateways,
    pids: list[int],
    rss_before: dict[int, int],
) -> dict[str, Any]:
    lines = await clients.connected(opts.members)
    connected = sum(line["connected"] for line in lines)
    start = min(line["started_at"] for line in lines)
    done = max(line["done_at"] for line in lines)
    listing = await _settled_listing(gateways, connected)
    by_pid = sockets_by_pid(listing)
    per_process: list[dict[str, Any]] = []
    grown_all = 0
    for pid in pids:
        after = rss_kb(pid)
        sockets = by_pid.get(pid, 0)
        grown = (after - rss_before[pid]) * 1024
        grown_all += grown
        per_process.append(
            {
                "pid": pid,
                "sockets": sockets,
                "rss_before_kb": rss_before[pid],
                "rss_idle_kb": after,
                "bytes_per_socket": round(grown / sockets) if sockets else None,
            }
        )
    return {
        "connected": connected,
        "failed": sum(line["failed"] for line in lines),
        "failures": [f for line in lines for f in line["failures"]][:5],
        "connect_s": round(done - start, 2),
        "connects_per_s": round(connected / (done - start), 1) if done > start else 0.0,
        "per_process": per_process,
        "bytes_per_socket": round(grown_all / connected) if connected else None,
        "client_rss_kb": [rss_kb(pid) for pid in clients.pids],
        "client_nofile": lines[0].get("nofile"),
        "memory_connected": machine_memory(),
        "admin_cluster": listing,
    }


async def _settled_listing(gateways: Gateways, sockets: int) -> dict[str, Any]:
    """`hubbub admin cluster` once its records count every socket (renewed every 5 s)."""
    deadline = time.monotonic() + 4 * SETTLE_S
    await asyncio.sleep(SETTLE_S)
    while True:
        listing = await asyncio.to_thread(admin_cluster, gateways.config)
        if listing.get("sockets") == sockets or time.monotonic() > deadline:
            return listing
        await asyncio.sleep(1.0)


async def _posting(
    opts: RoomOptions, clients: Clients, poster: Poster, pids: list[int]
) -> dict[str, Any]:
    watched = _watched(clients, pids)
    before, since = _cpu_seconds(watched), time.monotonic()
    paced = poster.take(opts.paced_posts)
    await poster.paced(paced, opts.every)
    burst = poster.take(opts.burst)
    await poster.burst(burst)
    target = opts.members * poster.next_id
    timeout = 120.0 + opts.members * opts.burst / 5000
    received = await wait_delivered(clients, target, timeout, QUIET_S)
    window = time.monotonic() - since
    used = _cpu_delta(before, _cpu_seconds(watched))
    return {
        "paced_ids": [paced.start, paced.stop],
        "burst_ids": [burst.start, burst.stop],
        "received": received,
        "window_s": round(window, 2),
        "cpu_s": used,
        "cpu_pct": {k: round(100 * v / window, 1) for k, v in used.items()},
    }


async def _kill(
    opts: RoomOptions, clients: Clients, poster: Poster, gateways: Gateways
) -> dict[str, Any]:
    listing = await asyncio.to_thread(admin_cluster, gateways.config)
    by_pid = sockets_by_pid(listing)
    pids = serve_pids(gateways)
    victims = sorted(pids, key=lambda pid: by_pid.get(pid, 0), reverse=True)[: opts.kills]
    first_id = poster.next_id
    killed_at = time.time()
    for victim in victims:
        os.kill(victim, signal.SIGKILL)
    start = time.monotonic()
    n, after_back = 0, 0
    back_at: float | None = None
    status: list[dict[str, Any]] = []
    # Posting on at the same pace while they come back, and a few posts once all are.
    while after_back < AFTER_BACK_POSTS and time.monotonic() - start < KILL_TIMEOUT_S:
        due = start + n * opts.every
        while time.monotonic() < due:
            status = await clients.ask("status")
            if back_at is None and _all_back(status, opts.members):
                back_at = time.monotonic()
            await asyncio.sleep(min(0.5, max(0.0, due - time.monotonic())))
        poster.start(poster.take(1).start)
        n += 1
        after_back += back_at is not None
    await poster.drain()
    target = opts.members * poster.next_id
    received = await wait_delivered(clients, target, 120.0, QUIET_S)
    status = await clients.ask("status")
    last_back = max((s["last_back_at"] for s in status), default=0.0)
    after = await _settled_listing(gateways, opts.members)
    return {
        "victim_pids": victims,
        "victim_sockets": sum(by_pid.get(victim, 0) for victim in victims),
        "ids": [first_id, poster.next_id],
        "drops": sum(s["drops"] for s in status),
        "all_back": back_at is not None,
        "all_back_s": round(last_back - killed_at, 2) if back_at is not None else None,
        "received": received,
        "admin_cluster_before": listing,
        "admin_cluster_after": after,
        "serve_pids_after": serve_pids(gateways),
    }


def _all_back(status: list[dict[str, Any]], members: int) -> bool:
    return bool(
        sum(s["drops"] for s in status) > 0
        and sum(s["reconnecting"] for s in status) == 0
        and sum(s["open"] for s in status) == members
    )


def _services() -> dict[str, list[int]]:
    return {"postgres": pids_named("postgres"), "redis": pids_named("redis-server")}


def _watched(clients: Clients, pids: list[int]) -> dict[str, list[int]]:
    return {"gateways": pids, **_services(), "clients": clients.pids}


def _cpu_seconds(watched: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    tick = float(os.sysconf("SC_CLK_TCK"))
    out: dict[str, dict[int, float]] = {}
    for name, pids in watched.items():
        out[name] = {}
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read().rsplit(")", 1)[1].split()
                out[name][pid] = (int(stat[11]) + int(stat[12])) / tick
            except (OSError, ValueError, IndexError):
                continue  # a PostgreSQL backend that came and went
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    out["machine"] = {0: (sum(values) - values[3] - values[4]) / tick}
    return out


def _cpu_delta(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    """CPU seconds each group used between the snapshots; a process absent from before started
    since (a client, a PostgreSQL backend), so all it used is in the window."""
    return {
        name: round(sum(t - before.get(name, {}).get(pid, 0.0) for pid, t in now.items()), 2)
        for name, now in after.items()
    }


def _accounting(
    opts: RoomOptions, reports: list[dict[str, Any]], poster: Poster, out: dict[str, Any]
) -> dict[str, Any]:
    total = merge(reports, poster.next_id)
    posting = out["posting"]
    phases = {
        "paced": phase(total, range(*posting["paced_ids"]), poster.sent),
        "burst": phase(total, range(*posting["burst_ids"]), poster.sent),
        "posting": phase(total, range(posting["burst_ids"][1]), poster.sent),
    }
    if "kill" in out:
        phases["kill"] = phase(total, range(*out["kill"]["ids"]), poster.sent)
    back = sorted(b for r in reports for b in r["back_s"])
    kinds: dict[str, int] = {}
    for r in reports:
        for kind, n in r["failure_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    return {
        "phases": phases,
        "reconnects": {
            "drops": sum(r["drops"] for r in reports),
            "back": len(back),
            "back_p50_s": percentile(back, 50) if back else None,
            "back_p99_s": percentile(back, 99) if back else None,
            "back_max_s": back[-1] if back else None,
            "failed_attempts": sum(r["failed_reconnects"] for r in reports),
            "failed_by_kind": kinds,
            "resyncs": sum(r["resyncs"] for r in reports),
        },
        "other_frames": sum(r["other_frames"] for r in reports),
        "client_errors": sum(r["error_count"] for r in reports),
        "client_error_samples": [e for r in reports for e in r["errors"]][:5],
    }
