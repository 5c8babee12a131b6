"""The machine side of `hubbub bench room`: open-files limits, source addresses and ports, the
cluster with its gateways, and what /proc and `hubbub admin cluster` say about its processes."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from hubbub_bench.cluster import children_of, listeners
from hubbub_bench.post import START_TIMEOUT_S, Children

PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
NR_OPEN = Path("/proc/sys/fs/nr_open")
SPARE_FDS = 1000  # a process's descriptors beside its sockets (files, pipes, pools)
BALANCE_MARGIN = 1.1  # the busiest gateway over the mean allowed for (measured: 1.02)
SPARE_PORTS = 2000  # ephemeral ports of an address left for anything else bound to it
GATEWAYS_TIMEOUT_S = 60.0


# -- limits ---------------------------------------------------------------------------------


def raise_descriptors(need: int) -> dict[str, Any]:
    """The bench's step for open files: every socket is a descriptor at both ends, and a
    gateway takes a dead one's share after a kill. The soft limit goes to the hard one (as
    `hubbub serve` does); where the hard limit is below need and this process may raise it (root:
    CAP_SYS_RESOURCE), it is raised to need, at most fs.nr_open, for this process and so for
    every child it starts. Nothing system-wide is changed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before = {"soft": soft, "hard": hard}
    want = max(hard, need)
    with contextlib.suppress(OSError, ValueError):
        want = min(want, int(NR_OPEN.read_text()))
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return {"before": before, "soft": soft, "hard": hard, "needed": need}


def check_descriptors(nofile: dict[str, Any], clients: int, gateway_sockets: float) -> None:
    """SystemExit, saying what to pass, where a client process's share or a gateway's (the
    mean, times BALANCE_MARGIN) would not fit the open-files limit: past it a gateway's accept
    fails with EMFILE and the connects hang."""
    room = int(nofile["soft"]) - SPARE_FDS
    if clients > room:
        raise SystemExit(
            f"a client process would hold {clients:,} sockets, over the open-files limit "
            f"{nofile['soft']:,} less {SPARE_FDS:,}: pass more --client-processes"
        )
    if gateway_sockets * BALANCE_MARGIN > room:
        raise SystemExit(
            f"a gateway would hold ~{gateway_sockets * BALANCE_MARGIN:,.0f} sockets (the mean "
            f"{gateway_sockets:,.0f}, x{BALANCE_MARGIN} for the balance; after a kill, over the "
            f"gateways left), over the open-files limit {nofile['soft']:,} less {SPARE_FDS:,}, "
            "which this process could not raise: pass more --gateways, or raise the hard "
            "limit (systemd LimitNOFILE=, limits.conf, or run with CAP_SYS_RESOURCE)"
        )


def port_range() -> tuple[int, int]:
    try:
        low, high = PORT_RANGE.read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def source_addresses(count: int) -> list[str]:
    """127.0.0.2, 127.0.0.3, ...: the whole of 127/8 is the loopback interface's on Linux, and
    each address has the whole ephemeral range of ports to itself."""
    return [f"127.0.0.{2 + n}" for n in range(count)]


def check_ports(members: int, addresses: int) -> dict[str, Any]:
    """Whether `members` sockets fit the ephemeral ports of `addresses` source addresses;
    SystemExit saying what to pass otherwise (the kernel's range is left alone)."""
    low, high = port_range()
    per_address = -(-members // addresses)
    room = high - low + 1 - SPARE_PORTS
    if per_address > room:
        need = -(-members // room)
        raise SystemExit(
            f"{members:,} sockets over {addresses} source addresses is {per_address:,} each, but "
            f"the ephemeral range {low}-{high} leaves {room:,}: pass --addresses {need} or more"
        )
    return {"ephemeral_range": [low, high], "sockets_per_address": per_address}


def free_ports(count: int) -> int:
    """The first of count consecutive ports free on 127.0.0.1 now (the gateways' own)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + count > 65535:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(base, base + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports found")


# -- the cluster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gateways:
    proc: subprocess.Popen[bytes]  # `hubbub cluster up`
    url: str  # the shared port: the Web API (rtm.connect, chat.postMessage)
    config: Path


def start_gateways(
    children: Children, config: Path, processes: int, port: int, gateway_ports: int
) -> Gateways:
    """`hubbub cluster up` with N processes on the shared port, process n also on its own
    port gateway_ports + n; returns once all N listen, one answers, and all N are registered
    as gateways (`hubbub admin cluster`), so rtm.connect hands out every one of them."""
    argv = [sys.executable, "-m", "hubbub", "cluster", "up", "--config", str(config)]
    argv += ["--processes", str(processes), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--gateway-ports", str(gateway_ports)]
    proc = children.start(argv)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S + GATEWAYS_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hubbub cluster up exited with {proc.returncode}")
        with contextlib.suppress(OSError, httpx.HTTPError):
            tcp = Path("/proc/net/tcp").read_text()
            if len(children_of(proc.pid)) == processes and listeners(tcp, port) == processes:
                httpx.post(url + "/api/api.test", timeout=1.0)
                if admin_cluster(config).get("gateways") == processes:
                    return Gateways(proc, url, config)
        time.sleep(0.5)
    raise RuntimeError(f"{processes} gateways were not registered in time")


def serve_pids(gateways: Gateways) -> list[int]:
    return children_of(gateways.proc.pid)


def admin_cluster(config: Path) -> dict[str, Any]:
    """What `hubbub admin cluster` lists: the live processes with their sockets, RSS, CPU."""
    argv = [sys.executable, "-m", "hubbub", "admin", "--config", str(config), "cluster"]
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.decode(errors="replace")[-300:]}
    answer: dict[str, Any] = orjson.loads(done.stdout)
    return answer


def sockets_by_pid(listing: dict[str, Any]) -> dict[int, int]:
    return {int(p["pid"]): int(p["sockets"]) for p in listing.get("processes", [])}


def machine_memory() -> dict[str, int]:
    """MemTotal and MemAvailable in MiB, and the kernel's socket memory (sockstat), in MiB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, value = line.split(":", 1)
            if name in ("MemTotal", "MemAvailable"):
                out[name] = int(value.split()[0]) // 1024
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/net/sockstat").read_text().splitlines():
            if line.startswith("TCP:"):
                fields = line.split()
                out["tcp_inuse"] = int(fields[fields.index("inuse") + 1])
                pages = int(fields[fields.index("mem") + 1])
                out["tcp_mem_MiB"] = pages * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    return out
