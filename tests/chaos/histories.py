"""Histories for the checker's tests, written by a small model of a correct deployment: the
model keeps each channel's log and messages and serves its receivers as the gateway does
(docs/realtime.md), recording what a harness would. A test then breaks one thing in the records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hubbub_chaos.history import (
    Effect,
    Fault,
    Final,
    Message,
    Op,
    OpKind,
    Outcome,
    Quiet,
    Record,
    Recv,
    Resync,
    Session,
    Sink,
)

TEAM = "T1"
TOMBSTONE_TEXT = "This message was deleted."


@dataclass(slots=True)
class Receiver:
    name: str
    user: str
    session: int = 0
    connected: bool = False
    follow: dict[str, int] = field(default_factory=dict)  # stream -> last seq delivered
    joins: dict[str, int] = field(default_factory=dict)  # stream -> start of a join to follow


class World:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.logs: dict[str, list[dict[str, Any]]] = {TEAM: []}
        self.held: dict[str, dict[str, Message]] = {}  # channel -> ts -> message
        self.members: dict[str, set[str]] = {}
        self.receivers: dict[str, Receiver] = {}
        self.sinks: dict[str, Sink] = {}
        self._n = 0
        self._t = 0.0

    # -- clock and log ---------------------------------------------------------------------

    def _ts(self) -> str:
        self._n += 1
        return f"1700000000.{self._n:06d}"

    def _tick(self) -> float:
        self._t += 1.0
        return self._t

    def _log(self, stream: str, event: dict[str, Any]) -> int:
        self.logs[stream].append(event)
        return len(self.logs[stream])

    def _op(self, op: OpKind, client: str, channel: str, outcome: Outcome, **kw: Any) -> None:
        t = self._tick()
        self.records.append(Op(op, client, channel, outcome, t, t, **kw))

    # -- the workload ---------------------------------------------------------------------

    def channel(self, channel: str, *users: str) -> None:
        self.logs[channel] = []
        self.held[channel] = {}
        self.members[channel] = set()
        self._log(TEAM, {"type": "channel_created", "channel": {"id": channel}})
        for user in users:
            self.join(channel, user, client="setup")

    def post(
        self,
        client: str,
        channel: str,
        cmid: str,
        text: str,
        *,
        outcomes: Sequence[Outcome] = ("ok",),
        lands: int | None = None,
        thread: str | None = None,
    ) -> str | None:
        """Attempts of one post, one Op each. The message is made by attempt `lands` (default:
        the first ok); an ok answers its ts, made then or before (the server's cmid check)."""
        if lands is None:
            lands = next((i for i, o in enumerate(outcomes) if o == "ok"), None)
        ts: str | None = None
        for i, outcome in enumerate(outcomes):
            if i == lands and outcome != "fail" and ts is None:
                ts = self._ts()
                event = {"type": "message", "channel": channel, "user": client, "text": text}
                event |= {"ts": ts, "client_msg_id": cmid}
                if thread is not None:
                    event["thread_ts"] = thread
                self._log(channel, event)
                self.held[channel][ts] = Message(ts, text, cmid, thread_ts=thread, user=client)
            kind: OpKind = "post" if thread is None else "reply"
            result = ts if outcome == "ok" else None
            self._op(
                kind, client, channel, outcome, cmid=cmid, ts=thread, text=text, result_ts=result
            )
        return ts

    def edit(
        self,
        client: str,
        channel: str,
        ts: str,
        text: str,
        outcome: Outcome = "ok",
        lands: bool | None = None,
    ) -> None:
        if _lands(outcome, lands):
            self.edit_lands(channel, ts, text)
        self._op("edit", client, channel, outcome, ts=ts, text=text)

    def edit_lands(self, channel: str, ts: str, text: str) -> None:
        """An edit takes effect: at its Op, or later for one without an answer."""
        old = self.held[channel][ts]
        self.held[channel][ts] = replace(old, text=text)
        message = {"ts": ts, "text": text, "client_msg_id": old.cmid}
        event = {"type": "message", "subtype": "message_changed", "channel": channel}
        self._log(channel, event | {"ts": self._ts(), "message": message})

    def delete(
        self, client: str, channel: str, ts: str, outcome: Outcome = "ok", lands: bool | None = None
    ) -> None:
        if _lands(outcome, lands):
            old = self.held[channel].pop(ts)
            if any(m.thread_ts == ts for m in self.held[channel].values()):
                self.held[channel][ts] = Message(ts, TOMBSTONE_TEXT, None, subtype="tombstone")
            event = {"type": "message", "subtype": "message_deleted", "channel": channel}
            self._log(channel, event | {"ts": self._ts(), "deleted_ts": ts, "user": old.user})
        self._op("delete", client, channel, outcome, ts=ts)

    def react(
        self,
        client: str,
        channel: str,
        ts: str,
        name: str,
        outcome: Outcome = "ok",
        lands: bool | None = None,
        *,
        remove: bool = False,
    ) -> None:
        """reactions.add (or, with remove, reactions.remove) by the client's person."""
        old = self.held[channel][ts]
        users = old.reactions.get(name, [])
        if _lands(outcome, lands) and (client in users) == remove:
            users = [u for u in users if u != client] if remove else [*users, client]
            reactions = {k: v for k, v in {**old.reactions, name: users}.items() if v}
            self.held[channel][ts] = replace(old, reactions=reactions)
            item = {"type": "message", "channel": channel, "ts": ts}
            kind = "reaction_removed" if remove else "reaction_added"
            self._log(channel, {"type": kind, "user": client, "reaction": name, "item": item})
        op: OpKind = "unreact" if remove else "react"
        self._op(op, client, channel, outcome, ts=ts, name=name, user=client)

    def join(self, channel: str, user: str, outcome: Outcome = "ok", client: str = "") -> None:
        if outcome == "ok":
            ts = self._ts()
            text = f"<@{user}> has joined the channel"
            event = {"type": "message", "subtype": "channel_join", "channel": channel}
            start = self._log(channel, event | {"user": user, "text": text, "ts": ts}) - 1
            self._log(channel, {"type": "member_joined_channel", "channel": channel, "user": user})
            self.held[channel][ts] = Message(ts, text, None, subtype="channel_join", user=user)
            self.members[channel].add(user)
            for rx in self.receivers.values():
                if rx.user != user:
                    continue
                if rx.connected and channel not in rx.follow:
                    rx.follow[channel] = start  # the join notice
                else:
                    rx.joins[channel] = start  # after the leave is passed on, or on resume
        self._op("join", client or user, channel, outcome, user=user)

    def leave(self, channel: str, user: str, outcome: Outcome = "ok") -> None:
        if outcome == "ok":
            ts = self._ts()
            text = f"<@{user}> has left the channel"
            event = {"type": "message", "subtype": "channel_leave", "channel": channel}
            self._log(channel, event | {"user": user, "text": text, "ts": ts})
            self._log(channel, {"type": "member_left_channel", "channel": channel, "user": user})
            self.held[channel][ts] = Message(ts, text, None, subtype="channel_leave", user=user)
            self.members[channel].discard(user)
            for rx in self.receivers.values():
                if rx.user == user:
                    rx.joins.pop(channel, None)
        self._op("leave", user, channel, outcome, user=user)

    def fault(self, action: str, target: str) -> None:
        self.records.append(Fault(action, target, self._tick()))

    # -- receivers ------------------------------------------------------------------------

    def receiver(self, name: str, user: str) -> None:
        self.receivers[name] = Receiver(name, user)

    def heads(self, user: str) -> dict[str, int]:
        cursor = {TEAM: len(self.logs[TEAM])}
        cursor |= {c: len(self.logs[c]) for c, who in self.members.items() if user in who}
        return cursor

    def connect(self, name: str, *, resume: bool = True, resync: bool = False) -> None:
        """A socket opens: fresh at the heads, resumed where the receiver had got (a stream
        joined since from its join), or resumed and told to resync."""
        rx = self.receivers[name]
        rx.session += 1
        rx.connected = True
        resumed = resume and rx.session > 1
        if resumed and not resync:
            cursor = dict(rx.follow)
            for channel, start in rx.joins.items():
                if start > cursor.get(channel, -1):
                    cursor[channel] = start
        else:
            cursor = self.heads(rx.user)
        rx.joins = {}
        rx.follow = dict(cursor)
        t = self._tick()
        self.records.append(Session(name, rx.session, resumed, cursor, t, user=rx.user))
        if resync:
            self.records.append(Resync(name, rx.session, dict(cursor), self._tick()))

    def goodbye(self, name: str) -> None:
        """`goodbye` with reason resync_required, naming the last frame written; a close."""
        rx = self.receivers[name]
        self.records.append(Resync(name, rx.session, dict(rx.follow), self._tick()))
        rx.connected = False

    def disconnect(self, name: str) -> None:
        self.receivers[name].connected = False

    def step(self, name: str, stream: str) -> bool:
        """The next event of a stream to a connected receiver; False if it has them all."""
        rx = self.receivers[name]
        pos = rx.follow.get(stream)
        if not rx.connected or pos is None or pos >= len(self.logs[stream]):
            return False
        event = self.logs[stream][pos]
        self.records.append(Recv(name, rx.session, stream, pos + 1, dict(event), self._tick()))
        rx.follow[stream] = pos + 1
        if event.get("type") == "member_left_channel" and event.get("user") == rx.user:
            del rx.follow[stream]
            if stream in rx.joins:
                rx.follow[stream] = rx.joins.pop(stream)
        return True

    def deliver(self, name: str, stream: str | None = None) -> None:
        """Everything owed, stream by stream."""
        for s in [stream] if stream else list(self.receivers[name].follow):
            while self.step(name, s):
                pass

    def quiet(self) -> None:
        for name, rx in self.receivers.items():
            if not rx.connected:
                self.connect(name)
            while rx.follow and any(self.step(name, s) for s in list(rx.follow)):
                pass
            self.records.append(Quiet(name, rx.session, self._tick()))

    # -- effects and the end --------------------------------------------------------------

    def sink(self, name: str, dedup: bool, *owed: str) -> None:
        self.sinks[name] = Sink(name, dedup, list(owed))
        self.records.append(self.sinks[name])

    def effect(self, sink: str, channel: str, ts: str, times: int = 1) -> None:
        for _ in range(times):
            ref = f"{channel}:{ts}"
            self.records.append(Effect(sink, ref, ref, self._tick()))

    def owed_effects(self, repeat: Callable[[str], int] = lambda ref: 1) -> None:
        for sink in self.sinks.values():
            for channel in sink.owed:
                for m in self.held[channel].values():
                    if m.cmid is not None:
                        self.effect(sink.name, channel, m.ts, repeat(f"{channel}:{m.ts}"))

    def finish(self) -> list[Record]:
        finals: list[Record] = [
            Final(c, list(self.held.get(c, {}).values()), list(enumerate(log, 1)))
            for c, log in self.logs.items()
        ]
        return [*self.records, *finals]


def _lands(outcome: Outcome, lands: bool | None) -> bool:
    """Whether a call took effect: an ok one did, a refused one did not, one without an answer
    as the test says (by default not)."""
    return outcome == "ok" or (outcome == "unknown" and bool(lands))


# -- a correct history with a bit of everything -------------------------------------------


def scenario() -> World:
    """Three posters, three receivers; a retried post, an unanswered one that landed and one
    that did not, a refused one; edits (one unanswered), a delete, a reply, a reaction; a
    receiver that reconnects and resumes across a kill, one that joins a channel mid-run and
    later leaves one, one told to resync; Events API effects with repeats, an email."""
    w = World()
    for name, user in (("R1", "U1"), ("R2", "U2"), ("R3", "U3")):
        w.receiver(name, user)
    w.sink("events_http", True, "C1")
    w.sink("smtp", False)
    w.channel("C1", "P1", "P2", "U1", "U2")
    w.channel("C2", "P1", "P2", "U1")
    w.channel("C3", "P3")  # nobody receives it
    for name in ("R1", "R2", "R3"):
        w.connect(name)
    a = w.post("P1", "C1", "m1", "hello")
    b = w.post("P2", "C1", "m2", "hi", outcomes=("unknown", "ok"), lands=0)
    assert a and b
    w.effect("events_http", "C1", b)
    w.effect("smtp", "C1", a)
    w.deliver("R1")
    w.deliver("R2", "C1")
    w.fault("kill", "serve-0")
    w.disconnect("R1")
    w.post("P1", "C2", "m3", "landed", outcomes=("unknown",), lands=0)
    w.post("P2", "C2", "m4", "never landed", outcomes=("unknown",))
    w.post("P2", "C1", "m5", "refused", outcomes=("fail",))
    w.edit("P1", "C1", a, "hello, edited")
    w.edit("P1", "C1", a, "hello, again?", outcome="unknown")
    w.react("P2", "C1", a, "thumbsup")
    w.react("P1", "C1", a, "eyes")
    w.react("P1", "C1", a, "eyes", "unknown", lands=True, remove=True)
    w.post("P2", "C1", "m6", "a reply", thread=a)
    w.delete("P2", "C1", b)
    w.join("C2", "U2")
    w.fault("restart", "serve-0")
    w.connect("R1")
    w.deliver("R1")
    w.deliver("R2")
    w.post("P3", "C3", "m7", "elsewhere")
    w.leave("C1", "U2")
    w.post("P1", "C1", "m8", "after the leave")
    w.deliver("R2")
    w.disconnect("R3")
    w.connect("R3", resync=True)
    w.join("C1", "U3")
    w.post("P2", "C1", "m9", "welcome")
    w.deliver("R3")
    w.quiet()
    w.owed_effects(repeat=lambda ref: 2 if ref == f"C1:{a}" else 1)
    return w
