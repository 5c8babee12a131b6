"""Rules 5 and 6: each receiver's stream is a gap-free, duplicate-free, in-order run of that
stream's one log, and nothing it got is missing from that log.

A receiver's records are read session by session (by the session number each carries), each
session's in the order they were written. A run is what one receiver got of one stream from one
start: the session's `hello` cursor, a `Resync`'s, or, for a stream first seen mid-session, the
join it starts at. A run ends with its session, at a Resync, or after the receiver's own
`member_left_channel`. Across a resume the next session must start exactly where the last run
ended: that is where the receiver had got. A tail lost at the end of a session shows there, at a
`goodbye`'s cursor (it names the last frame written), or at a Quiet; lost before a resync
that follows a plain disconnection, it cannot show."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hubbub_chaos.events import identity, is_join, is_leave
from hubbub_chaos.history import Final, Quiet, Record, Recv, Resync, Session
from hubbub_chaos.report import Report

Log = dict[int, dict[str, Any]]


@dataclass(slots=True)
class Run:
    stream: str
    start: int  # the seq before the first one owed
    recvs: list[Recv] = field(default_factory=list)
    left: bool = False  # got the receiver's own leave: nothing more is owed

    @property
    def last(self) -> int:
        return max([self.start, *(r.seq for r in self.recvs)])


def check_streams(records: list[Record], finals: list[Final], report: Report) -> None:
    logs: dict[str, Log] = {}
    for final in finals:
        log = logs.setdefault(final.channel, {})
        for seq, event in final.log:
            log.setdefault(seq, event)
    grouped: dict[str, dict[int, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if isinstance(r, Session | Recv | Resync | Quiet):
            grouped[r.receiver][r.session].append(r)
    report.counts["receivers"] += len(grouped)
    for receiver, sessions in sorted(grouped.items()):
        _Receiver(receiver, logs, report).read(sessions)


class _Receiver:
    def __init__(self, name: str, logs: dict[str, Log], report: Report) -> None:
        self.name = name
        self.logs = logs
        self.report = report
        self.user: str | None = None
        self.runs: dict[str, Run] = {}

    def read(self, sessions: dict[int, list[Record]]) -> None:
        for n in sorted(sessions):
            group = sessions[n]
            hello = next((r for r in group if isinstance(r, Session)), None)
            if hello is None:
                for r in group:
                    if isinstance(r, Recv):
                        self._flag("phantom_delivery", f"session {n} never opened", r)
                continue
            self.user = hello.user or self.user
            self.report.counts["sessions"] += 1
            rest = [r for r in group if r is not hello]
            resyncs_at_once = bool(rest) and isinstance(rest[0], Resync)
            positions = self._end_all()
            if hello.resumed:
                self.report.counts["resumes"] += 1
                if not resyncs_at_once:
                    self._resume(hello, positions)
            self._start_all(hello.cursor, hello)
            for r in rest:
                if isinstance(r, Recv):
                    self._recv(r)
                elif isinstance(r, Resync):
                    self.report.counts["resyncs"] += 1
                    if r is not rest[0]:
                        self._goodbye(r)
                    self._end_all()
                    self._start_all(r.cursor, r)
                elif isinstance(r, Quiet):
                    self._quiet(r)
        self._end_all()

    # -- runs -----------------------------------------------------------------------------

    def _start_all(self, cursor: dict[str, int], source: Session | Resync) -> None:
        for stream, seq in cursor.items():
            log = self.logs.get(stream)
            if log is None:
                continue  # a stream the history does not follow; a Recv on it is flagged
            if seq > _end(log):
                self._flag("phantom_delivery", f"{stream}: cursor {seq} past the log's end", source)
            self.runs[stream] = Run(stream, seq)

    def _end_all(self) -> dict[str, int]:
        """Ends every run; where the receiver had got on each stream it still follows."""
        positions = {s: run.last for s, run in self.runs.items() if not run.left}
        for run in self.runs.values():
            self._end(run)
        self.runs = {}
        return positions

    def _end(self, run: Run) -> None:
        recvs, where = run.recvs, f"{run.stream}"
        seen = Counter(r.seq for r in recvs)
        for seq, n in sorted(seen.items()):
            if n > 1:
                again = [r for r in recvs if r.seq == seq]
                self._flag("duplicate", f"{where}: seq {seq} got {n} times", *again)
        for r in recvs:
            if r.seq <= run.start:
                self._flag("duplicate", f"{where}: seq {r.seq} got, run from {run.start + 1}", r)
        first: list[Recv] = []  # each seq's first delivery
        firsts: set[int] = set()
        for r in recvs:
            if r.seq > run.start and r.seq not in firsts:
                first.append(r)
                firsts.add(r.seq)
        for a, b in pairwise(first):
            if b.seq < a.seq:
                self._flag("reorder", f"{where}: seq {b.seq} after {a.seq}", a, b)
        missing = sorted(set(range(run.start + 1, run.last + 1)) - set(seen))
        if missing:
            after = next((r for r in recvs if r.seq > missing[0]), None)
            shown = _spans(missing)
            self._flag("gap", f"{where}: run from {run.start + 1} missed {shown}", after)

    def _recv(self, r: Recv) -> None:
        self.report.counts["recvs"] += 1
        log = self.logs.get(r.stream)
        if log is None:
            self._flag("phantom_delivery", f"{r.stream}: no log of this stream", r)
            return
        event = log.get(r.seq)
        if event is None:
            self._flag("phantom_delivery", f"{r.stream}: seq {r.seq} not in its log", r)
            return
        if identity(r.event) != identity(event):
            logged = {"stream": r.stream, "seq": r.seq, "event": event}
            self._flag("disagreement", f"{r.stream}:{r.seq} differs from the log's", r, logged)
        run = self.runs.get(r.stream)
        if run is not None and (not run.left or r.seq <= run.last):
            run.recvs.append(r)
        elif self.user is None or _join_start(log, r.seq, self.user):
            if run is not None:
                self._end(run)
            run = self.runs[r.stream] = Run(r.stream, r.seq - 1, [r])
        else:
            why = "after its leave" if run is not None else "never joined"
            self._flag("not_member", f"{r.stream}:{r.seq} got {why}", r)
            return
        if self.user is not None and is_leave(event, self.user):
            run.left = True

    # -- sessions -------------------------------------------------------------------------

    def _resume(self, hello: Session, had: dict[str, int]) -> None:
        """A resumed session starts each stream where the receiver had got, but where its
        person joined (again) since: there, at that join."""
        user = self.user
        for stream, pos in sorted(had.items()):
            log = self.logs[stream]
            at = hello.cursor.get(stream)
            if at is None:
                left = user is not None and any(
                    is_leave(log.get(seq), user) for seq in range(pos + 1, _end(log) + 1)
                )
                if not left:
                    self._flag("resume_skipped", f"{stream}: had {pos}, resumed without it", hello)
            elif at < pos:
                self._flag("resume_repeated", f"{stream}: had {pos}, resumed at {at}", hello)
            elif at > pos and not (
                user is not None
                and _join_start(log, at + 1, user)
                and any(is_leave(log.get(seq), user) for seq in range(pos + 1, at + 1))
            ):
                self._flag("resume_skipped", f"{stream}: had {pos}, resumed at {at}", hello)
        for stream, at in sorted(hello.cursor.items()):
            joined = self.logs.get(stream)
            if stream in had or joined is None or user is None or _join_start(joined, at + 1, user):
                continue
            self._flag("resume_skipped", f"{stream}: resumed at {at}, not at a join", hello)

    def _goodbye(self, resync: Resync) -> None:
        """A resync mid-session is a `goodbye` whose cursor names the last frame written to the
        socket: the receiver got every frame before it, so it must have got that far."""
        for stream, run in sorted(self.runs.items()):
            at = resync.cursor.get(stream)
            if at is not None and not run.left and at > run.last:
                self._flag("gap", f"{stream}: goodbye at {at}, got to {run.last}", resync)

    def _quiet(self, quiet: Quiet) -> None:
        for stream, run in sorted(self.runs.items()):
            end = _end(self.logs[stream])
            if not run.left and run.last < end:
                self._flag("undelivered", f"{stream}: quiet at {run.last} of {end}", quiet)

    def _flag(self, kind: str, detail: str, *evidence: Any) -> None:
        self.report.add(kind, f"{self.name} {detail}", *(e for e in evidence if e is not None))


def _end(log: Log) -> int:
    return max(log, default=0)


def _join_start(log: Log, seq: int, user: str) -> bool:
    """seq is the first event a join of user logged."""
    return is_join(log.get(seq), user) and not is_join(log.get(seq - 1), user)


def _spans(seqs: list[int]) -> str:
    spans: list[str] = []
    start = prev = seqs[0]
    for seq in [*seqs[1:], None]:
        if seq is not None and seq == prev + 1:
            prev = seq
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        if seq is not None:
            start = prev = seq
    return ",".join(spans)
