"""The chaos run's cluster deployment (hubbub_chaos/cluster.py): three serve processes, a worker,
two PostgreSQL shards and a Redis, each a real process of the deployment's own, and its faults.
One cluster serves the module; each test leaves it healed."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hubbub_chaos.cluster import SERVES, SHARDS, ClusterDeployment
from hubbub_chaos.procs import proc_state
from tests.support.rtm import new_channel, rtm, text_is
from tests.support.servers import Server, Workspace, make_workspace


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterDeployment]:
    deployment = ClusterDeployment(tmp_path_factory.mktemp("cluster"))
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.close()


@pytest.fixture(scope="module")
def workspace(cluster: ClusterDeployment) -> Workspace:
    # As `hubbub admin` would: an in-process hub on the servers themselves, past the relays.
    return make_workspace(cluster.data_dir, settings=cluster.tool_settings())


@pytest.fixture(autouse=True)
def healed(cluster: ClusterDeployment) -> Iterator[None]:
    """Whatever a test breaks is mended before the next one."""
    yield
    cluster.heal()


def client(cluster: ClusterDeployment, index: int, token: str, **kwargs: Any) -> WebClient:
    kwargs.setdefault("timeout", 30)
    return WebClient(token=token, base_url=cluster.api_urls()[index], **kwargs)


@pytest.fixture(scope="module")
def channel(cluster: ClusterDeployment, workspace: Workspace) -> str:
    alice = client(cluster, 0, workspace.alice.token)
    return new_channel(alice, workspace.bob.user_id)


def post(web: WebClient, channel: str, text: str, cmid: str | None = None) -> str:
    answer = web.chat_postMessage(channel=channel, text=text, client_msg_id=cmid)
    return str(answer["ts"])


def texts(web: WebClient, channel: str) -> list[str]:
    return [m["text"] for m in web.conversations_history(channel=channel, limit=999)["messages"]]


def eventually(check: Callable[[], bool], within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


def shard_of(cluster: ClusterDeployment, team_id: str) -> str:
    """The pg-N target that holds the workspace, from the directory."""
    settings = cluster.tool_settings()
    assert settings.directory_url is not None
    dsn = settings.directory_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT shard FROM directory_workspaces WHERE team_id = %s", (team_id,)
        ).fetchone()
    assert row is not None
    return SHARDS[str(row[0])]


def test_the_shape_of_the_deployment(cluster: ClusterDeployment, tmp_path: Path) -> None:
    assert cluster.targets() == ["serve-0", "serve-1", "serve-2", "worker", "redis", "pg-0", "pg-1"]
    # A schedule is drawn before the deployment starts: its links are known from the outset.
    assert ClusterDeployment(tmp_path).links() == cluster.links()
    assert cluster.relays is not None and set(cluster.relays.pairs()) == set(cluster.links())
    links = set(cluster.links())
    for hubbub in (*SERVES, "worker"):
        assert {(hubbub, "redis"), (hubbub, "pg-0"), (hubbub, "pg-1")} <= links
    # Each serve on an address of its own; the gateway serves no Web API.
    urls = cluster.api_urls()
    assert len(urls) == 2 and urls[0].startswith("http://127.0.10.1:")
    assert urls[1].startswith("http://127.0.10.2:")
    logs = {p.name for p in cluster.logs.iterdir()}
    assert {f"{t}.log" for t in cluster.targets()} <= logs


def test_a_post_on_one_serve_is_read_through_another_and_heard_on_the_gateway(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    # rtm.connect on the API-only serve hands out the gateway's socket.
    api_only = Server(cluster.url("serve-1"), cluster.data_dir)
    handed = api_only.client(workspace.bob.token).rtm_connect()["url"]
    assert handed.startswith(cluster.url("serve-2").replace("http://", "ws://") + "/")
    with rtm(api_only, workspace.bob.token) as bob:
        post(client(cluster, 0, workspace.alice.token), channel, "across")
        bob.until(text_is("across"))
    assert "across" in texts(client(cluster, 1, workspace.bob.token), channel)


def test_kill_9_of_a_serve_leaves_the_others_serving_and_it_comes_back(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    cluster.kill("serve-0")
    assert cluster.procs["serve-0"].proc is not None
    assert cluster.procs["serve-0"].proc.returncode == -9
    with pytest.raises(OSError, match="Connection refused"):
        client(cluster, 0, workspace.alice.token, timeout=2).api_test()
    post(client(cluster, 1, workspace.alice.token), channel, "while serve-0 is down")
    cluster.restart("serve-0")
    post(client(cluster, 0, workspace.alice.token), channel, "serve-0 is back")
    seen = texts(client(cluster, 1, workspace.alice.token), channel)
    assert seen.count("while serve-0 is down") == 1 and seen.count("serve-0 is back") == 1


def _jobs_done(cluster: ClusterDeployment) -> int:
    with redis.Redis("127.0.0.1", cluster.ports["redis"], decode_responses=True) as r:
        counts = r.hgetall("hubbub:jobs:counters")
    return sum(int(v) for k, v in counts.items() if k.endswith(":done"))


def _jobs_waiting(cluster: ClusterDeployment) -> int:
    with redis.Redis("127.0.0.1", cluster.ports["redis"]) as r:
        pending: Any = r.xpending("hubbub:jobs", "workers")
        undelivered = 0
        for group in r.xinfo_groups("hubbub:jobs"):
            undelivered += int(group.get("lag") or 0)
    return int(pending["pending"]) + undelivered


def test_a_paused_worker_holds_its_jobs_and_runs_them_once_resumed(
    cluster: ClusterDeployment, workspace: Workspace
) -> None:
    worker = cluster.procs["worker"].proc
    assert worker is not None
    done = _jobs_done(cluster)
    cluster.pause("worker")
    assert proc_state(worker.pid) == "T"
    # A DM to someone with no socket open is a `notify` job, for the worker.
    alice = client(cluster, 0, workspace.alice.token)
    dm = alice.conversations_open(users=workspace.carol.user_id)["channel"]["id"]
    post(alice, dm, "a job for the worker")
    eventually(lambda: _jobs_waiting(cluster) > 0)
    assert _jobs_done(cluster) == done  # stopped: it has done nothing since
    cluster.resume("worker")
    assert proc_state(worker.pid) != "T"
    eventually(lambda: _jobs_done(cluster) > done and _jobs_waiting(cluster) == 0)


def test_a_job_in_the_stream_outlives_a_redis_kill(
    cluster: ClusterDeployment, workspace: Workspace
) -> None:
    """Redis runs with its append-only file (docs/deploy.md): a job it took before a kill -9 is
    still in the stream after, and runs. Without the file it was lost (a chaos run's
    lost_effect: a kill 48 ms after an acknowledged reply)."""
    done = _jobs_done(cluster)
    cluster.pause("worker")
    alice = client(cluster, 0, workspace.alice.token)
    dm = alice.conversations_open(users=workspace.carol.user_id)["channel"]["id"]
    post(alice, dm, "a job across a redis kill")
    eventually(lambda: _jobs_waiting(cluster) > 0)
    cluster.kill("redis")
    cluster.restart("redis")
    assert _jobs_waiting(cluster) > 0
    cluster.resume("worker")
    eventually(lambda: _jobs_done(cluster) > done and _jobs_waiting(cluster) == 0)


def test_a_shard_restart_fails_only_its_workspaces_and_loses_no_acknowledged_post(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    home = shard_of(cluster, workspace.team_id)
    other = "pg-1" if home == "pg-0" else "pg-0"
    alice = client(cluster, 0, workspace.alice.token)
    post(alice, channel, "acknowledged before the crash")
    cluster.kill(home)
    with pytest.raises(SlackApiError) as refused:
        post(alice, channel, "while the shard is down")
    assert refused.value.response.status_code == 503
    assert refused.value.response["error"] == "service_unavailable"
    cluster.restart(home)
    # The other shard's restart does not touch this workspace.
    cluster.kill(other)
    post(alice, channel, "the other shard is down")
    cluster.restart(other)
    eventually(lambda: _posts(alice, channel, "after the shard came back"))
    seen = texts(client(cluster, 1, workspace.bob.token), channel)
    assert seen.count("acknowledged before the crash") == 1
    assert seen.count("the other shard is down") == 1
    assert "while the shard is down" not in seen


def _posts(web: WebClient, channel: str, text: str) -> bool:
    """One try of a post that may meet a pool still reconnecting: True once acknowledged."""
    try:
        post(web, channel, text, cmid=f"retry-{text}")
    except SlackApiError as exc:
        if exc.response.status_code != 503:
            raise
        return False
    return True


def test_redis_restarted_empty_and_posts_still_reach_the_gateway(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    api_only = Server(cluster.url("serve-1"), cluster.data_dir)
    alice = client(cluster, 0, workspace.alice.token)
    with rtm(api_only, workspace.bob.token) as bob:
        with redis.Redis("127.0.0.1", cluster.ports["redis"]) as r:
            r.set("chaos:marker", "kept?")
        cluster.kill("redis")
        cluster.lose_redis_files()
        post(alice, channel, "while redis is down")
        cluster.restart("redis")
        with redis.Redis("127.0.0.1", cluster.ports["redis"]) as r:
            assert r.get("chaos:marker") is None  # it came back with nothing kept
        post(alice, channel, "after redis came back")
        heard = bob.until(text_is("after redis came back"), timeout=30)
    texts_heard = [e.get("text") for e in heard if e.get("type") == "message"]
    assert texts_heard.count("while redis is down") == 1
    assert texts_heard.index("while redis is down") < texts_heard.index("after redis came back")


def test_the_worker_runs_jobs_again_after_redis_comes_back_empty(
    cluster: ClusterDeployment, workspace: Workspace
) -> None:
    """The job stream, its consumer group and counters go with a Redis that kept nothing; the
    worker must take new jobs from the stream made again, not die with its connection."""
    cluster.kill("redis")
    cluster.lose_redis_files()
    cluster.restart("redis")
    alice = client(cluster, 0, workspace.alice.token)
    dm = alice.conversations_open(users=workspace.carol.user_id)["channel"]["id"]
    eventually(lambda: _posts(alice, dm, "a job after the restart"))
    eventually(lambda: _jobs_done(cluster) > 0 and _jobs_waiting(cluster) == 0)
    assert cluster.procs["worker"].running()


def test_serve_cut_off_from_redis_loses_no_acknowledged_post(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    """What serve-0 does when it cannot reach Redis (a blackhole, not a refusal): whatever it
    answered, a post it acknowledged is in history, once; one it did not is posted by the
    client's retry with its client_msg_id, once; and a socket on the gateway, which only Redis
    links to serve-0, hears it once, in order, after the heal."""
    cmid = str(uuid.uuid4())
    alice_0 = client(cluster, 0, workspace.alice.token, timeout=5)
    alice_1 = client(cluster, 1, workspace.alice.token)
    api_only = Server(cluster.url("serve-1"), cluster.data_dir)
    with rtm(api_only, workspace.bob.token) as bob:
        cluster.partition("serve-0", "redis")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            during = pool.submit(post, alice_0, channel, "cut off from redis", cmid)
            try:
                acked: str | None = during.result(15)
            except (OSError, SlackApiError):  # a timeout or an error: not acknowledged
                acked = None
        if acked is not None:  # acknowledged while cut off: readable elsewhere at once
            assert "cut off from redis" in texts(alice_1, channel)
        cluster.heal()
        again = post(alice_1, channel, "cut off from redis", cmid)
        post(alice_1, channel, "after the heal")
        heard = bob.until(text_is("after the heal"), timeout=30)
    if acked is not None:
        assert again == acked
    history = alice_1.conversations_history(channel=channel, limit=999)["messages"]
    assert [m["ts"] for m in history if m.get("client_msg_id") == cmid] == [again]
    # Later seqs come after earlier ones on a socket: by the marker, the post was delivered.
    assert [e.get("ts") for e in heard if e.get("text") == "cut off from redis"] == [again]
    print(f"serve-0 cut off from redis answered: {'ok ' + acked if acked else 'nothing'}")


def test_a_relay_cut_blackholes_and_a_delay_slows_only_its_link(
    cluster: ClusterDeployment, workspace: Workspace, channel: str
) -> None:
    alice_0 = client(cluster, 0, workspace.alice.token, timeout=3)
    alice_1 = client(cluster, 1, workspace.alice.token)
    home = shard_of(cluster, workspace.team_id)
    cluster.partition("serve-0", home)
    assert (("serve-0", home)) in cluster.relays.cut_links()  # type: ignore[union-attr]
    with pytest.raises(TimeoutError):  # no answer at all, not a refusal
        post(alice_0, channel, "behind a partition", cmid="behind-a-partition")
    post(alice_1, channel, "serve-1 is not cut off")
    cluster.heal()
    cluster.delay("serve-0", home, 100)
    started = time.monotonic()
    post(client(cluster, 0, workspace.alice.token), channel, "slowly")
    slowed = time.monotonic() - started
    cluster.heal()
    # A bound that cannot flake: the post's commit is one round trip at least, each way held.
    assert slowed >= 0.2
    seen = texts(alice_1, channel)
    assert seen.count("serve-1 is not cut off") == 1 and seen.count("slowly") == 1
    print(f"a post over a link delayed by 100 ms took {slowed:.2f} s")


def _ours(folder: Path) -> list[str]:
    """Processes whose command line names the run's folder (or its PostgreSQL's)."""
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if str(folder) in line]


def _netns() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_close_leaves_nothing_behind_even_mid_fault(tmp_path: Path) -> None:
    namespaces = _netns()
    deployment = ClusterDeployment(tmp_path / "run")
    deployment.start()
    pids = deployment.pids()
    relay_ports = [link.port for link in deployment.relays.links.values()]  # type: ignore[union-attr]
    pg_dirs = list(deployment.pg_dirs.values())
    # The worst state to be closed in: a process paused, a link cut, a shard down.
    deployment.pause("worker")
    deployment.partition("serve-1", "redis")
    deployment.kill("pg-1")
    deployment.close()
    assert not [pid for pid in pids if _alive(pid)]
    assert _ours(tmp_path) == [] and _ours(pg_dirs[0].parent) == []
    for port in relay_ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    if deployment._temp_pg is not None:
        assert not deployment._temp_pg.exists()
    assert _netns() == namespaces


def test_a_start_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    # job_concurrency must be at least 1: every hubbub process refuses to start.
    deployment = ClusterDeployment(tmp_path / "run", {"HUBBUB_JOB_CONCURRENCY": "0"})
    with pytest.raises(RuntimeError, match="serve-0 exited"):
        deployment.start()
    assert deployment.pids()
    assert not [pid for pid in deployment.pids() if _alive(pid)]
    assert _ours(tmp_path) == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie not yet reaped by us is gone for every purpose but the table.
    return proc_state(pid) != "Z"
