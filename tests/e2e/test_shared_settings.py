"""A running server takes up a shared setting stored by `hubbub admin settings` (or its use
case) within shared_settings_s, without a restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from slack_sdk.errors import SlackApiError

from hubbub import shared_settings
from hubbub.config import Settings
from tests.support.servers import env_for, make_workspace, run_admin, threaded_server
from tests.support.waiting import wait_for


def test_a_running_server_takes_up_a_change_without_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with threaded_server(data, rate_limits=True, shared_settings_s=0.2) as server:
        ws = make_workspace(data)
        alice = server.client(ws.alice.token)

        def limited() -> bool:
            """Whether conversations.list (Tier 2: 20 a minute, 20 at once) refuses now."""
            try:
                for _ in range(25):
                    alice.conversations_list()
            except SlackApiError as exc:
                assert exc.response.status_code == 429
                return True
            return False

        assert limited()
        settings = Settings(data_dir=data)
        run_admin(data, lambda hub: shared_settings.store(hub, "rate_limits", "off"), settings)
        wait_for(lambda: not limited(), 10, "rate limits off")
        # The command line, as an operator types it.
        command = [sys.executable, "-m", "hubbub", "admin", "settings", "set", "rate_limits"]
        done = subprocess.run(
            [*command, "on", "--data-dir", str(data)], env=env_for(data), capture_output=True
        )
        assert done.returncode == 0, done.stderr
        wait_for(limited, 10, "rate limits on again")
        refused = subprocess.run(
            [*command, "sometimes", "--data-dir", str(data)],
            env=env_for(data),
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 2 and "rate_limits" in refused.stderr
        assert run_admin(data, lambda hub: hub.shards.shared_settings(), settings) == {
            "rate_limits": "true"
        }

        # rate_scale: users.info, Tier 4 (100 a minute, 100 at once), at 1/50 of it: 2 at once.
        run_admin(data, lambda hub: shared_settings.store(hub, "rate_scale", "0.02"), settings)

        def scaled() -> bool:
            try:
                for _ in range(3):
                    alice.users_info(user=ws.bob.user_id)
            except SlackApiError as exc:
                return exc.response.status_code == 429
            return False

        wait_for(scaled, 10, "Tier 4 scaled down to 2 at once")
