"""LISTEN on a PostgreSQL channel from a thread of its own, for caches that other processes'
commits make stale (the identity version, the workspace directory)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import structlog
from sqlalchemy import Engine

log = structlog.get_logger()

POLL_S = 0.5


def dsn_of(engine: Engine) -> str:
    """The engine's database as a plain libpq URL, for a connection outside its pool."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls on_notify(payload) for every notification on the channel, and on_notify(None)
    on every (re)connection: notifications sent while it was away are lost, so then anything
    may have changed."""

    def __init__(self, dsn: str, channel: str, on_notify: Callable[[str | None], None]) -> None:
        self._dsn, self._channel, self._on_notify = dsn, channel, on_notify
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)

    def start(self, wait_s: float = 10.0) -> None:
        self._thread.start()
        self._listening.wait(wait_s)

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(wait_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {self._channel}")
                    self._on_notify(None)
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S, stop_after=1):
                            self._on_notify(note.payload)
            except psycopg.Error as exc:
                self._listening.set()
                log.warning("postgres_listen_lost", channel=self._channel, error=str(exc))
                self._stop.wait(1.0)
