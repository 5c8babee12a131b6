"""Socket Mode under an app that stops reading: this process claims and sends at most
`socket_mode_in_flight` of its envelopes at once, leaves the rest to their senders' next try,
and serves the app again once it reads."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from hubbub.services import app_sockets
from tests.support.apps import make_app
from tests.support.rtm import narrow_socket
from tests.support.servers import make_workspace, server_in_this_loop, settings_for

IN_FLIGHT = 4


async def open_stalling(url: str, app_token: str) -> ClientConnection:
    """An app's Socket Mode connection that reads little: a tiny receive window, and a client
    that stops taking frames from it after the first."""
    async with httpx.AsyncClient(base_url=url) as http:
        answer = await http.post(
            "/api/apps.connections.open", headers={"Authorization": f"Bearer {app_token}"}
        )
    link = answer.json()["url"]
    raw = narrow_socket(link)
    raw.setblocking(False)
    return await connect(link, sock=raw, max_size=None, max_queue=1)


async def test_an_app_that_stops_reading_holds_a_bounded_number_of_envelopes(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    settings = settings_for(
        data_dir, rate_limits=False, socket_mode_in_flight=IN_FLIGHT, socket_mode_ack_timeout_s=0.5
    )
    make_workspace(data_dir)
    app = make_app(data_dir, name="Stalled", socket_mode=True)
    async with server_in_this_loop(settings) as (url, front):
        hub, gateway = front.api.hub, front.socket_mode
        assert gateway is not None
        ws = await open_stalling(url, app.app_token)
        assert orjson.loads(await ws.recv())["type"] == "hello"

        # Random (incompressible) payloads, so that the kernel's buffers fill before long.
        blob = base64.b64encode(os.urandom(22_000)).decode()
        most = 0
        sending = asyncio.gather(
            *(
                app_sockets.socket_send(hub, app.app.id, "events_api", {"n": n, "blob": blob})
                for n in range(300)
            )
        )
        while not sending.done():
            most = max(most, len(gateway.tasks))
            await asyncio.sleep(0.001)
        assert await sending == [None] * 300  # nothing acked: each delivery tries again later
        assert 0 < most <= IN_FLIGHT

        # The app reads again (the backlog first): its next envelopes are sent and acked.
        async def ack_all() -> None:
            async for raw in ws:
                body: dict[str, Any] = orjson.loads(raw)
                if "envelope_id" in body:
                    await ws.send(orjson.dumps({"envelope_id": body["envelope_id"]}).decode())

        acking = asyncio.create_task(ack_all())
        answers = await asyncio.gather(
            *(
                app_sockets.socket_send(hub, app.app.id, "events_api", {"n": n}, timeout_s=10)
                for n in range(IN_FLIGHT)
            )
        )
        assert answers == [{}] * IN_FLIGHT
        acking.cancel()
        await ws.close()
