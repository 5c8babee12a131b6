"""The recorded history of a chaos run: what clients asked and were answered, what each socket
received, which faults were made, which external effects happened, and what the server holds
once the run is quiet. One JSON object a line (`history.jsonl` in the run's folder), written as
things happen, so that a run killed half way still leaves what it saw. The checker
(checker.py) is a pure function of these records.

Times are seconds on the harness's monotonic clock (`time.monotonic()`), for reading a history
only: the checker never decides by time. It decides by the order of the records, so each is
written when it happened (an Op when its answer came), and one receiver's records in the order its
socket gave them.

What the harness owes the checker beyond recording what it saw:
- Its setup is recorded too: the joins that put people in the channels (the creator's too,
  which conversations.create makes) and any post are Ops with client "setup", so every message
  the channels hold can be traced to an Op (a `channel_join` or `channel_leave` message names
  who; a post carries a client_msg_id). Nothing else may write messages there (a topic, a bot):
  only joins, leaves, posts, replies and deleted parents' tombstones are accounted for.
- react and unreact Ops carry `user` (who reacted), so a message's reactions can be checked.
- Final messages hold each message once: a thread's parent read by conversations.history and
  conversations.replies both is one message.
- A Final for every stream a receiver gets events on: each channel's, and the workspace's own
  (its id as `channel`, no messages), since a Recv on a stream without one is a violation.
- A Session's `user`, the person the socket is for: where a stream joined mid-run starts (their
  join) and which `member_left_channel` ends one.
- A Sink for each sink effects are recorded at: whether it deduplicates, and what it is owed.
- A Quiet per receiver still connected once the run is quiet: from then on its streams must be
  complete up to each log's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

# What a client call came to: "ok" (the server answered ok: true), "fail" (it answered an
# error: nothing happened), "unknown" (no answer: a timeout, a dropped connection, a 5xx; it may
# or may not have happened, and a poster tries again with the same client_msg_id).
Outcome = Literal["ok", "fail", "unknown"]
OpKind = Literal["post", "reply", "edit", "delete", "react", "unreact", "join", "leave"]


@dataclass(frozen=True, slots=True)
class Op:
    """One call of a workload client, recorded when it ended. A post retried after an unknown
    outcome is one Op per attempt, all with the same cmid."""

    op: OpKind
    client: str  # which workload client
    channel: str
    outcome: Outcome
    t_start: float
    t_end: float
    cmid: str | None = None  # client_msg_id: post and reply
    ts: str | None = None  # the message acted on (edit, delete, react, unreact; reply: thread)
    text: str | None = None  # post, reply, edit
    name: str | None = None  # react, unreact: the emoji
    user: str | None = None  # join, leave: who; react, unreact: who reacted
    result_ts: str | None = None  # post, reply: the ts answered
    error: str | None = None  # fail: Slack's error string; unknown: what happened
    kind: Literal["op"] = "op"


@dataclass(frozen=True, slots=True)
class Session:
    """A receiver's socket opened (RTM or Socket Mode): the cursor `hello` carried
    (`hubbub_cursor`, parsed into stream -> seq), and whether it resumed from its own."""

    receiver: str
    session: int  # 1, 2, ... per receiver
    resumed: bool
    cursor: dict[str, int]
    t: float
    # The person the socket is for ("U…"). Without it a stream first seen mid-session is taken
    # to start wherever it starts, and no leave ends one: a weaker check.
    user: str | None = None
    kind: Literal["session"] = "session"


@dataclass(frozen=True, slots=True)
class Recv:
    """An event a receiver's socket delivered with a position (`hubbub_cursor` "stream:seq");
    seq-0 frames (typing, ephemeral) are not recorded. `event` is the event as received, less
    `hubbub_cursor` and `event_ts`."""

    receiver: str
    session: int
    stream: str
    seq: int
    event: dict[str, Any]
    t: float
    kind: Literal["recv"] = "recv"


@dataclass(frozen=True, slots=True)
class Resync:
    """The server told a receiver it cannot be made whole (`resync_required`, or `goodbye` with
    reason resync_required): its streams restart at `cursor`. Counted, never a violation. One
    that is not the first record of its session after `hello` is taken for a `goodbye`, whose
    cursor names the last frame written: the receiver must have got that far."""

    receiver: str
    session: int
    cursor: dict[str, int]
    t: float
    kind: Literal["resync"] = "resync"


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault the schedule made, or its healing."""

    action: str  # "kill", "restart", "stop", "cont", "partition", "heal", "delay", ...
    target: str  # a process or link of the deployment ("serve-1", "redis", "pg-0", "serve-1|redis")
    t: float
    detail: str = ""
    kind: Literal["fault"] = "fault"


