"""Rules 1-4: what each channel holds once quiet, against what the workload was answered.

Edits and deletes are taken in the order their Ops were recorded: only a message's author may
edit or delete it, and a workload client makes one call at a time, so that is the order they
were made in."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hubbub_chaos.events import JOIN_SUBTYPES, LEAVE_SUBTYPES, is_new_message
from hubbub_chaos.history import Final, Message, Op
from hubbub_chaos.report import Report

POSTS = ("post", "reply")
TOMBSTONE = "tombstone"


@dataclass(slots=True)
class ChannelOps:
    """One channel's Ops, by what they act on."""

    posts: dict[str, list[Op]] = field(default_factory=lambda: defaultdict(list))  # by cmid
    edits: dict[str, list[Op]] = field(default_factory=lambda: defaultdict(list))  # by ts
    deletes: dict[str, list[Op]] = field(default_factory=lambda: defaultdict(list))  # by ts
    joins: Counter[str] = field(default_factory=Counter)  # user -> joins not refused
    leaves: Counter[str] = field(default_factory=Counter)


def by_channel(ops: list[Op]) -> dict[str, ChannelOps]:
    found: dict[str, ChannelOps] = defaultdict(ChannelOps)
    for op in ops:
        ch = found[op.channel]
        if op.op in POSTS and op.cmid is not None:
            ch.posts[op.cmid].append(op)
        elif op.op == "edit" and op.ts is not None:
            ch.edits[op.ts].append(op)
        elif op.op == "delete" and op.ts is not None:
            ch.deletes[op.ts].append(op)
        elif op.op in ("join", "leave") and op.user is not None and op.outcome != "fail":
            (ch.joins if op.op == "join" else ch.leaves)[op.user] += 1
    return found


def check_messages(ops: list[Op], finals: list[Final], report: Report) -> None:
    channels = by_channel(ops)
    for final in finals:
        check_log(final, report)
        check_channel(final, channels.get(final.channel, ChannelOps()), report)
    for channel, ch in channels.items():
        if ch.posts and not any(f.channel == channel for f in finals):
            for attempts in ch.posts.values():
                if any(op.outcome == "ok" for op in attempts):
                    report.add("lost", f"{channel}: acknowledged, and no Final", attempts[-1])


def check_log(final: Final, report: Report) -> None:
    """Rule 4: seq 1..n, no hole, no repeat."""
    seqs = [seq for seq, _ in final.log]
    if seqs == list(range(1, len(seqs) + 1)):
        return
    seen = Counter(seqs)
    missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
    repeated = sorted(seq for seq, n in seen.items() if n > 1)
    disorder = [b for a, b in pairwise(seqs) if b < a]
    # The entries either side of the first thing wrong, to read it by.
    first = min([*missing, *repeated, *disorder])
    near = [
        {"stream": final.channel, "seq": seq, "event": event}
        for seq, event in final.log
        if first - 1 <= seq <= first + 1
    ]
    report.add(
        "log_hole",
        f"{final.channel}: log of {len(seqs)} events, missing {missing[:10]}, "
        f"repeated {repeated[:10]}, out of order at {disorder[:10]}",
        *near,
    )


def check_channel(final: Final, ch: ChannelOps, report: Report) -> None:
    c = final.channel
    held: dict[str, list[Message]] = defaultdict(list)
    for m in final.messages:
        if m.cmid is not None:
            held[m.cmid].append(m)

    logged: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seq, event in final.log:
        if is_new_message(event) and event.get("client_msg_id") is not None:
            logged[event["client_msg_id"]].append({"stream": c, "seq": seq, "event": event})

    for cmid, found in held.items():
        posts = ch.posts.get(cmid, [])
        if len(found) > 1:
            report.add("doubled", f"{c}: {cmid} held {len(found)} times", *found, *posts)
        elif any(op.outcome != "fail" for op in posts) and not any(
            e["event"].get("ts") == found[0].ts for e in logged.get(cmid, [])
        ):  # (a phantom or a refused post's trace is its own kind)
            report.add("unlogged", f"{c}: {cmid} at {found[0].ts} held, never logged", *found)
    for cmid, entries in logged.items():
        if len(entries) > 1:
            report.add("doubled", f"{c}: {cmid} logged {len(entries)} times", *entries)

    for cmid, attempts in ch.posts.items():
        if all(op.outcome == "fail" for op in attempts):
            if cmid in held:
                report.add("fail_trace", f"{c}: {cmid} refused, yet held", *attempts, *held[cmid])
            continue
        acked = [op for op in attempts if op.outcome == "ok"]
        if acked:
            _acknowledged(c, acked[-1], held.get(cmid, []), ch, report)
        for m in held.get(cmid, [])[:1]:
            _text(c, m, attempts, ch, report)

    _phantoms(final, ch, report)


