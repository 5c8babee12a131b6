"""The Outbound adapter: httpx, connecting only where domain/addresses.py allows.

Where a connection may go is decided in the connection itself: the network backend under
httpx's pool resolves the name, checks every address it resolves to, and connects to an address
it checked, so a DNS answer that changes between check and connect (a rebind) cannot slip a
private address in. httpx still sends the name in the Host header and as the TLS server name.
Redirects are followed here, one request at a time, so each hop connects through the same
check. The whole exchange has one deadline; bodies are read up to a cap, then the connection is
dropped.
"""

from __future__ import annotations

import asyncio
import socket
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import orjson

from hubbub.domain.addresses import IPAddress, parse_address, refusal
from hubbub.outbound.port import OutboundError, Refused, Response, TimedOut

Resolve = Callable[[str, int], Awaitable[list[str]]]  # host, port -> addresses
Policy = Callable[[IPAddress], str | None]  # why not, or None

USER_AGENT = "hubbub/0.1 (+https://github.com/hubbub; outbound)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Sent to the first origin only: a redirect elsewhere must not carry them along.
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as exc:
        # A name that does not exist will not exist in a minute either.
        gone = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
        raise OutboundError("dns_failed", retryable=not gone) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def allow_all(_ip: IPAddress) -> str | None:
    """The policy of HUBBUB_ALLOW_PRIVATE_OUTBOUND=1: tests whose servers are on 127.0.0.1."""
    return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows."""

    def __init__(self, resolve: Resolve, policy: Policy) -> None:
        self.resolve, self.policy = resolve, policy
        self.inner = httpcore.AnyIOBackend()

    async def vetted(self, host: str, port: int) -> list[str]:
        """The addresses host resolves to, if the policy allows every one of them."""
        found = [host] if parse_address(host) else await self.resolve(host, port)
        if not found:
            raise OutboundError("dns_failed")
        for text in found:
            ip = parse_address(text)
            why = "unparsable_address" if ip is None else self.policy(ip)
            if why is not None:
                raise Refused(f"address_{why}")
        return found

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.vetted(host, port)
        except TimeoutError as exc:
            raise TimedOut("dns_timeout") from exc
        failure: Exception = OutboundError("connect_failed")
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("unix_socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: GuardedBackend, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx offers no way to hand its pool a network backend: this is the pool it builds,
        # connecting through the guard (AsyncHTTPTransport._pool, httpx 0.27 to 0.29).
        # tests/integration/test_third_party_internals.py fails if this stops taking effect.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class GuardedClient:
    """Outbound HTTP for the whole process: one pool, the address policy on every connection."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout_s: float = 5.0,
        connect_timeout_s: float = 3.0,
        max_bytes: int = 1 << 20,
        max_redirects: int = 3,
        resolve: Resolve | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.timeout_s, self.max_bytes, self.max_redirects = timeout_s, max_bytes, max_redirects
        backend = GuardedBackend(
            resolve or system_resolve, policy or (allow_all if allow_private else refusal)
        )
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(backend, limits),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        timeout_s: float | None = None,
        max_bytes: int | None = None,
        max_redirects: int | None = None,
    ) -> Response:
        limit = self.max_bytes if max_bytes is None else max_bytes
        hops = self.max_redirects if max_redirects is None else max_redirects
        if json is not None:
            content = orjson.dumps(json)
            headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                return await self._follow(
                    method.upper(), url, dict(headers or {}), content, limit, hops
                )
        except TimeoutError as exc:
            raise TimedOut("timeout") from exc
        except httpx.TimeoutException as exc:
            raise TimedOut("timeout") from exc
        except httpx.HTTPError as exc:
            raise OutboundError(type(exc).__name__) from exc

    async def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        limit: int,
        hops: int,
    ) -> Response:
        seen: list[str] = []
        for _ in range(hops + 1):
            _check_url(url)
            request = self._client.build_request(method, url, headers=headers, content=content)
            answer = await self._client.send(request, stream=True)
            try:
                location = answer.headers.get("location")
                if answer.status_code not in _REDIRECTS or not location:
                    body, truncated = await _read(answer, limit)
                    return Response(
                        answer.status_code,
                        _headers(answer.headers),
                        body,
                        url,
                        truncated,
                        tuple(seen),
                    )
            finally:
                await answer.aclose()
            seen.append(url)
            target = str(answer.url.join(location))
            if answer.status_code == 303 or (answer.status_code in (301, 302) and method == "POST"):
                method, content = ("HEAD" if method == "HEAD" else "GET"), None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            if _origin(target) != _origin(url):
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
            url = target
        raise Refused("too_many_redirects")


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise Refused("bad_url") from exc
    if parts.scheme not in ("http", "https"):
        raise Refused("scheme")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise Refused("bad_url")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _headers(headers: httpx.Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


async def _read(answer: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most limit bytes of the decoded body, and whether there was more. Decompression is
    bounded too, so a small gzip bomb cannot become a large body."""
    encoding = answer.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise OutboundError(f"content_encoding_{encoding[:20]}", retryable=False)
    inflate = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding not in ("", "identity") else None
    body = bytearray()
    try:
        async for raw in answer.aiter_raw():
            chunks = [raw] if inflate is None else _inflate(inflate, raw, limit + 1 - len(body))
            for chunk in chunks:
                body += chunk
            if len(body) > limit:
                return bytes(body[:limit]), True
    except zlib.error as exc:
        raise OutboundError("bad_content_encoding", retryable=False) from exc
    return bytes(body), False


def _inflate(inflate: Any, raw: bytes, room: int) -> list[bytes]:
    out = [inflate.decompress(raw, max(room, 1))]
    room -= len(out[0])
    while inflate.unconsumed_tail and room > 0:
        out.append(inflate.decompress(inflate.unconsumed_tail, room))
        room -= len(out[-1])
    return out
