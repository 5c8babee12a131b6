"""`hubbub admin` in its own process while `hubbub serve` runs on the same data directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import (
    ProcessServer,
    env_for,
    free_port,
    make_workspace,
    threaded_server,
)
from tests.support.waiting import wait_for


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
        answers: list[dict[str, Any]] = []

        def refused() -> dict[str, Any] | None:
            answers.append(
                httpx.post(
                    proc.server.api_url + "auth.test",
                    headers={"Authorization": f"Bearer {ws.carol.token}"},
                    timeout=10,
                ).json()
            )
            return answers[-1] if answers[-1].get("ok") is False else None

        answer = wait_for(
            refused, timeout=window_s, interval=0.01, what=lambda: f"refused, not {answers[-1]}"
        )
        assert answer == {"ok": False, "error": "account_inactive"}
        # Nobody else's token is touched.
        assert proc.server.client(ws.alice.token).api_call("auth.test")["ok"] is True
    finally:
        proc.stop()


def _admin_jobs(data_dir: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubbub",
            "admin",
            "jobs",
            "--data-dir",
            str(data_dir),
            "--interval",
            "0.2",
        ],
        capture_output=True,
        check=True,
        timeout=60,
        env=env_for(data_dir),
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_admin_jobs_shows_what_the_servers_sql_runner_did(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with threaded_server(data) as srv:
        ws = make_workspace(data)
        alice = srv.client(ws.alice.token)
        dm = alice.conversations_open(users=ws.bob.user_id)["channel"]["id"]
        alice.chat_postMessage(channel=dm, text="a DM notifies: one notify job")

        def notified() -> dict[str, Any] | None:
            report: dict[str, Any] = _admin_jobs(data)
            return report if report["sql"]["totals"].get("notify:done", 0) >= 1 else None

        report = wait_for(notified, 20, "a notify job done", interval=0.2)
    assert report["ok"] is True and "streams" not in report
    assert set(report["sql"]["rates_per_s"]) == set(report["sql"]["totals"])
