"""Settings from a TOML file (`--config cluster.toml`), the command line and the environment,
and the URLs they make."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubbub.config import Settings, load_settings
from hubbub.domain.model import Message
from hubbub.domain.urls import gateway_url_at


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


# -- public_url: the base of every URL handed out (domain/urls.py) ------------------------------


def test_without_public_url_the_urls_name_the_address_served_at() -> None:
    urls = Settings(host="127.0.0.1", port=9000).urls
    assert urls.base == "http://127.0.0.1:9000"
    assert urls.rtm("t") == "ws://127.0.0.1:9000/rtm?ticket=t"
    assert Settings(host="::1", port=9000).urls.base == "http://[::1]:9000"


def test_every_kind_of_url_starts_with_public_url(tmp_path: Path) -> None:
    config = tmp_path / "cluster.toml"
    config.write_text('public_url = "https://chat.example.test/"\nport = 9000\n')
    urls = load_settings(config).urls
    base = "https://chat.example.test"
    assert urls.workspace() == base + "/"
    assert urls.permalink(_message("1700000000.000100", None)) == (
        base + "/archives/C1/p1700000000000100"
    )
    assert urls.permalink(_message("1700000000.000200", "1700000000.000100")) == (
        base + "/archives/C1/p1700000000000200?thread_ts=1700000000.000100&cid=C1"
    )
    assert urls.invite("code") == base + "/join/code"
    assert urls.command_response("code") == base + "/commands/code"
    assert urls.webhook("T1", "B1", "s") == base + "/services/T1/B1/s"
    assert urls.rtm("t") == "wss://chat.example.test/rtm?ticket=t"
    assert urls.socket_mode("t", "A1") == "wss://chat.example.test/link/?ticket=t&app_id=A1"


def test_rtm_url_moves_only_the_sockets() -> None:
    urls = Settings(public_url="https://chat.example.test", rtm_url="wss://rtm.example.test/").urls
    assert urls.rtm("t") == "wss://rtm.example.test/rtm?ticket=t"
    assert urls.invite("c") == "https://chat.example.test/join/c"


@pytest.mark.parametrize(
    "url", ["chat.example.test", "ftp://chat.example.test", "https://", "https://x.test/?a=1"]
)
def test_a_public_url_that_cannot_be_a_base_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "gw.example.test:9000",
        "http://gw.example.test",
        "ws://",
        "ws://gw.test/rtm",
        "ws://g.test?a",
    ],
)
def test_a_gateway_url_that_cannot_be_a_socket_base_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="gateway_url"):
        Settings(gateway_url=url)


def test_a_gateway_url_places_a_socket_at_that_gateway() -> None:
    assert Settings(gateway_url="wss://gw3.example.test:8443/").gateway_url == (
        "wss://gw3.example.test:8443"
    )
    urls = Settings(public_url="https://chat.example.test").urls
    assert (
        urls.rtm("t", "wss://gw3.example.test:8443") == "wss://gw3.example.test:8443/rtm?ticket=t"
    )
    assert urls.socket_mode("t", "A1", "ws://10.0.0.3:9001") == (
        "ws://10.0.0.3:9001/link/?ticket=t&app_id=A1"
    )


@pytest.mark.parametrize(
    ("base", "port", "url"),
    [
        ("http://127.0.0.1:8080", 9001, "ws://127.0.0.1:9001"),
        ("https://chat.example.test/", 8443, "wss://chat.example.test:8443"),
        ("http://[::1]:8080", 9001, "ws://[::1]:9001"),
    ],
)
def test_serves_gateway_port_is_reached_at_the_servers_host(base: str, port: int, url: str) -> None:
    assert gateway_url_at(base, port) == url


def _message(ts: str, thread_ts: str | None) -> Message:
    return Message(
        "T1", "C1", ts, "U1", None, None, "hi", None, None, thread_ts, 0, (), None, None, None, None
    )
