"""The composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from hubbub.api.openapi import document
from hubbub.api.routes import method_table
from hubbub.api.server import ApiFirst, WebApi
from hubbub.bus.memory import MemoryBus
from hubbub.config import UVICORN_OPTIONS, Settings
from hubbub.jobs.relay import OutboxRelay
from hubbub.limits.memory import MemoryLimiter
from hubbub.presence.memory import MemoryPresence
from hubbub.realtime.gateway import Gateway
from hubbub.realtime.socket import RtmProtocol
from hubbub.services.hub import Hub
from hubbub.services.realtime import Tickets
from hubbub.store.sqlite import SqliteStore
from hubbub.web.routes import web_routes

OPENAPI_PATH = "/api/openapi.json"
RTM_PATH = "/rtm"


def build_hub(settings: Settings) -> Hub:
    return Hub(
        store=SqliteStore(settings.database),
        bus=MemoryBus(),
        presence=MemoryPresence(),
        base_url=settings.base_url,
        tickets=Tickets(settings.rtm_ticket_ttl_s),
    )


# How uvicorn serves build_app's application: RTM sockets need hubbub's WebSocket protocol.
SERVER_OPTIONS: dict[str, Any] = {**UVICORN_OPTIONS, "ws": RtmProtocol}


def build_app(settings: Settings) -> ApiFirst:
    hub = build_hub(settings)
    methods = method_table()
    api = WebApi(
        hub,
        MemoryLimiter(),
        methods,
        rate_limits=settings.rate_limits,
        max_body=settings.max_body_bytes,
    )
    spec = document(methods)
    # The RTM gateway serves its sockets on the same port (docs/realtime.md).
    gateway = Gateway(
        hub,
        send_queue=settings.rtm_send_queue,
        resume_max_events=settings.rtm_resume_max_events,
    )

    async def openapi(_request: Request) -> Response:
        return JSONResponse(spec)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        relay = OutboxRelay(hub)
        relay.start()
        # Objects alive after start-up live as long as the server: keeping them out of the
        # collector's full passes took the p99 of a post from ~90 to ~40 ms (bench post).
        gc.collect()
        gc.freeze()
        yield
        await gateway.stop()
        await relay.stop()
        await hub.bus.close()
        await hub.store.close()

    app = Starlette(
        routes=[
            Route(OPENAPI_PATH, openapi, methods=["GET"]),
            WebSocketRoute(RTM_PATH, gateway.endpoint),
            *web_routes(hub),
        ],
        lifespan=lifespan,
    )
    # Any other path and verb under /api/ answers in Slack's envelope, never a bare HTML error.
    return ApiFirst(api, app, passthrough=frozenset({OPENAPI_PATH}))
