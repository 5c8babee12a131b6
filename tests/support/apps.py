"""Apps for tests: made as `hubbub admin create-app` makes them, on a server's data directory;
and slack_bolt apps run against a server as Slack's own SDK runs them, over Socket Mode (sync
and async) or over HTTP behind bolt's development server."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.app import SlackAppDevelopmentServer
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from hubbub.services import apps
from hubbub.services.apps import NewApp
from tests.support.servers import Server, Workspace, free_port, run_admin, settings_for
from tests.support.waiting import until, wait_for

# What a bot that posts, joins channels, reads them and looks people up asks for.
BOT_SCOPES = ("chat:write", "channels:join", "channels:history", "users:read")


def make_app(
    data_dir: Path,
    *,
    domain: str = "acme",
    name: str = "Weather",
    events: Iterable[str] = ("message.channels", "app_mention"),
    scopes: Iterable[str] | None = None,
    request_url: str | None = None,
    socket_mode: bool = False,
    commands: Iterable[str] = (),
    interactivity_url: str | None = None,
    shortcuts: Iterable[str] = (),
) -> NewApp:
    return run_admin(
        data_dir,
        lambda hub: apps.create_app(
            hub,
            domain,
            name=name,
            events=list(events),
            scopes=None if scopes is None else list(scopes),
            request_url=request_url,
            socket_mode=socket_mode,
            commands=list(commands),
            interactivity_url=interactivity_url,
            shortcuts=list(shortcuts),
        ),
        # The app's request URL is a server of the test's on 127.0.0.1.
        settings_for(data_dir, allow_private_outbound=True),
    )


def update_app(data_dir: Path, domain: str, app_id: str, **changes: Any) -> None:
    """As `hubbub admin update-app` does: `changes` are apps.update_app's (a new request URL is
    verified, from 127.0.0.1)."""
    run_admin(
        data_dir,
        lambda hub: apps.update_app(hub, domain, app_id, **changes),
        settings_for(data_dir, allow_private_outbound=True),
    )


def app_in_general(
    server: Server,
    workspace: Workspace,
    name: str,
    scopes: Iterable[str] = BOT_SCOPES,
    **kwargs: Any,
) -> tuple[NewApp, WebClient, str]:
    """An app (make_app's `kwargs`), its bot's client, and #general with its bot in it."""
    made = make_app(server.data_dir, name=name, scopes=scopes, **kwargs)
    bot = WebClient(token=made.bot_token, base_url=server.api_url)
    alice = server.client(workspace.alice.token)
    general = next(
        c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
    )
    bot.conversations_join(channel=general)
    return made, bot, general


def bolt_app(server: Server, made: NewApp, *, signed: bool = False) -> App:
    """A slack_bolt App as the made app's bot on this server; `signed` verifies requests with the
    app's signing secret (bolt over HTTP), which Socket Mode has no use for."""
    client = WebClient(token=made.bot_token, base_url=server.api_url)
    if signed:
        return App(signing_secret=made.app.signing_secret, client=client)
    return App(client=client)


def async_bolt_app(server: Server, made: NewApp, *, signed: bool = False) -> AsyncApp:
    """bolt_app's AsyncApp twin; made inside the event loop that runs it."""
    client = AsyncWebClient(token=made.bot_token, base_url=server.api_url)
    if signed:
        return AsyncApp(signing_secret=made.app.signing_secret, client=client)
    return AsyncApp(client=client)


@contextmanager
def bolt_socket_mode(
    app: App, app_token: str, timeout: float = 10.0
) -> Iterator[SocketModeHandler]:
    """The app connected over Socket Mode (bolt's SocketModeHandler) until the block ends."""
    handler = SocketModeHandler(app, app_token)
    handler.connect()
    try:
        wait_for(handler.client.is_connected, timeout, "the Socket Mode handler connected")
        yield handler
    finally:
        handler.close()


@asynccontextmanager
async def async_bolt_socket_mode(
    app: AsyncApp, app_token: str, within_s: float = 10.0
) -> AsyncIterator[AsyncSocketModeHandler]:
    """bolt_socket_mode for an AsyncApp, in the running event loop."""
    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()
    try:
        await until(handler.client.is_connected, within_s, "the Socket Mode handler connected")
        yield handler
    finally:
        await handler.close_async()


@contextmanager
def bolt_over_http(app: App, port: int | None = None) -> Iterator[str]:
    """Bolt's own development server for the app on 127.0.0.1 (`port`, or a free one), once it
    answers: yields its request URL, .../slack/events; shut down when the block ends."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    dev = SlackAppDevelopmentServer(port=port, path="/slack/events", app=app)
    thread = threading.Thread(target=dev.start, daemon=True)
    thread.start()

    def up() -> bool:
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError:
            return False
        return True

    try:
        wait_for(up, what=f"bolt's server on {url}")
        yield url
    finally:
        dev._server.shutdown()
        thread.join(5)
