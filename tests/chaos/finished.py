"""What every short chaos run in `make test` must show, whatever its deployment and schedule:
it got quiet, made its schedule, had a real workload, kept every acknowledged post, read every
log whole, every receiver stayed to the end, every sink had its deliveries, and the checker
passes the history."""

from __future__ import annotations

from hubbub_chaos.history import Effect, Fault, Final, Op, Quiet, Record, Recv, read
from hubbub_chaos.run import Result


def records_of(result: Result) -> list[Record]:
    return read(result.folder / "history.jsonl")


def check_common(result: Result, records: list[Record]) -> None:
    assert result.summary["quiet"]["quiet"], result.summary["quiet"]
    assert result.summary["final_trouble"] == []
    # Every step of the schedule was made, and recorded as a Fault.
    made = [(r.action, r.target) for r in records if isinstance(r, Fault) and r.target != "*"]
    assert made == [(s.action, s.target) for s in result.steps]
    ops = [r for r in records if isinstance(r, Op)]
    acked = {o.cmid: o for o in ops if o.op in ("post", "reply") and o.outcome == "ok"}
    assert len(acked) > 50
    assert {o.op for o in ops if o.outcome == "ok"} >= {"post", "reply", "edit", "react"}
    # Every conversation's final state (and the workspace stream's), its log whole from seq 1.
    finals = {r.channel: r for r in records if isinstance(r, Final)}
    assert set(finals) == {*result.summary["channels"], result.summary["team"]}
    for final in finals.values():
        assert [seq for seq, _ in final.log] == list(range(1, len(final.log) + 1))
    # An acknowledged post that nobody may have deleted is held once, with its cmid.
    deleted = {o.ts for o in ops if o.op == "delete"}
    held = [m.cmid for f in finals.values() for m in f.messages if m.cmid]
    for cmid, op in acked.items():
        if op.result_ts not in deleted:
            assert held.count(cmid) == 1, cmid
    # Every receiver was connected at the end, and said so after its last event.
    quiet = [r for r in records if isinstance(r, Quiet)]
    assert {q.receiver for q in quiet} == set(result.summary["sessions"])
    last_recv = max(i for i, r in enumerate(records) if isinstance(r, Recv))
    assert all(records.index(q) > last_recv for q in quiet)
    # The apps and the email sink had their deliveries; an email sent again (a kill between its
    # send and its record) came with the same Message-ID, which the checker deduplicates by.
    sinks = {r.sink for r in records if isinstance(r, Effect)}
    assert sinks == {"events_http", "socket_mode", "smtp"}
    assert result.summary["figures"]["emails_under_two_ids"] == 0
    # The checker passes the history: no violation of issue 22's promises.
    assert result.checked, result.report
    assert result.ok, result.report
