"""The processes of a deployment in this process's memory: the embedded deployment's one."""

from __future__ import annotations

import dataclasses
import time

from hubbub.domain.processes import ProcessInfo


def _now_ms() -> int:
    return int(time.time() * 1000)


class MemoryProcesses:
    def __init__(self) -> None:
        self._records: dict[str, ProcessInfo] = {}

    async def renew(self, info: ProcessInfo, lease_s: float) -> None:
        expires_ms = _now_ms() + max(1, int(lease_s * 1000))
        self._records[info.id] = dataclasses.replace(info, expires_ms=expires_ms)

    async def live(self) -> list[ProcessInfo]:
        now = _now_ms()
        for process_id in [k for k, p in self._records.items() if p.expires_ms <= now]:
            del self._records[process_id]
        return [self._records[k] for k in sorted(self._records)]

    async def leave(self, process_id: str) -> None:
        self._records.pop(process_id, None)
