"""Where the server is reached, recorded for the processes that hand out its URLs without serving.

`hubbub admin create-webhook` runs in a process of its own, which knows neither `hubbub serve`'s
--host and --port nor its environment. So a server records the base of its URLs in the data it
serves when it starts (its public_url, else the address it listens on), and other processes on
the same data take that base unless they are given a public_url themselves (app.tool_hub). A
server that stopped leaves its record: the next to start replaces it.
"""

from __future__ import annotations

import structlog

from hubbub.domain.errors import Unavailable
from hubbub.domain.urls import PublicUrls
from hubbub.services.hub import Hub

log = structlog.get_logger()


async def record(hub: Hub) -> None:
    """Notes hub.urls.base as where this server is reached."""
    try:
        await hub.shards.record_base_url(hub.urls.base)
    except Unavailable:
        # A server whose store is down at start still serves once it is back; admin commands
        # meanwhile fall back to their own settings.
        log.warning("served_at_not_recorded", url=hub.urls.base)


async def use_recorded(hub: Hub, rtm_url: str | None) -> None:
    """Hands out the URLs of the server last recorded on hub's data, if any; rtm_url, this
    process's setting, still places the sockets."""
    recorded = await hub.shards.recorded_base_url()
    if recorded is not None:
        hub.urls = PublicUrls.at(recorded, rtm_url)
