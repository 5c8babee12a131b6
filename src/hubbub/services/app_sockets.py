"""Socket Mode, the services' side: the single-use URL a connection opens with
(apps.connections.open), who it is, and envelopes handed to one of an app's sockets, wherever
they are held (realtime/socket_mode.py), through the bus, with the app's ack coming back.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson

from hubbub.domain import apps as rules
from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity
from hubbub.services.apps import get_app
from hubbub.services.hub import Hub
from hubbub.tickets.port import Ticket


async def connections_open(hub: Hub, who: Identity) -> str:
    """apps.connections.open: a single-use URL for one Socket Mode connection of the app."""
    if who.token_kind != rules.APP_TOKEN_KIND or who.app_id is None:
        raise SlackError("not_allowed_token_type")
    app = await get_app(hub, who.team_id, who.app_id)
    if not app.socket_mode:
        raise SlackError("socket_mode_not_enabled")  # hubbub's: Slack refuses it as well
    key = await hub.tickets.issue(Ticket(who, None))
    return hub.urls.socket_mode(key, app.id, await hub.gateways.choose())


async def consume_socket_ticket(hub: Hub, key: str) -> Identity | None:
    """Who a Socket Mode connection is, from its ticket: an app-level token's app, once."""
    ticket = await hub.tickets.consume(key)
    if ticket is None or not ticket.for_socket or ticket.who.token_kind != rules.APP_TOKEN_KIND:
        return None
    return ticket.who


def app_stream(app_id: str) -> str:
    """The bus topic of an app's envelopes: app ids (A…) meet no channel, team or user id."""
    return app_id


async def socket_send(
    hub: Hub,
    app_id: str,
    kind: str,
    payload: dict[str, Any],
    *,
    retry: int = 0,
    reason: str | None = None,
    accepts_response_payload: bool = False,
    timeout_s: float | None = None,
) -> dict[str, Any] | None:
    """Hands an envelope to one of the app's sockets, wherever they are held, and waits for the
    app's ack: the ack (its `payload`, if any), or None if none came in time (no socket, or
    an app too slow). The ack comes back on a bus topic of the envelope's own."""
    envelope_id = str(uuid.uuid4())
    reply = "E" + envelope_id.replace("-", "")
    loop = asyncio.get_running_loop()
    acked: asyncio.Future[bytes] = loop.create_future()

    def on_reply(_stream: str, _seq: int, data: bytes) -> None:
        if not acked.done():
            acked.set_result(data)

    envelope = {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
        "payload": payload,
        "retry_attempt": retry,
        "retry_reason": reason or "",
    }
    subscription = hub.bus.subscribe(reply, on_reply)
    try:
        await hub.bus.publish(
            app_stream(app_id), 0, orjson.dumps({"reply": reply, "envelope": envelope})
        )
        wait = hub.app_timings.ack_timeout_s if timeout_s is None else timeout_s
        answer: dict[str, Any] = orjson.loads(await asyncio.wait_for(acked, wait))
        return answer
    except TimeoutError:
        return None
    finally:
        subscription.close()


async def socket_ack(hub: Hub, reply: str, payload: Any) -> None:
    """What a socket's client acked, sent back to whoever waits for it (socket_send)."""
    body = {"payload": payload} if isinstance(payload, dict) else {}
    await hub.bus.publish(reply, 0, orjson.dumps(body))
