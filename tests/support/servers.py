"""Real hubbub servers on 127.0.0.1 for tests: in a thread, or as a process that can be killed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from slack_sdk import WebClient

from hubbub.app import Front, build_app, build_hub, server_options
from hubbub.config import Settings
from hubbub.services import workspaces
from hubbub.services.hub import Hub
from tests.support.waiting import until, wait_for

T = TypeVar("T")

# Under HUBBUB_TEST_STORE=postgres (tests/support/services.py sets this up) every data directory
# the tests use is stored in a PostgreSQL database of its own instead of its SQLite file.
_postgres_for: Callable[[Path], str] | None = None


def use_postgres(database_for: Callable[[Path], str] | None) -> None:
    global _postgres_for
    _postgres_for = database_for


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `hubbub` child process on this data directory."""
    env = dict(os.environ, **extra)
    database_url = settings_for(data_dir).database_url
    if database_url:
        env["HUBBUB_DATABASE_URL"] = database_url
    return env


def settings_for(data_dir: Path, **values: Any) -> Settings:
    """The settings of a server or admin command on this data directory, as tests run them."""
    if _postgres_for is not None:
        values["database_url"] = _postgres_for(data_dir)
    return Settings(data_dir=data_dir, **values)


@dataclass
class Server:
    url: str
    data_dir: Path

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def client(self, token: str | None = None, **kwargs: Any) -> WebClient:
        return WebClient(token=token, base_url=self.api_url, timeout=30, **kwargs)


def free_socket() -> socket.socket:
    # proto must say TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto is
    # IPPROTO_TCP, and without it every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def threaded_server(data_dir: Path, *, rate_limits: bool = False, **store: Any) -> Iterator[Server]:
    """store: other Settings fields, such as where the data lives instead (database_url, shards,
    ...) or public_url."""
    with threaded_app(data_dir, rate_limits=rate_limits, **store) as running:
        yield running.server


@dataclass
class Running:
    """A threaded server with its insides, for tests that act on its hub from its own loop."""

    server: Server
    front: Front
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Runs coro on the server's event loop, as one of its requests would."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


@contextmanager
def threaded_app(data_dir: Path, *, rate_limits: bool = False, **store: Any) -> Iterator[Running]:
    sock = free_socket()
    port = sock.getsockname()[1]
    settings = settings_for(data_dir, port=port, rate_limits=rate_limits)
    if store:
        settings = settings.model_copy(update=store)
    # uvloop would become the event loop policy of the whole test process.
    options = {**server_options(settings), "loop": "asyncio"}
    front = build_app(settings)
    server = uvicorn.Server(uvicorn.Config(front, **options))
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()

    def started() -> bool:
        assert thread.is_alive(), "the server's thread ended"
        return bool(server.started)

    wait_for(started, timeout=15, interval=0.01, what="the server to start")
    try:
        yield Running(Server(f"http://127.0.0.1:{port}", data_dir), front, loops[0])
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@contextlib.asynccontextmanager
async def server_in_this_loop(settings: Settings) -> AsyncIterator[tuple[str, Front]]:
    """A server in the test's own event loop: the test reaches its parts (`Front`: the hub, the
    gateways) and runs code between its loop turns. Yields its URL and the app."""
    sock = free_socket()
    # The URLs the server hands out (rtm.connect, apps.connections.open) name this port.
    front = build_app(settings.model_copy(update={"port": sock.getsockname()[1]}))
    options = {**server_options(settings), "loop": "asyncio"}
    server = uvicorn.Server(uvicorn.Config(front, **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:

        def started() -> bool:
            assert not task.done(), "uvicorn did not start"
            return bool(server.started)

        await until(started, within_s=15, what="uvicorn to start")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", front
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()


class ProcessServer:
    """`hubbub serve` in its own process, so a test can kill -9 it and start it again."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        rate_limits: bool = False,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir, self.port, self.rate_limits = data_dir, port, rate_limits
        # Settings of this server's own (HUBBUB_*), over those of the test run.
        self.env = env or {}
        # More options of `hubbub serve` (--public-url URL).
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> Server:
        return Server(f"http://127.0.0.1:{self.port}", self.data_dir)

    def start(self) -> None:
        self.start_on(
            lambda: httpx.get(self.server.api_url + "api.test", timeout=1).status_code == 200
        )

    def start_on(self, ready: Callable[[], bool]) -> None:
        """Starts it and waits until ready() says it serves (a gateway answers no api.test)."""
        env = env_for(self.data_dir, HUBBUB_RATE_LIMITS="on" if self.rate_limits else "off")
        env.update(self.env)
        if "HUBBUB_SHARDS" in self.env:  # its own stores, whatever HUBBUB_TEST_STORE says
            env.pop("HUBBUB_DATABASE_URL", None)
        proc = self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hubbub",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                *self.args,
            ],
            env=env,
        )

        def serving() -> bool:
            assert proc.poll() is None, f"hubbub serve exited with {proc.returncode}"
            try:
                return ready()
            except httpx.HTTPError:
                return False

        wait_for(serving, timeout=20, interval=0.05, what=f"hubbub serve on port {self.port}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def answers(url: str) -> bool:
    """Whether a server answers at url, with whatever status: a check for wait_for while a
    server starts."""
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


def run_admin(
    data_dir: Path, work: Callable[[Hub], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Runs a use case as `hubbub admin` does: its own hub on the same data directory."""

    async def main() -> T:
        hub = build_hub(settings or settings_for(data_dir))
        try:
            return await work(hub)
        finally:
            await hub.close()

    return run_coroutine(main())


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also where this thread has a running loop: Playwright's sync API keeps one
    running while the browser tests' fixtures are alive, and asyncio.run refuses to nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class Member:
    user_id: str
    token: str
    name: str


@dataclass
class Workspace:
    team_id: str
    domain: str
    alice: Member  # a workspace admin
    bob: Member
    carol: Member
    bot: Member
    bot_id: str


def make_workspace(
    data_dir: Path, domain: str = "acme", settings: Settings | None = None
) -> Workspace:
    async def work(hub: Hub) -> Workspace:
        team = await workspaces.create_workspace(hub, domain.capitalize(), domain)
        people = []
        for name, admin in (("alice", True), ("bob", False), ("carol", False)):
            acct = await workspaces.create_user(
                hub,
                domain,
                email=f"{name}@{domain}.test",
                name=name,
                password="pw-" + name,
                admin=admin,
            )
            people.append(Member(acct.user.id, acct.token, name))
        bot = await workspaces.create_bot(hub, domain, name="robot")
        assert bot.user.bot_id is not None
        return Workspace(
            team.id,
            domain,
            people[0],
            people[1],
            people[2],
            Member(bot.user.id, bot.token, "robot"),
            bot.user.bot_id,
        )

    return run_admin(data_dir, work, settings)


def module_server(name: str, **settings: Any) -> Any:
    """A module-scoped `server` fixture: one server (rate limits off) for a whole test module,
    with `settings` over threaded_server's."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        with threaded_server(tmp_path_factory.mktemp(name) / "data", **settings) as srv:
            yield srv

    return server


def module_workspace() -> Any:
    """A module-scoped `workspace` fixture on the module's server."""

    @pytest.fixture(scope="module")
    def workspace(server: Server) -> Workspace:
        return make_workspace(server.data_dir)

    return workspace
