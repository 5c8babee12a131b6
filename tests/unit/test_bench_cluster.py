"""The pure parts of `hubbub bench post|fanout --cluster N`: sizes, speed-ups, CPU groups, the
result document, the cluster's config and its listening sockets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.config import Settings
from hubbub_bench import cluster, fancluster, fanshared, postcluster
from hubbub_bench.cluster import Sharded, Shared, config_text, listeners, sharded_config_text
from hubbub_bench.cpu import cpu_each, cpu_use
from hubbub_bench.stats import (
    cluster_fanout_result,
    cluster_post_result,
    cluster_post_run,
    process_counts,
    shared_comparison,
    shared_fanout_result,
    speedup_target,
    speedups,
    summarise,
)


def test_process_counts_are_powers_of_two_then_the_most() -> None:
    assert process_counts(1) == [1]
    assert process_counts(2) == [1, 2]
    assert process_counts(3) == [1, 2, 3]
    assert process_counts(4) == [1, 2, 4]
    assert process_counts(6) == [1, 2, 4, 6]
    with pytest.raises(ValueError):
        process_counts(0)


def test_speedups_are_against_one_process() -> None:
    assert speedups({1: 500.0, 2: 750.0, 4: 800.0}) == {1: 1.0, 2: 1.5, 4: 1.6}
    assert speedups({2: 10.0}) == {2: 0.0}
    assert speedup_target({1: 1.0, 4: 1.6})["met"] is True
    assert speedup_target({1: 1.0, 4: 1.2})["met"] is False
    assert speedup_target({1: 1.0, 2: 1.9}) == {
        "processes": 4,
        "speedup": 1.5,
        "measured": None,
        "met": None,
    }


def test_cpu_groups_add_up_their_members() -> None:
    before = {"machine": 10.0, "client": 1.0, "server/7": 1.0, "server/8": 2.0, "pg/9": 0.0}
    after = {"machine": 14.0, "client": 1.5, "server/7": 1.5, "server/8": 3.0, "pg/10": 5.0}
    use = cpu_use(before, after, 2.0)
    # pg/9 went away and pg/10 came: neither is in both snapshots, so the group is not reported.
    assert use == {"machine": 200.0, "client": 25.0, "server": 75.0, "other": 100.0}
    assert cpu_each(before, after, 2.0, "server") == [25.0, 50.0]
    assert cpu_each(None, after, 2.0, "server") == []


def _side(rate: int, **extra: object) -> dict[str, object]:
    return {**summarise([10.0] * rate, errors=0, window_s=1.0), "ok_total": rate, **extra}


def test_cluster_result_document_shape() -> None:
    runs = [
        cluster_post_run(
            n,
            _side(rate, cpu_pct={"server": 80.0, "postgres": 40.0, "other": 1.0}),
            ok_answers=rate,
            stored=rate,
        )
        for n, rate in ((1, 500), (2, 700), (4, 800))
    ]
    result = cluster_post_result(
        ceiling=_side(4000),
        embedded=_side(2000),
        embedded_stored=2000,
        runs=runs,
        settings={"cluster_processes": [1, 2, 4]},
        started_at="2026-12-01T00:00:00Z",
    )
    assert result["scenario"] == "post-cluster"
    assert [r["processes"] for r in result["cluster"]] == [1, 2, 4]
    assert [r["speedup"] for r in result["cluster"]] == [1.0, 1.4, 1.6]
    assert result["speedup"] == {"1": 1.0, "2": 1.4, "4": 1.6}
    assert result["target"]["met"] is True
    assert result["embedded"]["ratio_to_ceiling"] == 0.5
    assert result["durable_check"] is True and result["noisy"] is False
    assert result["cluster"][0]["postgres_cpu_ms_per_post"] == 0.8
    orjson.dumps(result)  # JSON all the way down

    lost = cluster_post_run(1, _side(10), ok_answers=10, stored=9)
    assert lost["durable_check"] is False
    worse = cluster_post_result(
        ceiling=_side(10, cpu_pct={"other": 90.0}),
        embedded=_side(10),
        embedded_stored=10,
        runs=[lost],
        settings={},
        started_at="",
    )
    assert worse["durable_check"] is False and worse["noisy"] is True
    assert worse["target"]["met"] is None


def test_sharded_config_is_settings_toml() -> None:
    sharded = Sharded("hubbub_bench_x_dir", {"a": "hubbub_bench_x_a"}, "hubbub-bench-x:")
    settings = Settings(**tomllib.loads(sharded_config_text(sharded, 8123)))
    base = "postgresql+psycopg://postgres@127.0.0.1:5432/"
    assert settings.shards == {"a": base + "hubbub_bench_x_a"}
    assert settings.directory_url == base + "hubbub_bench_x_dir"
    assert settings.database_url is None and settings.redis_prefix == "hubbub-bench-x:"
    assert settings.port == 8123 and settings.rate_limits is False


def test_config_is_settings_toml() -> None:
    shared = Shared("hubbub_bench_x", "hubbub-bench-x:")
    values = tomllib.loads(config_text(shared, 8123))
    settings = Settings(**values)
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/hubbub_bench_x"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.redis_prefix == "hubbub-bench-x:"
    assert settings.port == 8123 and settings.rate_limits is False


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1FBB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1
   1: 0100007F:1FBB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2
   2: 0100007F:1FBB 0100007F:D3A2 01 00000000:00000000 00:00000000 00000000     0        0 3
   3: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4
"""


