"""One log stream: everything `hubbub serve` logs, its own events and uvicorn's alike, is on
stderr as JSON lines (stderr is no terminal here), and nothing is on stdout."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.support.servers import answers, env_for
from tests.support.waiting import wait_for


def _events(lines: list[bytes]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        event = orjson.loads(line)  # every line is one JSON object, or this fails
        assert {"event", "level", "timestamp"} <= event.keys(), event
        out.append(event)
    return out


def test_the_server_and_uvicorn_log_as_one_json_stream(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "hubbub", "serve", "--data-dir", str(tmp_path), "--port", "0"]
    proc = subprocess.Popen(
        argv, env=env_for(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stderr is not None
        early = [proc.stderr.readline() for _ in range(1)]
        while orjson.loads(early[-1])["event"] != "serving":
            early.append(proc.stderr.readline())
        url = orjson.loads(early[-1])["url"]
        wait_for(lambda: answers(url + "/api/api.test"), timeout=20, interval=0.1, what=url)
        host, port = url.removeprefix("http://").split(":")
        # uvicorn's own warning: a request it cannot parse.
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            sock.recv(1000)
        # One of ours: a client that hangs up mid-body.
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /api/api.test HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\nx")
        httpx.get(url + "/api/api.test", timeout=5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert out == b""
    events = _events(early + [line for line in err.splitlines() if line.strip()])
    names = [(e["event"], e.get("logger")) for e in events]
    assert ("Invalid HTTP request received.", "uvicorn.error") in names, names
    assert any(e["event"] == "api_client_gone" for e in events), names


def test_request_urls_of_outbound_http_are_not_logged() -> None:
    """httpx logs every request with its URL at info, and apps' response and event URLs carry
    their secrets: under logs.configure it says only what is wrong."""
    probe = (
        "import logging; from hubbub.logs import configure; configure(); "
        "print(min(logging.getLogger(n).getEffectiveLevel() for n in ('httpx', 'httpcore')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(done.stdout) >= logging.WARNING
