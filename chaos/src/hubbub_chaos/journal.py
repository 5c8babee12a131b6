"""The run's one writer of history.jsonl: records come from the event loop and from the sinks'
threads (SMTP, the Events API's HTTP server), so writes are serialised here, and counted for
the run's summary."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hubbub_chaos.history import Effect, Fault, Op, Record, Recorder, Recv, Resync, Session


class Journal:
    def __init__(self, path: Path) -> None:
        self._recorder = Recorder(path)
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def add(self, record: Record) -> None:
        with self._lock:
            self._recorder.add(record)
            self.counts[_label(record)] += 1

    def fault(self, action: str, target: str, detail: str = "") -> None:
        self.add(Fault(action, target, time.monotonic(), detail))

    def effect(self, sink: str, key: str, ref: str) -> None:
        self.add(Effect(sink, key, ref, time.monotonic()))

    def close(self) -> None:
        with self._lock:
            self._recorder.close()

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return dict(sorted(self.counts.items()))


def _label(record: Record) -> str:
    """What the summary counts a record as: ops by kind and outcome, faults by action."""
    match record:
        case Op():
            return f"op.{record.op}.{record.outcome}"
        case Fault():
            return f"fault.{record.action}"
        case Effect():
            return f"effect.{record.sink}"
        case Session():
            return "session.resumed" if record.resumed else "session.fresh"
        case Recv() | Resync():
            return record.kind
    return record.kind
