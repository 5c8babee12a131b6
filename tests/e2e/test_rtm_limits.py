"""The gateway's limits, on a server with them turned down: ticket expiry, resume window, slow
consumers."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hubbub.realtime import session
from tests.support.rtm import narrow_socket, new_channel, rtm, text_is
from tests.support.servers import Server, Workspace, make_workspace, threaded_server

TICKET_TTL_S = 0.5
RESUME_MAX_EVENTS = 5
SEND_QUEUE = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUBBUB_RTM_TICKET_TTL_S", str(TICKET_TTL_S))
        patch.setenv("HUBBUB_RTM_RESUME_MAX_EVENTS", str(RESUME_MAX_EVENTS))
        patch.setenv("HUBBUB_RTM_SEND_QUEUE", str(SEND_QUEUE))
        with threaded_server(tmp_path_factory.mktemp("rtm-limits") / "data") as srv:
            yield srv


@pytest.fixture(scope="module")
def workspace(server: Server) -> Workspace:
    return make_workspace(server.data_dir)


def test_an_expired_ticket_is_refused(server: Server, workspace: Workspace) -> None:
    url = server.client(workspace.bob.token).rtm_connect()["url"]
    time.sleep(TICKET_TTL_S + 0.2)
    with connect(url) as late:
        assert json.loads(late.recv(timeout=5)) == {
            "type": "error",
            "error": {"code": 1, "msg": "Socket URL has expired"},
        }
        with pytest.raises(ConnectionClosed):
            late.recv(timeout=5)


def test_a_resume_beyond_the_window_asks_for_resync_then_goes_live(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id)
    with rtm(server, workspace.bob.token) as bob:
        cursor = ",".join(
            p for p in bob.frames[0]["hubbub_cursor"].split(",") if p.startswith(("T", channel))
        )
    for n in range(RESUME_MAX_EVENTS + 1):
        alice.chat_postMessage(channel=channel, text=f"while away {n}")
    with rtm(server, workspace.bob.token, resume=cursor) as bob:
        assert bob.recv()["type"] == "resync_required"
        alice.chat_postMessage(channel=channel, text="live")
        seen = bob.until(text_is("live"))
    assert not [e for e in seen if str(e.get("text", "")).startswith("while away")]


def test_a_client_that_stops_reading_is_let_go_with_its_cursor(
    server: Server, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # bob reads again only once carol has everything, which can take longer than the 3 s the
    # server waits for a silent client to take its goodbye before it drops the connection (and
    # what its buffers held, the goodbye too): here it waits as long as the test may.
    monkeypatch.setattr(session, "GOODBYE_TIMEOUT_S", 60.0)
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice, workspace.bob.user_id, workspace.carol.user_id)
    url = server.client(workspace.bob.token).rtm_connect()["url"]
    # A tiny receive window, so the server's socket buffers fill soon after bob stops reading.
    raw = narrow_socket(url)
    # Random text: the socket compresses (permessage-deflate), and the kernel's send buffer
    # (4 MB here) must fill before the gateway's queue does.
    text = base64.b64encode(os.urandom(29_000)).decode()

    def post(n: int) -> None:
        alice.chat_postMessage(channel=channel, text=f"{n} {text}")

    with (
        connect(url, sock=raw, max_size=None) as stalled,
        rtm(server, workspace.carol.token) as carol,
    ):
        assert json.loads(stalled.recv(timeout=5))["type"] == "hello"
        with ThreadPoolExecutor(5) as pool:
            # Carol keeps reading while bob does not: she gets everything, and in order.
            carol_saw = pool.submit(carol.until, text_is("the end"), 30)
            list(pool.map(post, range(200)))
            alice.chat_postMessage(channel=channel, text="the end")
            texts = [e["text"] for e in carol_saw.result() if e.get("channel") == channel]
        assert [t.split(" ")[0] for t in texts[:-1]] == sorted(
            (str(n) for n in range(200)), key=lambda t: texts.index(f"{t} {text}")
        )
        assert len(texts) == 201
        frames = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frames.append(json.loads(stalled.recv(timeout=10)))
        # The close frame (1008) waits behind what bob's buffers hold, and the server drops
        # the connection if he has not taken it within GOODBYE_TIMEOUT_S (3 s) of the goodbye:
        # posting the other messages to carol can take longer than that in a busy suite.
        # Either way, the goodbye and its cursor reached him first.
        if closed.value.rcvd is not None:
            assert closed.value.rcvd.code == 1008
    [goodbye] = [f for f in frames if f.get("type") == "goodbye"]
    assert goodbye["reason"] == "too_slow"
    positions = dict(p.split(":") for p in goodbye["hubbub_cursor"].split(","))
    got = [f for f in frames if f.get("channel") == channel and "hubbub_cursor" in f]
    assert got, "bob received some before falling behind"
    assert positions[channel] == got[-1]["hubbub_cursor"].partition(":")[2]
