"""The cluster deployment's network faults: a TCP relay on 127.0.0.1 for each link (one client
process to one server process, e.g. serve-0 to redis), which the harness cuts or slows.

Why relays and not network namespaces: namespaces and veth pairs work on this machine, but its
kernel has neither the netem qdisc (no delay) nor tc actions (no drop filter), no iptables or
nft tables either, and no modules to load them; a relay makes both faults with one mechanism.

A cut is a blackhole, as a partition is, not a refusal: bytes already in flight wait in the
relay and in the kernel's buffers, nothing more is read either way, and a connection opened
meanwhile is accepted but not carried to its server, so the client waits as it would for a SYN
that never gets an answer. Healed, everything held goes on in order, as TCP's retransmissions
would carry it after a short partition. A delay holds each chunk for its time, in order, in
each direction (as netem on both ends of a veth pair would): a round trip takes twice as long.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 65536


@dataclass
class Link:
    """client → server: where the relay listens and where it carries what it hears."""

    client: str
    server: str
    target_port: int
    port: int = 0  # the relay's, once it listens
    delay_s: float = 0.0
    accepted: int = 0  # connections made through it, ever
    open: asyncio.Event = field(default_factory=asyncio.Event)
    conns: set[asyncio.Task[None]] = field(default_factory=set)
    listener: asyncio.Server | None = None


class Relays:
    """Every link's relay, on an event loop in a thread of its own (the harness's loop is busy
    with its workload, and faults are called from any thread)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.links: dict[tuple[str, str], Link] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="relays", daemon=True)
        self.thread.start()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def add(self, client: str, server: str, target_port: int) -> int:
        """A relay from client to server's target_port; the port the client must dial."""
        return self._call(self._add(client, server, target_port))

    async def _add(self, client: str, server: str, target_port: int) -> int:
        link = Link(client, server, target_port)
        link.open.set()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            link.conns.add(task)
            link.accepted += 1
            try:
                await self._carry(link, reader, writer)
            finally:
                link.conns.discard(task)

        link.listener = await asyncio.start_server(accept, self.host, 0)
        link.port = int(link.listener.sockets[0].getsockname()[1])
        self.links[(client, server)] = link
        return link.port

    async def _carry(
        self, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            await link.open.wait()  # a connection made during a cut waits, unanswered
            try:
                up_reader, up_writer = await asyncio.open_connection(self.host, link.target_port)
            except OSError:
                return  # the server is down: the client sees its connection end
            try:
                await asyncio.gather(
                    self._pump(link, reader, up_writer), self._pump(link, up_reader, writer)
                )
            finally:
                up_writer.close()
        finally:
            writer.close()

    async def _pump(
        self, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """One direction. Ends (and so closes both sides, via gather's caller) at EOF or error:
        PostgreSQL's and Redis's protocols never half-close."""
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await held.get()
                if not data:
                    return
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await link.open.wait()
                writer.write(data)
                await writer.drain()

        sending = asyncio.create_task(deliver())
        try:
            while True:
                await link.open.wait()
                data = await reader.read(CHUNK)
                await held.put((time.monotonic() + link.delay_s, data))
                if not data or sending.done():
                    break
            await sending
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await sending
            # The other direction's pump is blocked on its read: closing ends it.
            writer.close()

    def port(self, client: str, server: str) -> int:
        return self.links[(client, server)].port

    def accepted(self, client: str, server: str) -> int:
        return self.links[(client, server)].accepted

    def pairs(self) -> list[tuple[str, str]]:
        return list(self.links)

    def _find(self, a: str, b: str) -> Link:
        found = self.links.get((a, b)) or self.links.get((b, a))
        if found is None:
            raise ValueError(f"no link between {a!r} and {b!r}")
        return found

    def cut(self, a: str, b: str) -> None:
        """Returns once the cut is made: from then on nothing more passes."""
        link = self._find(a, b)
        self._call(self._set(link.open.clear))

    def slow(self, a: str, b: str, ms: int) -> None:
        link = self._find(a, b)

        def slower() -> None:
            link.delay_s = ms / 1000

        self._call(self._set(slower))

    def heal(self) -> None:
        def healed() -> None:
            for link in self.links.values():
                link.delay_s = 0.0
                link.open.set()

        self._call(self._set(healed))

    async def _set(self, change: Callable[[], None]) -> None:
        """A change of the links made on the relays' loop, which alone reads them."""
        change()

    def cut_links(self) -> list[tuple[str, str]]:
        return [pair for pair, link in self.links.items() if not link.open.is_set()]

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._call(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _close(self) -> None:
        for link in self.links.values():
            if link.listener is not None:
                link.listener.close()
            for task in list(link.conns):
                task.cancel()
        tasks = [task for link in self.links.values() for task in link.conns]
        await asyncio.gather(*tasks, return_exceptions=True)
