"""Shared settings (hubbub/shared_settings.py): stored where every process of a deployment reads
them (the SQLite file, a PostgreSQL database, a sharded deployment's directory), applied over
each process's own settings (a running server's: tests/e2e/test_shared_settings.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hubbub import shared_settings
from hubbub.app import build_hub, tool_hub
from hubbub.config import Settings
from hubbub.domain.abuse import Rate


async def test_stored_values_apply_over_every_processs_own(deployment: dict[str, Any]) -> None:
    one, two = build_hub(Settings(**deployment)), build_hub(Settings(**deployment, rate_scale=3))
    try:
        base = Settings(**deployment, login_attempts_per_account=7)
        assert (await shared_settings.live(one, base)).limits.login_per_account == Rate(7 / 60, 7)
        assert await shared_settings.store(one, "rate_limits", "off") is False
        assert await shared_settings.store(one, "login_attempts_per_account", "12") == 12
        assert await two.shards.shared_settings() == {
            "login_attempts_per_account": "12",
            "rate_limits": "false",
        }
        live = await shared_settings.live(two, Settings(**deployment, rate_scale=3))
        assert (live.rate_limits, live.rate_scale) == (False, 3.0)  # not stored: its own
        assert live.limits.login_per_account == Rate(12 / 60, 12)

        await shared_settings.store(two, "rate_limits", None)
        assert await one.shards.shared_settings() == {"login_attempts_per_account": "12"}
        assert (await shared_settings.live(one, base)).rate_limits is True
    finally:
        await one.close()
        await two.close()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("port", "9000"),  # not a shared setting
        ("rate_limits", "maybe"),
        ("rate_scale", "0"),
        ("large_room_members", "1.5"),
        ("signups_per_address", "-1"),
        ("rate_scale", "9" * 300),
    ],
)
async def test_a_refused_value_stores_nothing(tmp_path: Path, name: str, text: str) -> None:
    hub = build_hub(Settings(data_dir=tmp_path))
    try:
        with pytest.raises(ValueError, match=name[:10] if name != "port" else "shared setting"):
            await shared_settings.store(hub, name, text)
        assert await hub.shards.shared_settings() == {}
    finally:
        await hub.close()


def test_a_stored_value_that_no_longer_passes_is_left_out() -> None:
    base = Settings(large_room_members=50)
    effective = shared_settings.applied(
        base, {"large_room_members": '"lots"', "port": "1", "rate_scale": "2"}
    )
    assert (effective.large_room_members, effective.port, effective.rate_scale) == (50, 8080, 2)


async def test_admin_commands_and_workers_apply_the_stored_values(
    deployment: dict[str, Any],
) -> None:
    """tool_hub (`hubbub admin`, `hubbub worker`): what they write follows them too (a large
    room's joins: `hubbub admin add-everyone`)."""
    hub = build_hub(Settings(**deployment))
    try:
        await shared_settings.store(hub, "large_room_members", "3")
    finally:
        await hub.close()
    tool = await tool_hub(Settings(**deployment, large_room_members=500))
    try:
        assert tool.live.large_room_members == 3
    finally:
        await tool.close()
