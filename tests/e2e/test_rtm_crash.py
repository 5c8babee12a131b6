"""kill -9 under an RTM client: it resumes with its cursor and gets every message once, in order."""

from __future__ import annotations

import http.client
import threading
import time
from functools import partial
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from tests.support.rtm import Rtm, history_ts, new_channel
from tests.support.servers import ProcessServer, free_port, make_workspace
from tests.support.waiting import wait_for

THREADS = 4
PER_THREAD = 100


def test_a_client_resumes_across_kill_9_with_every_message_once(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    try:
        alice = proc.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id)
        received: list[str] = []  # ts of the channel's messages, as bob's sockets got them
        connects: list[str] = []
        ready, finished = threading.Event(), threading.Event()

        def bob_reads() -> None:
            positions: dict[str, str] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                cursor = ",".join(positions.values()) or None
                try:
                    url = WebClient(
                        ws.bob.token, base_url=proc.server.api_url, timeout=2
                    ).rtm_connect(resume=cursor)["url"]
                    with connect(url, open_timeout=2) as socket:
                        client = Rtm(socket)
                        client.positions = positions
                        hello = client.recv()
                        assert hello["type"] == "hello"
                        connects.append(hello["hubbub_cursor"])
                        ready.set()
                        while True:
                            event = client.recv(timeout=20)
                            assert event["type"] != "resync_required"
                            if event.get("channel") == channel and event["type"] == "message":
                                received.append(event["ts"])
                                if event.get("text") == "the end":
                                    finished.set()
                                    return
                except (OSError, ConnectionClosed, InvalidHandshake, SlackApiError, TimeoutError):
                    time.sleep(0.05)

        reader = threading.Thread(target=bob_reads, daemon=True)
        reader.start()
        assert ready.wait(10)
        acked: list[str] = []
        lock = threading.Lock()

        def post(n: int) -> None:
            client = WebClient(token=ws.alice.token, base_url=proc.server.api_url, timeout=5)

            def posted(text: str) -> bool:
                try:
                    client.chat_postMessage(channel=channel, text=text, client_msg_id=text)
                except (OSError, http.client.HTTPException, SlackApiError) as exc:
                    # The server is down, or died mid-request: the answer is lost, not the retry.
                    if isinstance(exc, SlackApiError) and exc.response.status_code == 200:
                        raise
                    return False
                return True

            for i in range(PER_THREAD):
                text = f"t{n}-m{i}"
                wait_for(partial(posted, text), timeout=60, what=f"{text} acknowledged")
                with lock:
                    acked.append(text)

        def killer() -> None:
            wait_for(
                lambda: len(acked) >= THREADS * PER_THREAD // 3,
                timeout=60,
                interval=0.005,
                what="a third of the posts acknowledged",
            )
            proc.kill()
            time.sleep(0.3)
            proc.start()

        threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
        threads.append(threading.Thread(target=killer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        proc.server.client(ws.alice.token).chat_postMessage(channel=channel, text="the end")
        assert finished.wait(30), "bob never got the last message"
        assert len(connects) >= 2, "bob never had to reconnect"
        history = history_ts(proc.server.client(ws.alice.token), channel)
        wanted = history[history.index(received[0]) :]
        assert received == wanted
        # Everything from bob's first message on, each once, in history's order, across the crash.
        assert len(wanted) == THREADS * PER_THREAD + 1
    finally:
        proc.stop()
