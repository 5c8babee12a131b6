"""Settings from a TOML file (`--config cluster.toml`), the command line and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubbub.config import load_settings


def test_a_config_file_sets_what_the_command_line_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBBUB_RTM_SEND_QUEUE", "77")
    config = tmp_path / "cluster.toml"
    config.write_text(
        'database_url = "postgresql+psycopg://postgres@db:5432/hubbub"\n'
        'redis_url = "redis://cache:6379/0"\n'
        "port = 9000\n"
    )
    settings = load_settings(config, port=9100, host=None)
    assert settings.database_url == "postgresql+psycopg://postgres@db:5432/hubbub"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.port == 9100  # the command line wins
    assert settings.host == "127.0.0.1"  # not given anywhere: the default
    assert settings.rtm_send_queue == 77  # the environment fills in the rest


def test_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "cluster.toml"
    config.write_text('redis = "redis://cache:6379/0"\n')
    with pytest.raises(ValueError, match="unknown settings redis"):
        load_settings(config)
