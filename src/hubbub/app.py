"""The composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from hubbub.api.apps import response_routes
from hubbub.api.file_routes import file_routes
from hubbub.api.openapi import document
from hubbub.api.routes import method_table
from hubbub.api.server import WebApi
from hubbub.api.webhooks import webhook_routes
from hubbub.blobs.filesystem import FileBlobs
from hubbub.blobs.port import Blobs
from hubbub.bus.memory import MemoryBus
from hubbub.bus.redis import RedisBus
from hubbub.config import UVICORN_OPTIONS, Settings
from hubbub.domain.processes import SOCKET_ROLES
from hubbub.domain.urls import RTM_PATH, SOCKET_MODE_PATH
from hubbub.http_protocol import HttpProtocol
from hubbub.jobs.background import Background
from hubbub.jobs.event_sweep import EventSweeper
from hubbub.jobs.file_sweep import FileSweeper
from hubbub.jobs.kinds import REACTORS, Kind, kinds
from hubbub.jobs.presence_sweep import PresenceSweeper
from hubbub.jobs.preview_sweep import PreviewSweeper
from hubbub.jobs.queue import SqlQueue
from hubbub.jobs.registration import Registration
from hubbub.jobs.relay import OutboxRelay
from hubbub.jobs.runner import JobRunner
from hubbub.jobs.streams import JobStreams, StreamRelay
from hubbub.limits.memory import MemoryLimiter
from hubbub.limits.port import Limiter
from hubbub.limits.redis import RedisLimiter
from hubbub.mail.port import Mailer
from hubbub.mail.smtp import SmtpMailer
from hubbub.outbound.guarded import GuardedClient
from hubbub.presence.memory import MemoryPresence
from hubbub.presence.redis import RedisPresence
from hubbub.processes.memory import MemoryProcesses
from hubbub.processes.redis import RedisProcesses
from hubbub.realtime.gateway import Gateway
from hubbub.realtime.socket import RtmProtocol
from hubbub.realtime.socket_mode import SocketModeGateway
from hubbub.redis_client import redis_client
from hubbub.services import served
from hubbub.services.hub import Hub
from hubbub.shared_settings import SharedSettingsWatch
from hubbub.store.directory import Directory
from hubbub.store.move import MoveReport, move_workspace
from hubbub.store.port import Shards
from hubbub.store.postgres import PostgresStore
from hubbub.store.shard_load import measure
from hubbub.store.sharded import ShardedStores
from hubbub.store.single import SingleShard
from hubbub.store.sqlite import SqliteStore
from hubbub.tickets.memory import MemoryTickets
from hubbub.tickets.redis import RedisTickets
from hubbub.web.routes import web_routes

OPENAPI_PATH = "/api/openapi.json"

log = structlog.get_logger()


def build_shards(settings: Settings) -> Shards:
    if settings.shards:
        assert settings.directory_url  # Settings checks it
        return ShardedStores(
            Directory(settings.directory_url),
            {name: PostgresStore(url) for name, url in settings.shards.items()},
        )
    if settings.database_url:
        return SingleShard(PostgresStore(settings.database_url))
    return SingleShard(SqliteStore(settings.database, readers=settings.sqlite_readers))


def build_mailer(settings: Settings) -> Mailer | None:
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout_s=settings.smtp_timeout_s,
    )


def build_blobs(settings: Settings) -> Blobs:
    if settings.files_store == "filesystem":
        return FileBlobs(settings.files_dir)
    assert settings.s3_bucket  # Settings checks it
    # Imported only here: aiobotocore and aiohttp take ~0.3 s of CPU to import, which every
    # process (each `hubbub admin`, each test server) paid with files on the filesystem.
    from hubbub.blobs.s3 import S3Blobs

    return S3Blobs(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        prefix=settings.s3_prefix,
    )


def build_hub(settings: Settings) -> Hub:
    """The ports: in this process (embedded), or shared through Redis when it is configured."""
    shards = build_shards(settings)
    outbound = GuardedClient(
        allow_private=settings.allow_private_outbound, timeout_s=settings.outbound_timeout_s
    )
    if not settings.redis_url:
        return Hub(
            shards=shards,
            bus=MemoryBus(),
            presence=MemoryPresence(),
            tickets=MemoryTickets(settings.rtm_ticket_ttl_s),
            processes=MemoryProcesses(),
            live=settings.live,
            urls=settings.urls,
            blobs=build_blobs(settings),
            app_timings=settings.app_timings,
            job_limits=settings.job_limits,
            file_limits=settings.file_limits,
            mailer=build_mailer(settings),
            outbound=outbound,
            on_close=[outbound.close],
        )
    client = redis_client(settings.redis_url)
    prefix = settings.redis_prefix
    return Hub(
        shards=shards,
        bus=RedisBus(settings.redis_url, prefix=prefix),
        presence=RedisPresence(client, prefix=prefix, lease_s=settings.presence_lease_s),
        tickets=RedisTickets(client, settings.rtm_ticket_ttl_s, prefix=prefix),
        processes=RedisProcesses(client, prefix=prefix),
        live=settings.live,
        urls=settings.urls,
        blobs=build_blobs(settings),
        app_timings=settings.app_timings,
        job_limits=settings.job_limits,
        file_limits=settings.file_limits,
        mailer=build_mailer(settings),
        outbound=outbound,
        on_close=[client.aclose, outbound.close],
    )


async def tool_hub(settings: Settings) -> Hub:
    """build_hub for the processes that hand out the server's URLs without serving them
    (`hubbub admin`, `hubbub worker`): unless their settings name a public_url, their URLs are
    those of the server last started on the same data (services/served.py), so a webhook URL
    printed names the port the server listens on, not this process's default."""
    hub = build_hub(settings)
    # No relay of its own unless it starts one (jobs/admin.py Worker): it keeps no record of
    # what it publishes, which nothing would empty.
    hub.published_outbox = None
    if settings.public_url is None:
        try:
            await served.use_recorded(hub, settings.rtm_url)
        except BaseException:
            await hub.close()
            raise
    await read_shared_settings(hub, settings)
    return hub


