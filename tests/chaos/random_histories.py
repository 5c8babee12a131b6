"""Random correct histories from the model (histories.py), and single mutations of one, each
breaking one promise, for the checker's property tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub_chaos.history import Final, Op, Outcome, Record, Recv
from tests.chaos.histories import World

# -- random correct histories -------------------------------------------------------------

POSTERS = ("P1", "P2", "P3")
RECEIVERS = {"R1": "U1", "R2": "U2", "R3": "U3"}
CHANNELS = ("C1", "C2")
ATTEMPTS: tuple[tuple[Outcome, ...], ...] = (
    ("ok",),
    ("ok",),
    ("unknown", "ok"),
    ("unknown",),
    ("fail",),
    ("fail", "ok"),
)


def random_world(rnd: Any, steps: int) -> World:
    """A run of random posts, replies, edits, deletes, reactions, joins and leaves, with
    receivers that disconnect, resume, start afresh or resync, and get their events at random
    moments; then quiet, and the effects owed (some twice)."""
    w = World()
    for name, user in RECEIVERS.items():
        w.receiver(name, user)
    w.sink("events_http", True, "C1")
    w.channel("C1", *POSTERS, "U1", "U2")
    w.channel("C2", *POSTERS, "U3")
    for name in RECEIVERS:
        w.connect(name)
    n = 0
    for _ in range(steps):
        action = rnd.choice(
            ["post", "post", "edit", "delete", "react", "member", "link", "deliver", "deliver"]
        )
        poster, channel = rnd.choice(POSTERS), rnd.choice(CHANNELS)
        rx = w.receivers[rnd.choice(list(RECEIVERS))]
        held = w.held[channel]
        posts = [m for m in held.values() if m.cmid is not None]
        own = [m for m in posts if m.user == poster]
        if action == "post":
            n += 1
            outcomes = rnd.choice(ATTEMPTS)
            lands = rnd.choice([0, None]) if outcomes[0] == "unknown" else None
            parents = [m.ts for m in posts if m.thread_ts is None]
            thread = rnd.choice(parents) if parents and rnd.random() < 0.3 else None
            w.post(
                poster, channel, f"m{n}", f"text {n}", outcomes=outcomes, lands=lands, thread=thread
            )
        elif action == "edit" and own:
            n += 1
            outcome: Outcome = rnd.choice(["ok", "ok", "unknown", "fail"])
            w.edit(poster, channel, rnd.choice(own).ts, f"edit {n}", outcome, rnd.random() < 0.5)
        elif action == "delete" and own:
            outcome = rnd.choice(["ok", "unknown", "fail"])
            w.delete(poster, channel, rnd.choice(own).ts, outcome, rnd.random() < 0.5)
        elif action == "react" and posts:
            m = rnd.choice(posts)
            name = rnd.choice(["a", "b"])
            remove = poster in m.reactions.get(name, [])
            outcome = rnd.choice(["ok", "ok", "unknown", "fail"])
            w.react(poster, channel, m.ts, name, outcome, rnd.random() < 0.5, remove=remove)
        elif action == "member":
            change = w.leave if rx.user in w.members[channel] else w.join
            change(channel, rx.user, rnd.choice(["ok", "ok", "ok", "fail"]))
        elif action == "link":
            if rx.connected and rnd.random() < 0.2:
                w.goodbye(rx.name)
            elif rx.connected:
                w.disconnect(rx.name)
                w.fault("kill", "serve-0")
            else:
                how = rnd.choice(["resume", "resume", "resume", "fresh", "resync"])
                w.connect(rx.name, resume=how != "fresh", resync=how == "resync")
        elif action == "deliver" and rx.follow:
            stream = rnd.choice(sorted(rx.follow))
            for _ in range(rnd.randint(1, 6)):
                w.step(rx.name, stream)
    w.quiet()
    w.owed_effects(repeat=lambda ref: rnd.choice([1, 1, 2]))
    return w


# -- single mutations, each a broken promise ----------------------------------------------


def recvs(records: list[Record]) -> list[int]:
    return [i for i, r in enumerate(records) if isinstance(r, Recv)]


def _same_run(a: Record, b: Record) -> bool:
    return (
        isinstance(a, Recv)
        and isinstance(b, Recv)
        and (a.receiver, a.session, a.stream) == (b.receiver, b.session, b.stream)
    )


def drop_recv(records: list[Record], rnd: Any) -> list[Record] | None:
    """A Recv lost, with a later one of the same stream in the same session (a loss at the very
    end of a session only shows at a resume, a Quiet, or not at all before a resync)."""
    found = [
        i
        for i in recvs(records)
        if any(_same_run(records[i], records[j]) for j in range(i + 1, len(records)))
    ]
    if not found:
        return None
    i = rnd.choice(found)
    return records[:i] + records[i + 1 :]


def duplicate_recv(records: list[Record], rnd: Any) -> list[Record] | None:
    found = recvs(records)
    if not found:
        return None
    i = rnd.choice(found)
    return [*records[: i + 1], records[i], *records[i + 1 :]]


def swap_recvs(records: list[Record], rnd: Any) -> list[Record] | None:
    """Two Recvs of one stream and session, given in the other order."""
    found = []
    for i in recvs(records):
        j = next((j for j in range(i + 1, len(records)) if _same_run(records[i], records[j])), None)
        if j is not None:
            found.append((i, j))
    if not found:
        return None
    i, j = rnd.choice(found)
    out = list(records)
    out[i], out[j] = out[j], out[i]
    return out


def alter_text(records: list[Record], rnd: Any) -> list[Record] | None:
    """A text changed: in an event a receiver got, or in a message the server holds."""
    found: list[tuple[int, int | None]] = [
        (i, None)
        for i in recvs(records)
        if "text" in records[i].event  # type: ignore[union-attr]
    ]
    for i, r in enumerate(records):
        if isinstance(r, Final):
            found += [(i, k) for k, m in enumerate(r.messages) if m.cmid is not None]
    if not found:
        return None
    i, k = rnd.choice(found)
    out = list(records)
    r = out[i]
    if isinstance(r, Recv):
        out[i] = replace(r, event={**r.event, "text": r.event["text"] + "!"})
    elif isinstance(r, Final) and k is not None:
        messages = list(r.messages)
        messages[k] = replace(messages[k], text=messages[k].text + "!")
        out[i] = replace(r, messages=messages)
    return out


def drop_post(records: list[Record], rnd: Any) -> list[Record] | None:
    """An acknowledged post's message gone from what the server holds."""
    ops = [r for r in records if isinstance(r, Op)]
    acked = {
        (op.channel, op.cmid) for op in ops if op.op in ("post", "reply") and op.outcome == "ok"
    }
    # A delete with no answer may have taken it: its absence would be no loss.
    doubtful = {(op.channel, op.ts) for op in ops if op.op == "delete" and op.outcome == "unknown"}
    found = [
        (i, k)
        for i, r in enumerate(records)
        if isinstance(r, Final)
        for k, m in enumerate(r.messages)
        if (r.channel, m.cmid) in acked and (r.channel, m.ts) not in doubtful
    ]
    if not found:
        return None
    i, k = rnd.choice(found)
    out = list(records)
    final = out[i]
    assert isinstance(final, Final)
    out[i] = replace(final, messages=final.messages[:k] + final.messages[k + 1 :])
    return out


MUTATIONS = {
    "drop_recv": drop_recv,
    "duplicate_recv": duplicate_recv,
    "swap_recvs": swap_recvs,
    "alter_text": alter_text,
    "drop_post": drop_post,
}
