"""The event log keeps a window per stream (jobs/event_sweep.py, docs/limits.md "The event log").

A resume from before what a stream's log still holds gets hello, then resync_required, then live
events; a resume inside the window is replayed exactly, as if nothing had been trimmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from hubbub.jobs.event_sweep import EventSweeper
from hubbub.store.tx import Tx
from tests.e2e.test_shared_channels import share
from tests.support.rtm import Rtm, narrow_socket, new_channel, rtm, text_is
from tests.support.servers import Running, Workspace, make_workspace, threaded_app
from tests.support.waiting import wait_for

KEEP = 40


@pytest.fixture
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with threaded_app(tmp_path_factory.mktemp("retention") / "data") as app:
        yield app


@pytest.fixture
def workspace(running: Running) -> Workspace:
    return make_workspace(running.server.data_dir)


def _trim(running: Running, team_id: str) -> int:
    """Trims the log as the server's sweep does, once the relay has followed every event up
    (the sweep keeps what the outbox still names)."""
    hub = running.front.api.hub

    async def outbox_empty() -> bool:
        return not await hub.read(team_id, lambda tx: tx.unpublished(1 << 62, 1))

    wait_for(lambda: running.run(outbox_empty()).result(10), 20, "the relay to empty the outbox")
    return running.run(EventSweeper(hub, keep=KEEP, interval_s=1, batch=7).run_once()).result(30)


def _floor(running: Running, team_id: str, stream: str) -> int:
    def read(tx: Tx) -> int:
        return tx.log_floors(team_id, [stream])[stream]

    return running.run(running.front.api.hub.read(team_id, read)).result(10)


def _cursor(client: Rtm, *streams: str) -> str:
    return ",".join(
        p for p in client.frames[0]["hubbub_cursor"].split(",") if p.startswith(streams)
    )


def test_a_resume_from_before_the_window_resyncs_then_goes_live(
    running: Running, workspace: Workspace
) -> None:
    server = running.server
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob:
        cursor = _cursor(bob, "T", channel)
    for n in range(KEEP * 2):
        alice.chat_postMessage(channel=channel, text=f"while away {n}")
    assert _trim(running, workspace.team_id) > 0
    assert _floor(running, workspace.team_id, channel) > int(cursor.rsplit(":", 1)[1]) + 1

    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        assert bob.recv()["type"] == "resync_required"
        alice.chat_postMessage(channel=channel, text="live")
        seen = bob.until(text_is("live"))
    assert not [e for e in seen if str(e.get("text", "")).startswith("while away")]


def test_a_resume_inside_the_window_replays_exactly_what_was_missed(
    running: Running, workspace: Workspace
) -> None:
    server = running.server
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    for n in range(KEEP * 2):
        alice.chat_postMessage(channel=channel, text=f"before {n}")
    with rtm(server, workspace.bob.token) as bob:
        cursor = _cursor(bob, "T", channel, "D")
    missed = [f"missed {n}" for n in range(KEEP // 2)]
    for text in missed:
        alice.chat_postMessage(channel=channel, text=text)
    assert _trim(running, workspace.team_id) > 0
    assert _floor(running, workspace.team_id, channel) > 1

    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        alice.chat_postMessage(channel=channel, text="live")
        seen = bob.until(text_is("live"))
    texts = [e["text"] for e in seen if e.get("type") == "message" and e.get("channel") == channel]
    assert texts == [*missed, "live"]
    assert not [e for e in seen if e.get("type") == "resync_required"]


def test_a_resume_past_a_trimmed_leave_resyncs_and_shows_nothing_of_the_channel(
    running: Running, workspace: Workspace
) -> None:
    server = running.server
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id, private=True)
    with rtm(server, workspace.bob.token) as bob:
        cursor = _cursor(bob, "T", channel)
    alice.conversations_kick(channel=channel, user=workspace.bob.user_id)
    for n in range(KEEP * 2):
        alice.chat_postMessage(channel=channel, text=f"after bob {n}")
    assert _trim(running, workspace.team_id) > 0

    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        # His leave was trimmed: he cannot be shown it, so he is told to reload instead.
        assert bob.recv()["type"] == "resync_required"
        seen = bob.quiet(0.5)
    assert not [e for e in seen if e.get("channel") == channel]


def test_a_guest_resume_from_before_the_hosts_window_resyncs(
    running: Running, workspace: Workspace
) -> None:
    server = running.server
    globex = make_workspace(server.data_dir, "globex")
    channel = share(server, workspace, globex)
    with rtm(server, globex.bob.token) as bob:
        cursor = _cursor(bob, globex.team_id, channel)
    alice = server.client(workspace.alice.token)
    for n in range(KEEP * 2):
        alice.chat_postMessage(channel=channel, text=f"while away {n}")
    assert _trim(running, workspace.team_id) > 0

    with rtm(server, globex.bob.token, resume=cursor) as bob:
        assert bob.recv()["type"] == "resync_required"
        alice.chat_postMessage(channel=channel, text="live")
        seen = bob.until(text_is("live"))
    assert not [e for e in seen if str(e.get("text", "")).startswith("while away")]


def test_a_replay_the_sweep_overtakes_ends_in_goodbye_resync_required(tmp_path: Path) -> None:
    """A resume replays its streams a page at a time, and only as fast as the client reads. A
    client that stops reading mid-replay while the sweep trims past where the replay got to
    cannot be made whole: it is told goodbye with `resync_required` and where it got to, having
    had every event up to there exactly once and in order; resuming from there resyncs."""
    with threaded_app(tmp_path / "data", rtm_send_queue=20) as running:  # pages of 10 events
        server = running.server
        workspace = make_workspace(server.data_dir)
        alice = server.client(workspace.alice.token)
        channel = new_channel(alice, workspace.bob.user_id)
        with rtm(server, workspace.bob.token) as bob:
            cursor = _cursor(bob, "T", channel)
        # More than the kernel buffers between server and client hold (4 MB send buffer at
        # most here), so the replay must wait for the client.
        missed = 300
        for n in range(missed):
            alice.chat_postMessage(channel=channel, text=f"{n} " + "x" * 30_000)

        url = server.client(workspace.bob.token).rtm_connect(resume=cursor)["url"]
        with connect(url, sock=narrow_socket(url), max_size=None, max_queue=4) as raw:
            slow = Rtm(raw)
            assert slow.recv()["type"] == "hello"

            def replay_waits() -> bool:
                async def look() -> bool:
                    return any(
                        s.socket.paused and s.room is not None and not s.room.is_set()
                        for s in running.front.gateway.sessions
                    )

                return running.run(look()).result(10)

            wait_for(replay_waits, 30, "the replay to wait for the client")
            assert _trim(running, workspace.team_id) > 0

            seen = slow.until(lambda e: e.get("type") == "goodbye", timeout=30)
        goodbye = seen[-1]
        assert goodbye["reason"] == "resync_required"
        posted = [e for e in seen if e.get("type") == "message" and "subtype" not in e]
        numbers = [int(e["text"].split()[0]) for e in posted]
        assert numbers == list(range(len(numbers))) and 0 < len(numbers) < missed
        assert _floor(running, workspace.team_id, channel) > len(numbers) + 1

        with rtm(server, workspace.bob.token, resume=goodbye["hubbub_cursor"]) as bob:
            assert bob.recv()["type"] == "resync_required"
