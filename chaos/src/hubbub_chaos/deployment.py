"""What a chaos run needs of a deployment, whichever it is (embedded: one `hubbub serve` on
SQLite; cluster: serve processes, a worker, PostgreSQL shards and Redis, each a process of its
own): where clients reach it, which parts a fault can hit, and the faults themselves. The
schedule (faults.py) only ever names targets and links this lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hubbub.config import Settings


class Deployment(Protocol):
    name: str  # "embedded", "cluster"
    logs: Path  # each process's log is kept here, with the run's history

    def start(self) -> None:
        """Everything up, migrated, ready (its /readyz or first answer)."""

    def api_urls(self) -> list[str]:
        """Base URLs of the Web API (clients spread over them, and fail over between them)."""

    def tool_settings(self, **more: Any) -> Settings:
        """Settings for a hub of the harness's own on the deployment's stores, as `hubbub
        admin` builds one (it sets up the workspace and counts the jobs still owed), reaching
        them directly, past any fault; `more` adds settings of the caller's."""

    def targets(self) -> list[str]:
        """Processes a fault may hit ("serve-0", "worker", "redis", "pg-1", ...)."""

    def links(self) -> list[tuple[str, str]]:
        """Pairs of processes whose traffic a partition or delay may cut or slow (empty where
        the deployment has none, as the embedded one)."""

    def kill(self, target: str) -> None:
        """kill -9 (or, for a database, its immediate restart's first half: down at once)."""

    def restart(self, target: str) -> None:
        """Bring a killed target back; returns once it answers again."""

    def pause(self, target: str) -> None:
        """SIGSTOP."""

    def resume(self, target: str) -> None:
        """SIGCONT."""

    def partition(self, a: str, b: str) -> None:
        """Drop all traffic between a and b, both ways."""

    def delay(self, a: str, b: str, ms: int) -> None:
        """Slow the traffic between a and b."""

    def heal(self) -> None:
        """Every partition and delay undone, every paused process resumed, every killed one
        restarted."""

    def close(self) -> None:
        """Everything stopped; nothing of it left running."""