def test_listeners_count_listening_sockets_on_the_port() -> None:
    assert listeners(PROC_NET_TCP, 0x1FBB) == 2  # the established connection is not one
    assert listeners(PROC_NET_TCP, 5432) == 1
    assert listeners(PROC_NET_TCP, 80) == 0


def _fan_side(rate: float, missing: int = 0, **extra: object) -> dict[str, object]:
    phase = {"deliveries_per_s": rate, "missing": missing, "duplicates": 0, "cpu_pct": {}}
    return {"paced": {**phase, "deliveries_per_s": 100.0}, "burst": phase, **extra}


def test_cluster_fanout_document_shape() -> None:
    runs = [
        {"processes": n, **_fan_side(rate, connected=10)}
        for n, rate in ((1, 40_000.0), (2, 60_000.0))
    ]
    result = cluster_fanout_result(
        embedded=_fan_side(100_000.0, connected=10),
        runs=runs,
        settings={"members": 10},
        started_at="2026-12-01T00:00:00Z",
    )
    assert result["scenario"] == "fanout-cluster"
    assert result["speedup"] == {"1": 1.0, "2": 1.5}
    assert [r["speedup"] for r in result["cluster"]] == [1.0, 1.5]
    assert result["exactly_once"] is True and result["all_connected"] is True
    assert result["embedded"]["exactly_once"] is True
    orjson.dumps(result)
    lossy = cluster_fanout_result(
        embedded=_fan_side(1.0, connected=10),
        runs=[{"processes": 1, **_fan_side(1.0, missing=3, connected=9)}],
        settings={"members": 10},
        started_at="",
    )
    assert lossy["exactly_once"] is False and lossy["all_connected"] is False
    assert lossy["cluster"][0]["exactly_once"] is False


def test_unreachable_services_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "_reachable", lambda host, port: port != 6379)
    with pytest.raises(cluster.Unavailable, match=r"Redis at 127\.0\.0\.1:6379") as caught:
        cluster.check_services()
    assert "PostgreSQL at" not in str(caught.value)


@pytest.mark.parametrize(
    "scenario", ["post --cluster 2", "fanout --cluster 2", "fanout --shared 10"]
)
def test_cluster_bench_without_services_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scenario: str
) -> None:
    def unavailable() -> dict[str, str]:
        raise cluster.Unavailable("cannot reach PostgreSQL at 127.0.0.1:5432")

    monkeypatch.setattr(postcluster, "check_services", unavailable)
    monkeypatch.setattr(fancluster, "check_services", unavailable)
    monkeypatch.setattr(fanshared, "check_services", unavailable)
    monkeypatch.setattr(fancluster, "nofile_limits", lambda: {"soft": 1024, "hard": 1024})
    monkeypatch.setattr(fanshared, "nofile_limits", lambda: {"soft": 1024, "hard": 1024})
    argv = ["bench", *scenario.split(), "--out", str(tmp_path)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert "cannot reach PostgreSQL" in result.output
    assert list(tmp_path.iterdir()) == []


def _shared_side(
    posts_s: float, deliveries_s: float, p99: float, **extra: object
) -> dict[str, object]:
    burst = {"posts_per_s": posts_s, "deliveries_per_s": deliveries_s, "missing": 0}
    paced = {"p99_ms": p99, "duplicates": 0, "cpu_pct": {}}
    return {"paced": paced, "burst": {**burst, "duplicates": 0, "cpu_pct": {}}, **extra}


def test_shared_fanout_document_compares_each_deployment_to_its_unshared_run() -> None:
    result = shared_fanout_result(
        deployments={
            "embedded": {
                "unshared": _shared_side(100.0, 1000.0, 20.0, connected=10),
                "shared": _shared_side(85.0, 900.0, 23.0, connected=10),
            },
            "sharded": {
                "unshared": _shared_side(100.0, 1000.0, 20.0, connected=10),
                "shared": _shared_side(79.0, 1000.0, 20.0, connected=10),
            },
        },
        settings={"members": 10},
        started_at="2026-12-01T00:00:00Z",
    )
    assert result["scenario"] == "fanout-shared" and result["target_slowdown"] == 0.2
    embedded, sharded = result["embedded"], result["sharded"]
    assert embedded["shared_over_unshared"] == {
        "burst_posts_per_s": 0.85,
        "burst_deliveries_per_s": 0.9,
        "paced_p99_ms": 1.15,
    }
    assert embedded["within_target"] is True
    # 21% fewer posts/s is outside the 20%, whatever the rest.
    assert sharded["meets_target"]["burst_posts_per_s"] is False
    assert sharded["within_target"] is False
    assert result["exactly_once"] is True and result["all_connected"] is True
    orjson.dumps(result)
    slower = shared_comparison(_shared_side(1.0, 1.0, 10.0), _shared_side(1.0, 1.0, 12.5))
    assert slower["meets_target"]["paced_p99_ms"] is False
