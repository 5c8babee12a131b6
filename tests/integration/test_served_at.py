"""Where the server is reached, recorded in the data it serves (services/served.py): the SQLite
file, a PostgreSQL database, or a sharded deployment's directory; and what `hubbub admin` and
`hubbub worker` hand out from it (app.tool_hub)."""

from __future__ import annotations

from typing import Any

from hubbub.app import build_hub, tool_hub
from hubbub.config import Settings
from hubbub.services import served


async def _urls_of_a_tool(**settings: Any) -> tuple[str, str]:
    hub = await tool_hub(Settings(**settings))
    try:
        return hub.urls.base, hub.urls.socket
    finally:
        await hub.close()


async def test_a_tool_hands_out_the_urls_of_the_server_last_started(
    deployment: dict[str, Any],
) -> None:
    # Nothing recorded yet: the tool's own settings.
    assert await _urls_of_a_tool(**deployment, port=7000) == (
        "http://127.0.0.1:7000",
        "ws://127.0.0.1:7000",
    )
    for port in (9000, 9001):  # a server, then another started on the same data
        server = build_hub(Settings(**deployment, port=port))
        try:
            await served.record(server)
        finally:
            await server.close()
    assert await _urls_of_a_tool(**deployment, port=7000) == (
        "http://127.0.0.1:9001",
        "ws://127.0.0.1:9001",
    )
    # Its own rtm_url still places the sockets; its own public_url wins over the record.
    found = await _urls_of_a_tool(**deployment, rtm_url="wss://rtm.example.test")
    assert found == ("http://127.0.0.1:9001", "wss://rtm.example.test")
    found = await _urls_of_a_tool(**deployment, public_url="https://chat.example.test")
    assert found == ("https://chat.example.test", "wss://chat.example.test")
