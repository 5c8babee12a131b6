"""Sockets that never read cost the server a bounded amount of memory, whatever is posted."""

from __future__ import annotations

import base64
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from tests.support.rtm import history_ts, narrow_socket, new_channel, rtm, text_is
from tests.support.servers import ProcessServer, free_port, make_workspace

STALLED = 60
POSTS = 300
TEXT_BYTES = 30_000


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _stalled_socket(url: str) -> socket.socket:
    """A WebSocket whose client completes the handshake and then never reads again."""
    address = urlparse(url)
    sock = narrow_socket(url)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {address.path}?{address.query} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_stalled_sockets_cost_bounded_memory_and_slow_nobody(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    stalled: list[socket.socket] = []
    try:
        assert proc.proc is not None
        alice = proc.server.client(ws.alice.token)
        channel = new_channel(alice, ws.bob.user_id, ws.carol.user_id)
        bob = proc.server.client(ws.bob.token)
        stalled = [_stalled_socket(bob.rtm_connect()["url"]) for _ in range(STALLED)]
        text = base64.b64encode(os.urandom(TEXT_BYTES * 3 // 4)).decode()
        with rtm(proc.server, ws.carol.token) as carol:
            before = _rss_bytes(proc.proc.pid)
            posted = [
                alice.chat_postMessage(channel=channel, text=f"{n} {text}")["ts"]
                for n in range(POSTS)
            ]
            alice.chat_postMessage(channel=channel, text="the end")
            seen = carol.until(text_is("the end"), timeout=60)
            grown = _rss_bytes(proc.proc.pid) - before
        # Carol, reading, got every message once and in order while bob's sockets stalled.
        assert [e["ts"] for e in seen if e.get("ts") in set(posted)] == posted
        assert history_ts(alice, channel)[-POSTS - 1 : -1] == posted
        # Written to every stalled socket regardless, the messages would take
        # STALLED x POSTS x TEXT_BYTES (540 MB) of buffers. Each socket may hold its queue
        # (frames shared between sockets) and its transport's buffer up to the high-water mark.
        unbounded = STALLED * POSTS * TEXT_BYTES
        assert grown < unbounded // 6, f"server grew {grown >> 20} MB"
    finally:
        for sock in stalled:
            sock.close()
        proc.stop()
