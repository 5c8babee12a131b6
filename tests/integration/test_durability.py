"""Every acknowledged post is stored exactly once, in commit order, and survives kill -9.

docs/architecture.md §3: a channel's events take consecutive seqs and strictly increasing ts in the
same transaction, a caller is answered only after the commit, and client_msg_id makes retries
idempotent.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from tests.support.checks import last_seq, message_ts_in_log, read_log, walk_history
from tests.support.servers import (
    ProcessServer,
    Server,
    Workspace,
    free_port,
    make_workspace,
    threaded_server,
)
from tests.support.waiting import wait_for

THREADS = 8
PER_THREAD = 500


@pytest.fixture(autouse=True, params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test on a SQLite file and on a PostgreSQL database of its own: the server, the
    admin helpers and a `hubbub serve` child all read HUBBUB_DATABASE_URL."""
    if request.param == "postgres":
        monkeypatch.setenv("HUBBUB_DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("HUBBUB_DATABASE_URL", raising=False)
    return str(request.param)


def _run_threads(target: Any, count: int) -> None:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert not any(t.is_alive() for t in threads), "a posting thread hung"
    if errors:
        raise errors[0]


def _assert_log_is_gapless(data_dir: Path, team_id: str, channel_id: str) -> list[str]:
    """The channel's seqs are 1..last_seq, each once; returns the message ts in seq order."""
    events = read_log(data_dir, team_id, channel_id)
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
    assert seqs[-1] == last_seq(data_dir, team_id, channel_id)
    return message_ts_in_log(events)


def test_concurrent_posts_are_all_stored_once_in_commit_order(tmp_path: Path) -> None:
    with threaded_server(tmp_path / "data") as server:
        ws = make_workspace(server.data_dir)
        alice = server.client(ws.alice.token)
        channel = alice.conversations_create(name="firehose")["channel"]["id"]
        answers: dict[str, str] = {}  # text -> ts the server answered
        per_thread: list[list[str]] = [[] for _ in range(THREADS)]
        lock = threading.Lock()

        def post_all(n: int) -> None:
            client = server.client(ws.alice.token)
            for i in range(PER_THREAD):
                text = f"t{n}-m{i}"
                resp = client.chat_postMessage(channel=channel, text=text)
                assert resp["ok"] is True
                assert resp["message"]["text"] == text
                per_thread[n].append(resp["ts"])
                with lock:
                    answers[text] = resp["ts"]

        _run_threads(post_all, THREADS)
        assert len(answers) == THREADS * PER_THREAD
        assert len(set(answers.values())) == len(answers), "two posts were given the same ts"
        for sent in per_thread:
            # One caller's posts commit in the order it made them.
            assert sent == sorted(sent)

        history = walk_history(alice, channel)
        posted = [m for m in history if m.get("subtype") is None]
        stored = Counter(m["text"] for m in posted)
        assert stored == Counter(answers.keys()), "a post is missing from history or stored twice"
        assert {m["text"]: m["ts"] for m in posted} == answers
        history_ts = [m["ts"] for m in history]
        assert len(set(history_ts)) == len(history_ts)
        assert history_ts == sorted(history_ts, reverse=True)

        # History (ts order) is the order of commit (seq order in the channel's event log).
        logged = _assert_log_is_gapless(server.data_dir, ws.team_id, channel)
        assert logged == history_ts[::-1]


@dataclass
class Acks:
    """text -> ts of every post answered ok:true, written by many threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_text: dict[str, str] = field(default_factory=dict)
    failed_attempts: int = 0  # answers lost to the crash (the post was then retried)

    def add(self, text: str, ts: str) -> None:
        with self.lock:
            self.by_text[text] = ts

    def snapshot(self) -> dict[str, str]:
        with self.lock:
            return dict(self.by_text)


def _post_until_acknowledged(
    server: Server, token: str, channel: str, n: int, count: int, acks: Acks
) -> None:
    """Posts count messages in order, each retried with its client_msg_id until ok:true."""
    client = WebClient(token=token, base_url=server.api_url, timeout=5)

    def acknowledged(text: str) -> SlackResponse:
        lost: list[Exception] = []

        def posted() -> SlackResponse | None:
            try:
                return client.chat_postMessage(channel=channel, text=text, client_msg_id=text)
            except (OSError, http.client.HTTPException, SlackApiError) as exc:
                # The server is down, or died mid-request: the answer is lost, not the retry.
                if isinstance(exc, SlackApiError) and exc.response.status_code == 200:
                    raise
                lost.append(exc)
                with acks.lock:
                    acks.failed_attempts += 1
                return None

        return wait_for(posted, timeout=60, what=lambda: f"{text} acknowledged, not {lost[-1:]!r}")

    for i in range(count):
        text = f"t{n}-m{i}"
        resp = acknowledged(text)
        assert resp["message"]["text"] == text
        acks.add(text, resp["ts"])


def test_acknowledged_posts_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ws: Workspace = make_workspace(data_dir)
    proc = ProcessServer(data_dir, free_port())
    proc.start()
    try:
        alice = proc.server.client(ws.alice.token)
        channel = alice.conversations_create(name="crashy")["channel"]["id"]
        per_thread = 150
        acks = Acks()
        before_kill: dict[str, str] = {}

        def killer() -> None:
            # Timing out leaves the server alive: the test then fails as never killed.
            wait_for(
                lambda: len(acks.snapshot()) >= THREADS * per_thread // 3,
                timeout=60,
                interval=0.01,
                what="a third of the posts acknowledged",
            )
            proc.kill()
            # Everything answered ok:true before the process died.
            before_kill.update(acks.snapshot())
            time.sleep(0.3)
            proc.start()

        chaos = threading.Thread(target=killer)
        chaos.start()
        _run_threads(
            lambda n: _post_until_acknowledged(
                proc.server, ws.alice.token, channel, n, per_thread, acks
            ),
            THREADS,
        )
        chaos.join(60)
        acked = acks.snapshot()
        assert len(acked) == THREADS * per_thread
        assert before_kill, "the server was never killed"
        assert len(before_kill) < THREADS * per_thread, "the kill came after all posts"
        assert acks.failed_attempts > 0, "no post was caught by the crash"

        history = walk_history(alice, channel)
        posted = [m for m in history if m.get("subtype") is None]
        stored = Counter(m["text"] for m in posted)
        # Acknowledged before the crash: still there, with the ts the server answered.
        assert {m["text"]: m["ts"] for m in posted if m["text"] in before_kill} == before_kill
        # Retried across the crash with the same client_msg_id: once each, never twice.
        assert stored == Counter(acked.keys())
        assert {m["text"]: m["ts"] for m in posted} == acked
    finally:
        proc.stop()
    logged = _assert_log_is_gapless(data_dir, ws.team_id, channel)
    assert logged == [m["ts"] for m in history][::-1]


def test_client_msg_id_makes_a_post_idempotent(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    channel = alice.conversations_create(name="retries")["channel"]["id"]

    first = alice.chat_postMessage(channel=channel, text="once", client_msg_id="cmid-1")
    again = alice.chat_postMessage(channel=channel, text="once", client_msg_id="cmid-1")
    assert again["ts"] == first["ts"]

    # Several clients send the same retry at the same moment, for several ids.
    racers, rounds = 4, 10
    answers: list[list[str]] = [[] for _ in range(rounds)]
    barriers = [threading.Barrier(racers) for _ in range(rounds)]

    def race(_n: int) -> None:
        client = server.client(workspace.alice.token)
        for r in range(rounds):
            barriers[r].wait(30)
            resp = client.chat_postMessage(channel=channel, text=f"race {r}", client_msg_id=f"r{r}")
            answers[r].append(resp["ts"])

    _run_threads(race, racers)
    for got in answers:
        assert len(got) == racers and len(set(got)) == 1

    texts = Counter(m["text"] for m in walk_history(alice, channel))
    assert texts["once"] == 1
    assert all(texts[f"race {r}"] == 1 for r in range(rounds))
    logged = _assert_log_is_gapless(server.data_dir, workspace.team_id, channel)
    assert len(logged) == len(set(logged)) == 2 + rounds  # join message, "once", the races