async def read_shared_settings(hub: Hub, settings: Settings) -> SharedSettingsWatch:
    """The deployment's shared settings applied to hub now (what it writes follows them: a
    large room's joins), and the watch that keeps them so, for the process to start. A store
    out of reach leaves the settings file's, logged."""
    watch = SharedSettingsWatch(hub, settings)
    try:
        await watch.run_once()
    except Exception as exc:
        log.warning("shared_settings_not_read", error=f"{type(exc).__name__}: {exc}")
    return watch


def build_limiter(settings: Settings, hub: Hub) -> Limiter:
    if not settings.redis_url:
        return MemoryLimiter()
    client = redis_client(settings.redis_url)
    hub.on_close.append(client.aclose)
    return RedisLimiter(client, prefix=settings.redis_prefix)


# How uvicorn serves build_app's application: RTM sockets need hubbub's WebSocket protocol, and
# requests a cap on their heads.
SERVER_OPTIONS: dict[str, Any] = {
    **UVICORN_OPTIONS,
    "http": HttpProtocol,
    "ws": RtmProtocol,
    "ws_per_message_deflate": False,
}


def server_options(settings: Settings) -> dict[str, Any]:
    """SERVER_OPTIONS for these settings: the sockets' keepalive, and X-Forwarded-For and
    -Proto believed only from the trusted proxies (uvicorn's ProxyHeadersMiddleware sets the
    client address and scheme from them), so a client that sends them itself changes
    neither."""
    options = {
        **SERVER_OPTIONS,
        "ws_ping_interval": settings.ws_ping_interval_s or None,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
    }
    if settings.trusted_proxies:
        options["proxy_headers"] = True
        options["forwarded_allow_ips"] = list(settings.trusted_proxies)
    return options


