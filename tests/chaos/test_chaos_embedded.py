"""`hubbub chaos run` on the embedded deployment, short: one `hubbub serve` on SQLite killed
and stopped under the whole workload (posters, RTM receivers, a Socket Mode app, the Events API
and SMTP sinks), healed, quiet, its final state read and its history checked.

Two schedules: seed 1 kills early and stops twice (a kill leaves jobs leased for a job lease,
which the wait for quiet sits out: 15 s, the run capping job timeouts at 10 s); the second, replayed
from a schedule.json, only stops, past Socket Mode's and the Events API's 3 s timeouts."""

from __future__ import annotations

import itertools
from pathlib import Path

from hubbub_chaos.faults import kinds_of, schedule, to_json
from hubbub_chaos.history import Fault, Op, Recv, Session
from hubbub_chaos.run import Plan, run
from tests.chaos.finished import check_common, records_of


def test_kills_and_stops_leave_posts_unknown_and_receivers_resume(tmp_path: Path) -> None:
    result = run(Plan(seed=1, duration=30, faults=3, out=tmp_path / "run"))
    assert kinds_of(result.steps) == {"kill", "stop"}
    records = records_of(result)
    check_common(result, records)
    faults = [r for r in records if isinstance(r, Fault)]
    sessions = [r for r in records if isinstance(r, Session)]
    receivers = {s.receiver for s in sessions}
    for kill, restart in itertools.pairwise(faults):
        if kill.action != "kill":
            continue
        # Posts sent while the server was down had no answer, and were tried again.
        unknown = [
            r
            for r in records
            if isinstance(r, Op) and r.outcome == "unknown" and kill.t <= r.t_start <= restart.t
        ]
        assert unknown, "no post was in flight during the kill"
        # Every receiver resumed from its own cursor once the server was back (its first
        # session since the kill, which may open just before the restart is recorded), and
        # went on receiving in that session.
        for name in receivers:
            resumed = [s for s in sessions if s.receiver == name and s.t > kill.t]
            assert resumed and resumed[0].resumed, name
            assert any(
                isinstance(r, Recv) and r.receiver == name and r.session == resumed[0].session
                for r in records
            ), name


def test_a_replayed_stop_past_the_timeouts_leaves_every_receiver_whole(tmp_path: Path) -> None:
    # Run from a schedule.json (--replay), as a failing run's would be: its seed and steps are
    # the run's, whatever the plan's own seed says.
    steps = schedule(5, ["serve"], [], 14, 1, kinds=["stop"])
    (tmp_path / "schedule.json").write_bytes(to_json(5, steps))
    plan = Plan(seed=99, duration=14, replay=tmp_path / "schedule.json", out=tmp_path / "run")
    result = run(plan)
    assert (result.seed, result.steps) == (5, steps)
    assert kinds_of(result.steps) == {"stop"}
    records = records_of(result)
    check_common(result, records)
    # The stop outlasted the receivers' ping timeout: each reconnected and resumed.
    assert all(n >= 2 for n in result.summary["sessions"].values()), result.summary["sessions"]
    assert result.summary["figures"]["resumed_sessions"] >= len(result.summary["sessions"])
