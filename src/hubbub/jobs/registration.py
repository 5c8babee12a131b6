"""Every process renews its record in the processes port (processes/port.py) a third of its
lease apart, with what it carries then, and leaves when it stops cleanly. A renewal that fails
(Redis out of reach) is logged and tried again at the next: the lease outlasts two misses."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import time
import uuid
from collections.abc import Callable

import structlog

from hubbub.domain.processes import ProcessInfo
from hubbub.jobs.background import Background
from hubbub.services.hub import Hub

log = structlog.get_logger()

# What the process carries now: (RTM sockets, Socket Mode connections).
Carrying = Callable[[], tuple[int, int]]


def process_id() -> str:
    """Unique across hosts and restarts: a restarted process is a new member."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Usage:
    """The process's CPU (percent of one core) between two readings, and its resident memory."""

    def __init__(self) -> None:
        self._at = (time.monotonic(), time.process_time())

    def cpu_percent(self) -> float:
        now = (time.monotonic(), time.process_time())
        wall, cpu = now[0] - self._at[0], now[1] - self._at[1]
        self._at = now
        return round(100 * cpu / wall, 1) if wall > 0 else 0.0

    @staticmethod
    def rss_bytes() -> int:
        """From /proc (Linux); 0 where there is none."""
        try:
            with open("/proc/self/statm", "rb") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0


class Registration(Background):
    def __init__(
        self,
        hub: Hub,
        *,
        role: str,
        lease_s: float,
        api_url: str | None = None,
        socket_url: str | None = None,
        carrying: Carrying = lambda: (0, 0),
    ) -> None:
        self.hub, self.lease_s, self.carrying = hub, lease_s, carrying
        self.usage = Usage()
        self.base = ProcessInfo(
            id=process_id(),
            role=role,
            host=socket.gethostname(),
            pid=os.getpid(),
            started=time.time(),
            api_url=api_url,
            socket_url=socket_url,
        )

    def describe(self) -> ProcessInfo:
        sockets, app_sockets = self.carrying()
        return dataclasses.replace(
            self.base,
            sockets=sockets,
            app_sockets=app_sockets,
            rss_bytes=self.usage.rss_bytes(),
            cpu_percent=self.usage.cpu_percent(),
        )

    async def renew(self) -> None:
        await self.hub.processes.renew(self.describe(), self.lease_s)

    async def _loop(self) -> None:
        while True:
            try:
                await self.renew()
            except Exception as exc:
                log.warning("process_renewal_failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.lease_s / 3)

    async def stop(self) -> None:
        await super().stop()
        try:
            await self.hub.processes.leave(self.base.id)
        except Exception as exc:
            # It drops out when its lease runs out instead.
            log.warning("process_leave_failed", error=f"{type(exc).__name__}: {exc}")