def build_app(settings: Settings) -> Front:
    hub = build_hub(settings)
    limiter = build_limiter(settings, hub)
    hub.limiter = limiter
    methods = method_table()
    api = WebApi(
        hub,
        limiter,
        methods,
        max_body=settings.max_body_bytes,
        write_deadline_s=settings.write_deadline_s,
    )
    spec = document(methods)
    socket_mode = SocketModeGateway(hub, in_flight=settings.socket_mode_in_flight)
    # The RTM gateway serves its sockets on the same port (docs/realtime.md).
    gateway = Gateway(
        hub,
        send_queue=settings.rtm_send_queue,
        resume_max_events=settings.rtm_resume_max_events,
        held_events=settings.rtm_held_events,
    )

    async def openapi(_request: Request) -> Response:
        return JSONResponse(spec)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        relay = OutboxRelay(hub, reactors=REACTORS)
        sweeper = PresenceSweeper(hub, interval_s=settings.presence_sweep_s)
        previews = PreviewSweeper(hub, interval_s=settings.preview_sweep_s)
        events = EventSweeper(
            hub, keep=settings.event_retention_per_stream, interval_s=settings.event_sweep_s
        )
        orphans = FileSweeper(
            hub, interval_s=settings.file_sweep_s, grace_s=settings.file_orphan_grace_s
        )
        jobs = job_loop(hub, settings)
        registration = registration_of(settings, hub, gateway, socket_mode)
        # Before the first request: a process that starts applies what the others apply.
        shared = await read_shared_settings(hub, settings)
        if settings.role != "gateway":
            # Admin commands hand out URLs of the Web API and the pages, which a gateway does
            # not serve: only a process that does says where it is reached.
            await served.record(hub)
        registration.start()
        shared.start()
        relay.start()
        sweeper.start()
        previews.start()
        events.start()
        orphans.start()
        jobs.start()
        # Objects alive after start-up live as long as the server: keeping them out of the
        # collector's full passes took the p99 of a post from ~90 to ~40 ms (bench post).
        gc.collect()
        gc.freeze()
        yield
        await socket_mode.stop()
        await gateway.stop()
        await jobs.stop()
        await orphans.stop()
        await events.stop()
        await previews.stop()
        await sweeper.stop()
        await relay.stop()
        await registration.stop()
        await shared.stop()
        await hub.close()

    app = Starlette(
        routes=[
            Route(OPENAPI_PATH, openapi, methods=["GET"]),
            *webhook_routes(hub, settings.max_body_bytes),
            *web_routes(hub),
            *response_routes(hub),
            *file_routes(hub),
        ],
        lifespan=lifespan,
        exception_handlers={ClientDisconnect: client_gone},
    )
    return Front(api, gateway, app, role=settings.role, socket_mode=socket_mode)


def registration_of(
    settings: Settings, hub: Hub, gateway: Gateway, socket_mode: SocketModeGateway
) -> Registration:
    """This server's record among the deployment's processes: where it serves the Web API, where
    it takes sockets if it registers an address for them, and how many it holds."""

    def carrying() -> tuple[int, int]:
        return len(gateway.sessions), sum(map(len, socket_mode.connections.values()))

    takes_sockets = settings.role in SOCKET_ROLES
    return Registration(
        hub,
        role=settings.role,
        lease_s=settings.process_lease_s,
        api_url=None if settings.role == "gateway" else hub.urls.base,
        socket_url=settings.gateway_url if takes_sockets else None,
        carrying=carrying,
    )


async def client_gone(request: Request, _exc: Exception) -> Response:
    """A client that hung up before its body was all sent: not an error of ours, and nobody is
    there to read the answer (the Web API's own path does the same in api/server.py)."""
    log.info("http_client_gone", path=request.url.path)
    return Response(status_code=400, headers={"Connection": "close"})


