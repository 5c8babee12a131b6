"""The reactions each message holds once quiet, against the react and unreact Ops made on it.

Per (message, emoji, person) the Ops are taken in the order recorded (one person's client makes
one call at a time): after the last acknowledged one, the reaction is there if that was a react
and gone if an unreact; an unanswered Op after it may have flipped it either way. With none
acknowledged, it is absent unless an unanswered react may have added it. A refused Op changes
nothing. A reaction held that no Op made is a phantom of its own kind. Ops without `user` are
not attributable; a channel with any is left unchecked."""

from __future__ import annotations

from collections import defaultdict

from hubbub_chaos.history import Final, Op
from hubbub_chaos.report import Report

Key = tuple[str, str, str]  # ts, emoji, user


def check_reactions(ops: list[Op], finals: list[Final], report: Report) -> None:
    made: dict[str, dict[Key, list[Op]]] = defaultdict(lambda: defaultdict(list))
    blind: set[str] = set()
    for op in ops:
        if op.op in ("react", "unreact") and op.ts is not None and op.name is not None:
            if op.user is None:
                blind.add(op.channel)
            else:
                made[op.channel][op.ts, op.name, op.user].append(op)
    for final in finals:
        if final.channel in blind:
            continue
        c, by_key = final.channel, made.get(final.channel, {})
        for m in final.messages:
            held = {(m.ts, name, user) for name, users in m.reactions.items() for user in users}
            keys = set(held)
            if m.subtype != "tombstone":  # a deleted parent's placeholder keeps no reactions
                keys |= {k for k in by_key if k[0] == m.ts}
            for key in sorted(keys):
                can = _possible(by_key.get(key, []))
                if (key in held) not in can:
                    state = "held" if key in held else "missing"
                    what = f"{c}: reaction {key[1]} of {key[2]} on {m.ts} {state}"
                    report.add("reactions", what, m, *by_key.get(key, []))


def _possible(ops: list[Op]) -> set[bool]:
    """Whether the reaction may be there, after these Ops in their order."""
    states = {False}
    for op in ops:
        if op.outcome == "ok":
            states = {op.op == "react"}
        elif op.outcome == "unknown":
            states |= {op.op == "react"}
    return states
