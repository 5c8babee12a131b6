"""The fault schedule (hubbub_chaos/faults.py): a pure function of its seed."""

from __future__ import annotations

from hubbub_chaos.faults import LONG_STOPS, Timings, from_json, kinds_of, schedule, to_json


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    first = schedule(7, ["serve"], [], 60, 6)
    assert first == schedule(7, ["serve"], [], 60, 6)
    assert first != schedule(8, ["serve"], [], 60, 6)


def test_a_schedule_survives_its_json() -> None:
    steps = schedule(3, ["serve-0", "redis"], [("serve-0", "redis")], 90, 8)
    assert from_json(to_json(3, steps, deployment="cluster")) == (3, steps)


def test_each_fault_is_undone_before_the_next_one_and_within_the_run() -> None:
    timings = Timings()
    for seed in range(50):
        steps = schedule(seed, ["serve"], [], 60, 5, timings)
        assert len(steps) == 10, seed
        opened = [s for s in steps if s.action in ("kill", "stop")]
        closed = [s for s in steps if s.action in ("restart", "cont")]
        assert [s.action for s in steps[::2]] == [s.action for s in opened]
        for fault, undo in zip(opened, closed, strict=True):
            assert {"kill": "restart", "stop": "cont"}[fault.action] == undo.action
        times = [s.at for s in steps]
        assert times == sorted(times)
        assert timings.lead <= times[0] and times[-1] <= 60 - timings.tail
        for undo, fault in zip(steps[1::2], steps[2::2], strict=False):
            assert fault.at - undo.at >= timings.gap


def test_pauses_last_as_long_as_their_kind_says() -> None:
    for seed in range(50):
        steps = schedule(seed, ["serve"], [], 120, 6)
        for fault, undo in zip(steps[::2], steps[1::2], strict=True):
            low, high = Timings().stop if fault.action == "stop" else Timings().kill_down
            assert low - 0.001 <= undo.at - fault.at <= high + 0.001
    long = schedule(1, ["serve"], [], 400, 3, LONG_STOPS, kinds=["stop"])
    assert all(undo.at - stop.at >= 70 for stop, undo in zip(long[::2], long[1::2], strict=True))


def test_the_embedded_deployment_gets_kills_and_stops_and_never_a_partition() -> None:
    seen: set[str] = set()
    for seed in range(20):
        seen |= kinds_of(schedule(seed, ["serve"], [], 60, 5))
    assert seen == {"kill", "stop"}
    with_links = set().union(
        *(kinds_of(schedule(s, ["a", "b"], [("a", "b")], 90, 6)) for s in range(20))
    )
    assert with_links == {"kill", "stop", "partition", "delay"}
    delays = [s for s in schedule(5, [], [("a", "b")], 200, 10, kinds=["delay"])]
    assert delays and all(s.ms > 0 for s in delays if s.action == "delay")


def test_episodes_that_do_not_fit_are_left_out_and_nothing_is_made_of_nothing() -> None:
    assert schedule(1, ["serve"], [], 10, 20, kinds=["stop"]) == []  # 6 s: no 6 s stop fits
    assert 0 < len(schedule(1, ["serve"], [], 30, 20)) < 40  # as many as fit
    assert schedule(1, [], [], 60, 5) == []
    assert schedule(1, ["serve"], [], 60, 0) == []
