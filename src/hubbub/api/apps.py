"""apps.connections.open (Socket Mode), chat.command, and the response URLs of slash commands
and of presses on blocks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hubbub.api.call import Call
from hubbub.api.registry import TIER_2, TIER_POST, Router
from hubbub.domain.errors import RateLimited, SlackError
from hubbub.domain.urls import ACTION_RESPONSE_PATH, COMMAND_RESPONSE_PATH
from hubbub.services import abuse, app_sockets, commands, interactions
from hubbub.services.hub import Hub
from hubbub.web.session import client_address

router = Router()


# Slack puts it in Tier 1; Tier 2 lets an app open its ten connections and reconnect.
@router.method("apps.connections.open", scopes="connections:write", tier=TIER_2, app_token=True)
async def connections_open(call: Call) -> dict[str, Any]:
    """A WebSocket URL for a Socket Mode connection; takes the app-level (`xapp-`) token."""
    return {"url": await app_sockets.connections_open(call.hub, call.who)}


@router.method(
    "chat.command",
    scopes="chat:write",
    tier=TIER_POST,
    args={"channel": "string", "command": "string", "text": "string"},
)
async def chat_command(call: Call) -> dict[str, Any]:
    """Runs a slash command in a channel (hubbub's own: Slack's clients use an internal API)."""
    answer = await commands.run(
        call.hub,
        call.who,
        call.required("channel", "channel_not_found"),
        call.required("command", "invalid_command"),
        call.text("text") or "",
    )
    return {"response": answer}


Respond = Callable[[Hub, str, Any], Awaitable[None]]


async def response_url(hub: Hub, request: Request, respond: Respond) -> Response:
    """POST /commands/<code> or /actions/<code>: an app's later answer to a slash command or
    to a press on a block (response_url)."""
    code = request.path_params["code"]
    try:
        await abuse.response_url(hub, client_address(request), code)
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse({"ok": False, "error": exc.code}, 429, headers=headers)
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return JSONResponse({"ok": False, "error": "invalid_payload"}, 400)
    try:
        await respond(hub, code, body)
    except SlackError as exc:
        status = 404 if exc.code in ("invalid_url", "expired_url") else 400
        return JSONResponse({"ok": False, "error": exc.code}, status)
    return JSONResponse({"ok": True})


def response_routes(hub: Hub) -> list[Route]:
    def endpoint(respond: Respond) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            return await response_url(hub, request, respond)

        return answer

    return [
        Route(COMMAND_RESPONSE_PATH + "{code}", endpoint(commands.respond), methods=["POST"]),
        Route(ACTION_RESPONSE_PATH + "{code}", endpoint(interactions.respond), methods=["POST"]),
    ]
