"""The history checker: a pure function of a run's records (history.py) to a Report of what
was counted and which promises were broken (report.py KINDS), each with the records showing it.

- check_messages: every acknowledged post held once, where it was answered, with its final
  text; nothing doubled, nothing unaccounted; each log seq 1..n (rules 1-4).
- check_reactions: each message's reactions are what its react and unreact Ops left.
- check_streams: each receiver's runs of each stream are gap-free, duplicate-free, in order and
  equal to the log; resumes continue where the receiver had got; resyncs counted (rules 5-6).
- check_effects: each effect once in effect; none for what history lacks; none owed missing
  (rule 7)."""

from __future__ import annotations

from collections.abc import Iterable

from hubbub_chaos.check_effects import check_effects
from hubbub_chaos.check_messages import POSTS, check_messages
from hubbub_chaos.check_reactions import check_reactions
from hubbub_chaos.check_streams import check_streams
from hubbub_chaos.history import Fault, Final, Op, Record
from hubbub_chaos.report import Report


def check(records: Iterable[Record]) -> Report:
    records = list(records)
    ops = [r for r in records if isinstance(r, Op)]
    finals = [r for r in records if isinstance(r, Final)]
    report = Report()
    for op in ops:
        report.counts[f"ops_{op.outcome}"] += 1
    acked = {(op.channel, op.cmid) for op in ops if op.op in POSTS and op.outcome == "ok"}
    report.counts["posts_acknowledged"] += len(acked)
    report.counts["faults"] += sum(isinstance(r, Fault) for r in records)
    report.counts["finals"] += len(finals)
    check_messages(ops, finals, report)
    check_reactions(ops, finals, report)
    check_streams(records, finals, report)
    check_effects(records, finals, report)
    return report