def job_loop(hub: Hub, settings: Settings) -> Background:
    """What this process does with background jobs: runs them from the jobs tables, or (with
    Redis Streams) moves them there for `hubbub worker` processes."""
    table = kinds(limits=hub.job_limits)
    if settings.job_queue == "redis":
        # No longer than the jobs' own lease: job_timeout_max_s shortens both.
        lease_s = min(30.0, job_lease_s(table))
        return StreamRelay(hub, job_streams(hub, settings), lease_s=lease_s)
    queue = SqlQueue(hub, lease_s=job_lease_s(table))
    runner = JobRunner(hub, queue, table, concurrency=settings.job_concurrency)
    hub.jobs_queued = runner.wake
    return runner


def job_lease_s(table: dict[str, Kind]) -> float:
    """How long a claimed job is held: past the longest timeout, so a job running to its
    timeout is not taken by another worker meanwhile."""
    return max((kind.spec.timeout_s for kind in table.values()), default=10.0) + 5.0


def job_streams(hub: Hub, settings: Settings) -> JobStreams:
    if not settings.redis_url:
        raise ValueError("job_queue = redis needs redis_url")
    # A pool of its own: a worker's blocking XREADGROUP holds a connection for its whole wait,
    # which must not take one from presence or the tickets.
    client = redis_client(settings.redis_url)
    hub.on_close.append(client.aclose)
    return JobStreams(client, prefix=settings.redis_prefix)


class Front:
    """The ASGI entry: the Web API and the RTM sockets straight to their handlers, the rest
    (web pages, the OpenAPI document) through Starlette.

    Starlette's middleware and router cost time on every API call and, for a socket, a stack of
    coroutine frames held for as long as it is open (~5 KB per socket, measured).
    """

    def __init__(
        self,
        api: WebApi,
        gateway: Gateway,
        app: ASGIApp,
        *,
        role: str = "all",
        socket_mode: SocketModeGateway | None = None,
    ) -> None:
        self.api, self.gateway, self.app = api, gateway, app
        self.socket_mode = socket_mode
        self.serves_http, self.serves_sockets = role != "gateway", role != "api"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket" and path == SOCKET_MODE_PATH and self.socket_mode:
            # Socket Mode: apps' sockets, served by every process that serves sockets.
            if not self.serves_sockets:
                await send({"type": "websocket.close", "code": 1008})
            else:
                await self.socket_mode.endpoint(WebSocket(scope, receive, send))
        elif scope["type"] == "websocket" and not (self.serves_sockets and path == RTM_PATH):
            # Refused before the handshake completes: the client sees HTTP 403.
            await send({"type": "websocket.close", "code": 1008})
        elif scope["type"] == "http" and not self.serves_http:
            await _not_here(send)
        elif scope["type"] == "http" and path.startswith("/api/") and path != OPENAPI_PATH:
            # Any path and verb under /api/ answers in Slack's envelope, never a bare error.
            await self.api.asgi(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.gateway.endpoint(WebSocket(scope, receive, send))
        else:
            await self.app(scope, receive, send)


async def _not_here(send: Send) -> None:
    """What a gateway-only process answers to HTTP: its balancer should not have sent it."""
    body = b'{"ok":false,"error":"not_served_here"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- `hubbub admin shards | move-workspace`: a sharded deployment's directory and shards ----------


def _directory(settings: Settings) -> Directory:
    # Callers check that the settings name shards; Settings, that a directory comes with them.
    assert settings.shards and settings.directory_url
    return Directory(settings.directory_url)


def shard_loads(settings: Settings, interval_s: float) -> list[dict[str, Any]]:
    directory = _directory(settings)
    try:
        return [asdict(load) for load in measure(directory, settings.shards, interval_s)]
    finally:
        directory.close()


def move(settings: Settings, domain: str, target: str) -> MoveReport:
    directory = _directory(settings)
    try:
        return move_workspace(directory, settings.shards, domain, target)
    finally:
        directory.close()
