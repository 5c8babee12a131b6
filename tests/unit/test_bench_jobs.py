"""The pure parts of `hubbub bench jobs`: redis-benchmark's output, summaries, the target."""

from __future__ import annotations

from hubbub_bench.jobs import _notes
from hubbub_bench.jobstats import (
    JOBS_TARGET_RATIO,
    ceiling_of,
    in_window,
    jobs_result,
    latency_summary,
    parse_redis_benchmark,
    ratio,
    scenario_summary,
)

CSV = (
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",'
    '"p99_latency_ms","max_latency_ms"\n'
    '"XADD b:s * f v","153846.16","0.202","0.048","0.199","0.287","0.343","2.759"\n'
)
QUIET = (
    "XLEN b:s: rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)\r"
    "XLEN b:s: rps=120000.0 (overall: 118000.0) avg_msec=0.2 (overall: 0.2)\r"
    "XLEN b:s: 161290.33 requests per second, p50=0.183 msec\n"
)


def test_parses_the_csv_output() -> None:
    assert parse_redis_benchmark(CSV) == {"XADD b:s * f v": 153846.16}


def test_parses_the_quiet_output_past_its_progress_lines() -> None:
    assert parse_redis_benchmark(QUIET) == {"XLEN b:s": 161290.33}


def test_a_command_with_a_comma_in_csv_is_one_field() -> None:
    text = '"test","rps"\n"SET k a,b","90000.00"\n'
    assert parse_redis_benchmark(text) == {"SET k a,b": 90000.0}


def test_nothing_parsable_is_no_rate() -> None:
    assert parse_redis_benchmark("") == {}
    assert parse_redis_benchmark("Could not connect to Redis at 127.0.0.1:6379\n") == {}
    assert parse_redis_benchmark('"test","rps"\n"XADD","n/a"\n') == {}


def test_the_ceiling_is_the_lower_rate() -> None:
    assert ceiling_of({"xadd": 150_000.0, "xreadgroup": 96_000.0}) == 96_000.0
    assert ceiling_of({}) == 0.0


def test_ratio_with_and_without_a_ceiling() -> None:
    assert ratio(30_000, 100_000) == 0.3
    assert ratio(30_000, 0) == 0.0


def test_latencies_in_ms_and_only_those_started_in_the_window() -> None:
    notes = [(5, 100), (10, 1000), (15, 2000), (20, 3000)]
    assert in_window(notes, 10, 20) == [1000, 2000]
    summary = latency_summary([3000, 1000, 2000])
    assert summary["samples"] == 3
    assert summary["p50_ms"] == 2.0 and summary["p99_ms"] == 3.0 and summary["max_ms"] == 3.0
    assert latency_summary([])["p99_ms"] == 0.0


def test_notes_from_the_workers_list() -> None:
    assert _notes([b"1700:250", "1800:300"]) == [(1700, 250), (1800, 300)]


def test_scenario_summary_rates_and_cpu_per_job() -> None:
    side = scenario_summary(
        done=4000,
        enqueued=5000,
        window_s=2.0,
        latencies_us=[1000.0],
        cpu_pct={"bench": 80.0, "other": 5.0},
    )
    assert side["jobs_per_s"] == 2000.0 and side["enqueued_per_s"] == 2500.0
    assert side["cpu_ms_per_job"] == 0.4  # 0.8 core-seconds a second over 2,000 jobs
    empty = scenario_summary(done=0, enqueued=0, window_s=0, latencies_us=[], cpu_pct={})
    assert empty["jobs_per_s"] == 0.0 and "cpu_ms_per_job" not in empty


def _side(rate: float) -> dict[str, object]:
    return scenario_summary(
        done=int(rate), enqueued=int(rate), window_s=1.0, latencies_us=[], cpu_pct={}
    )


def test_the_target_is_judged_per_scenario() -> None:
    ceiling = {"ops_per_s": 100_000.0, "cpu_pct": {"other": 1.0}}
    result = jobs_result(
        ceiling=ceiling,
        scenarios={"embedded": _side(10_000), "redis, 2 workers": _side(30_000)},
        settings={},
        started_at="t",
        skipped={},
    )
    assert result["target_ratio"] == JOBS_TARGET_RATIO == 0.3
    embedded, workers = result["scenarios"]["embedded"], result["scenarios"]["redis, 2 workers"]
    assert (embedded["ratio_to_ceiling"], embedded["meets_target"]) == (0.1, False)
    assert (workers["ratio_to_ceiling"], workers["meets_target"]) == (0.3, True)
    assert result["noisy"] is False


def test_without_a_ceiling_the_target_is_not_judged() -> None:
    result = jobs_result(
        ceiling=None,
        scenarios={"embedded": _side(1000)},
        settings={},
        started_at="t",
        skipped={"ceiling": "redis-benchmark is not installed"},
    )
    side = result["scenarios"]["embedded"]
    assert side["ratio_to_ceiling"] is None and side["meets_target"] is None
    assert result["skipped"] == {"ceiling": "redis-benchmark is not installed"}


def test_a_busy_machine_marks_the_result_noisy() -> None:
    side = {**_side(1000), "cpu_pct": {"other": 150.0}}
    result = jobs_result(
        ceiling=None, scenarios={"embedded": side}, settings={}, started_at="t", skipped={}
    )
    assert result["noisy"] is True