def _acknowledged(c: str, ok: Op, found: list[Message], ch: ChannelOps, report: Report) -> None:
    """Rule 1 for one acknowledged post."""
    ts = ok.result_ts
    deleted = [d for d in ch.deletes.get(ts or "", []) if d.outcome == "ok"]
    if deleted:
        if found:
            report.add(
                "undeleted", f"{c}: {ok.cmid} at {ts} deleted, yet held", ok, *deleted, *found
            )
        return
    if not found:
        if not any(d.outcome == "unknown" for d in ch.deletes.get(ts or "", [])):
            report.add("lost", f"{c}: {ok.cmid} acknowledged at {ts}, not held", ok)
        return
    m = found[0]
    if m.ts != ts:
        report.add("lost", f"{c}: {ok.cmid} acknowledged at {ts}, held at {m.ts}", ok, m)
    elif ok.op == "reply" and m.thread_ts != ok.ts:
        report.add("lost", f"{c}: reply {ok.cmid} to {ok.ts}, held in {m.thread_ts}", ok, m)


def _text(c: str, m: Message, attempts: list[Op], ch: ChannelOps, report: Report) -> None:
    """The text of the last acknowledged edit (with none, the posted text), or of any edit with
    no answer. An edit without an answer may take effect at any moment after it began, also
    after edits acknowledged since: its client stopped waiting, not the server (a unit held
    up by a partition may commit when it heals; the server's write deadline makes that rare,
    not impossible: services/deadlines.py)."""
    edits = ch.edits.get(m.ts, [])
    posted = next((op.text for op in attempts if op.text is not None), None)
    last_ok = max((i for i, e in enumerate(edits) if e.outcome == "ok"), default=-1)
    allowed = {edits[last_ok].text if last_ok >= 0 else posted}
    allowed |= {e.text for e in edits if e.outcome == "unknown"}
    if m.text not in allowed:
        shown = " or ".join(sorted(repr(t) for t in allowed))
        report.add(
            "stale_text", f"{c}: {m.cmid} at {m.ts} reads {m.text!r}, not {shown}", m, *edits
        )


def _phantoms(final: Final, ch: ChannelOps, report: Report) -> None:
    """Rule 3 and the log's half of rule 4: every message held, and every new message logged,
    is a post's (by cmid) or accounted by a join, a leave or a delete."""
    c = final.channel
    refused = {cmid for cmid, a in ch.posts.items() if all(op.outcome == "fail" for op in a)}
    gone = {ts for ts, ds in ch.deletes.items() if any(d.outcome != "fail" for d in ds)}
    for where, items in (
        ("held", [(asdict_message(m), m) for m in final.messages]),
        (
            "logged",
            [(_as_message(e), {"seq": s, "event": e}) for s, e in final.log if is_new_message(e)],
        ),
    ):
        joins, leaves = Counter(ch.joins), Counter(ch.leaves)
        for m, evidence in items:
            cmid, subtype, user = m.get("cmid"), m.get("subtype"), str(m.get("user"))
            if cmid is not None:
                if cmid in refused and where == "logged":
                    report.add("fail_trace", f"{c}: {cmid} refused, yet logged", evidence)
                elif cmid not in ch.posts:
                    report.add("phantom", f"{c}: {where} {cmid}, never posted here", evidence)
                continue
            if subtype in JOIN_SUBTYPES and joins[user] > 0:
                joins[user] -= 1
            elif subtype in LEAVE_SUBTYPES and leaves[user] > 0:
                leaves[user] -= 1
            elif subtype == TOMBSTONE and m.get("ts") in gone and where == "held":
                pass
            else:
                report.add("phantom", f"{c}: {where} message without cmid, unaccounted", evidence)


def asdict_message(m: Message) -> dict[str, Any]:
    return {"cmid": m.cmid, "subtype": m.subtype, "user": m.user, "ts": m.ts}


def _as_message(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "cmid": event.get("client_msg_id"),
        "subtype": event.get("subtype"),
        "user": event.get("user"),
        "ts": event.get("ts"),
    }
