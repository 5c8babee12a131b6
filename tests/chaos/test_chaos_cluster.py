"""`hubbub chaos run --deployment cluster`, short: three serves, a worker, two PostgreSQL shards
and Redis, each a process of the run's own, under the whole workload (posters and receivers
spread over both Web APIs, the Socket Mode app, the Events API and SMTP sinks), with one fault
of each kind the cluster adds: a serve killed, a link cut, Redis and a PostgreSQL shard
restarted at once. Healed, quiet, its final state read and its history checked.

The schedule is written out and replayed (--replay), so that it holds those four whatever the
seeds draw: pg-0 holds the directory and shard "a", where the run's workspace is (a new one goes
to the shard with the fewest, "a" first on a tie)."""

from __future__ import annotations

import itertools
from pathlib import Path

from hubbub_chaos.faults import Step, kinds_of, to_json
from hubbub_chaos.history import Fault, Op
from hubbub_chaos.run import Plan, run
from tests.chaos.finished import check_common, records_of

STEPS = [
    Step(2.0, "kill", "serve-0"),
    Step(3.0, "restart", "serve-0"),
    # serve-0 cannot reach the workspace's shard: its clients' requests there time out, and
    # they go to serve-1.
    Step(6.0, "partition", "serve-0|pg-0"),
    Step(11.0, "heal", "serve-0|pg-0"),
    Step(14.0, "kill", "redis"),
    Step(15.0, "restart", "redis"),
    Step(18.0, "kill", "pg-0"),
    Step(19.0, "restart", "pg-0"),
]


def test_a_serve_kill_a_cut_and_server_restarts_leave_the_promise_kept(tmp_path: Path) -> None:
    (tmp_path / "schedule.json").write_bytes(to_json(3, STEPS, deployment="cluster"))
    plan = Plan(
        seed=3,
        duration=23,
        deployment="cluster",
        replay=tmp_path / "schedule.json",
        out=tmp_path / "run",
    )
    result = run(plan)
    assert kinds_of(result.steps) == {"kill", "partition"}
    records = records_of(result)
    check_common(result, records)
    assert result.summary["deployment"] == "cluster"
    faults = [r for r in records if isinstance(r, Fault) and r.target != "*"]
    ops = [r for r in records if isinstance(r, Op)]
    for fault, undone in itertools.pairwise(faults):
        if fault.action not in ("kill", "partition"):
            continue
        # The workload went on across each: posts acknowledged from the fault to a second
        # after it was undone (on the other serve, or the same one back).
        during = [
            o
            for o in ops
            if o.op == "post" and o.outcome == "ok" and fault.t <= o.t_end <= undone.t + 1
        ]
        assert during, f"no post acknowledged during {fault.action} {fault.target}"
    # Through the cut and the kill of serve-0, its posters had no answer there, and were
    # answered by serve-1 (each try an Op, the unanswered ones unknown).
    assert any(o.outcome == "unknown" for o in ops)
