"""`hubbub admin` in its own process while `hubbub serve` runs on the same data directory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import ProcessServer, env_for, free_port, make_workspace


def test_a_deactivation_from_the_cli_stops_a_token_the_server_has_cached(
    tmp_path: Path, test_store: str
) -> None:
    ws = make_workspace(tmp_path / "data")
    proc = ProcessServer(tmp_path / "data", free_port())
    proc.start()
    try:
        carol = proc.server.client(ws.carol.token)
        for _ in range(3):  # seen more than once, so the server knows the token by heart
            assert carol.api_call("auth.test")["ok"] is True
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "hubbub",
                "admin",
                "deactivate-user",
                "--domain",
                ws.domain,
                "--user",
                ws.carol.user_id,
                "--data-dir",
                str(tmp_path / "data"),
            ],
            capture_output=True,
            check=True,
            timeout=60,
            env=env_for(tmp_path / "data"),
        )
        assert json.loads(done.stdout)["deleted"] is True
        # SQLite: at the very next request. PostgreSQL: as soon as the server hears the
        # commit's NOTIFY, within milliseconds (docs/deploy.md).
        window_s = 0.0 if test_store == "sqlite" else 2.0
        deadline = time.monotonic() + window_s
        while True:
            answer = httpx.post(
                proc.server.api_url + "auth.test",
                headers={"Authorization": f"Bearer {ws.carol.token}"},
                timeout=10,
            ).json()
            if answer.get("ok") is False or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        assert answer == {"ok": False, "error": "account_inactive"}
        # Nobody else's token is touched.
        assert proc.server.client(ws.alice.token).api_call("auth.test")["ok"] is True
    finally:
        proc.stop()