@dataclass(frozen=True, slots=True)
class Effect:
    """An external effect a background job made, as a sink saw it: an email at the SMTP sink,
    an Events API delivery at the HTTP sink, an event an app got over Socket Mode. `key` names
    the job's one effect (the Events API's event_id, a message's channel:ts); `ref` names what
    caused it (a message's "channel:ts"), so the checker can say which were owed."""

    sink: str  # "smtp", "events_http", "socket_mode"
    key: str
    ref: str
    t: float
    kind: Literal["effect"] = "effect"


@dataclass(frozen=True, slots=True)
class Sink:
    """What the checker must know of a sink, recorded once (at setup, or before the Finals):
    `dedup`: the sink is at-least-once and its receiver deduplicates by `key` (the Events API by
    event_id, Socket Mode by envelope or event id), so a key seen again is counted, not a
    violation; without it a key must be seen once. `owed`: channels each of whose Final messages
    with a client_msg_id (the workload's posts and replies) owes this sink an effect with ref
    "channel:ts"; one never seen is lost. A sink with effects but no Sink record is taken as
    deduplicating nothing and owed nothing."""

    name: str
    dedup: bool
    owed: list[str] = field(default_factory=list)
    kind: Literal["sink"] = "sink"


@dataclass(frozen=True, slots=True)
class Quiet:
    """The run is quiet (faults healed, the workload stopped, the harness waited) and this
    receiver's session is still open: every stream it follows must by now have reached the end
    of that stream's Final log. Written after the session's last Recv."""

    receiver: str
    session: int
    t: float
    kind: Literal["quiet"] = "quiet"


@dataclass(frozen=True, slots=True)
class Message:
    """A message as the server holds it once the run is quiet (conversations.history and
    conversations.replies, every page)."""

    ts: str
    text: str
    cmid: str | None
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)  # name -> users
    # What accounts for a message without a client_msg_id: "channel_join" or "channel_leave"
    # (of `user`, by a join or leave Op), "tombstone" (a thread's parent deleted).
    subtype: str | None = None
    user: str | None = None


@dataclass(frozen=True, slots=True)
class Final:
    """One channel's end state, read after healing and waiting for quiet: its messages, and
    its whole event log in seq order (a reader resuming from `stream:0`), which is the one
    order every receiver's stream must be a run of."""

    channel: str
    messages: list[Message]
    log: list[tuple[int, dict[str, Any]]]  # (seq, event), seq 1, 2, ...
    kind: Literal["final"] = "final"


Record = Op | Session | Recv | Resync | Fault | Effect | Sink | Quiet | Final
_KINDS: dict[str, Any] = {
    "op": Op,
    "session": Session,
    "recv": Recv,
    "resync": Resync,
    "fault": Fault,
    "effect": Effect,
    "sink": Sink,
    "quiet": Quiet,
}


def encode(record: Record) -> bytes:
    return orjson.dumps(asdict(record))


def decode(line: bytes) -> Record:
    data = orjson.loads(line)
    kind = data.get("kind")
    if kind == "final":
        messages = [Message(**m) for m in data["messages"]]
        log = [(int(seq), event) for seq, event in data["log"]]
        return Final(channel=data["channel"], messages=messages, log=log)
    if kind in ("session", "resync"):
        data["cursor"] = {k: int(v) for k, v in data["cursor"].items()}
    return _KINDS[kind](**data)  # type: ignore[no-any-return]


class Recorder:
    """Appends records to history.jsonl, a line at a time, flushed as written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("ab", buffering=0)

    def add(self, record: Record) -> None:
        self._file.write(encode(record) + b"\n")

    def close(self) -> None:
        self._file.close()


def read(path: Path) -> list[Record]:
    """A history file's records; a last line cut short by a killed harness is left out."""
    return list(_records(path.read_bytes().splitlines()))


def _records(lines: Iterable[bytes]) -> Iterator[Record]:
    lines = [line for line in lines if line.strip()]
    for n, line in enumerate(lines):
        try:
            yield decode(line)
        except (orjson.JSONDecodeError, KeyError, TypeError):
            if n == len(lines) - 1:
                return
            raise
