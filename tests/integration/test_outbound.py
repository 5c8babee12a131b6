"""The outbound HTTP client against real servers on 127.0.0.x: where it may connect (after DNS,
after every redirect), its deadline, its size cap, and requests apps will need (POST, JSON).

"Public" here is 127.0.0.2: the tests' policy lets exactly that address through and judges every
other one by the real rule, so a redirect or a name leading to 127.0.0.1 shows the real refusal.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address

import pytest

from hubbub.domain.addresses import IPAddress, refusal
from hubbub.outbound.guarded import GuardedClient
from hubbub.outbound.port import OutboundError, Refused, TimedOut
from tests.support.waiting import until
from tests.support.web_target import Target

PUBLIC = IPv4Address("127.0.0.2")


def as_if_public(ip: IPAddress) -> str | None:
    return None if ip == PUBLIC else refusal(ip)


@pytest.fixture
def public() -> Iterator[Target]:
    with Target("127.0.0.2") as target:
        yield target


@pytest.fixture
def private() -> Iterator[Target]:
    with Target("127.0.0.1") as target:
        yield target


def client(**options: object) -> GuardedClient:
    return GuardedClient(policy=as_if_public, **options)  # type: ignore[arg-type]


async def test_a_public_page_is_fetched(public: Target) -> None:
    out = client()
    try:
        answer = await out.request("GET", public.url("/og"))
    finally:
        await out.close()
    assert answer.status == 200
    assert b"A story worth reading" in answer.body
    assert answer.content_type.startswith("text/html")
    assert not answer.truncated and answer.url == public.url("/og")


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "2130706433", "127.1"]
)
async def test_loopback_in_any_spelling_is_refused_before_anything_is_sent(
    private: Target, host: str
) -> None:
    out = GuardedClient()  # the real policy
    try:
        with pytest.raises(Refused) as refused:
            await out.request("GET", f"http://{host}:{private.port}/og")
    finally:
        await out.close()
    assert refused.value.reason.startswith("address_")
    assert refused.value.retryable is False
    assert private.hits["/og"] == 0


async def test_a_name_that_resolves_to_any_private_address_is_refused(private: Target) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return {"mixed.test": ["8.8.8.8", "10.1.2.3"], "meta.test": ["169.254.169.254"]}[host]

    out = GuardedClient(resolve=resolve)
    try:
        with pytest.raises(Refused, match="address_private"):
            await out.request("GET", "http://mixed.test/")
        with pytest.raises(Refused, match="address_link_local"):
            await out.request("GET", "http://meta.test/latest/meta-data/")
    finally:
        await out.close()
    assert asked == ["mixed.test", "meta.test"]


async def test_the_connection_goes_to_the_address_that_was_checked(public: Target) -> None:
    """A rebinding name answers a public address to the check and a private one to anyone who
    asks again: nobody asks again. The request still names the host it was for."""
    answers = iter([["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        assert host == "rebind.test"
        return next(answers)

    out = GuardedClient(resolve=rebinding, policy=as_if_public)
    try:
        answer = await out.request("GET", f"http://rebind.test:{public.port}/echo")
    finally:
        await out.close()
    assert json.loads(answer.body)["headers"]["host"] == f"rebind.test:{public.port}"
    assert next(answers) == ["127.0.0.1"]  # asked exactly once


async def test_a_redirect_to_loopback_is_refused(public: Target, private: Target) -> None:
    out = client()
    try:
        for to in (private.url("/og"), f"http://localhost:{private.port}/og"):
            with pytest.raises(Refused, match="address_loopback"):
                await out.request("GET", public.url(f"/redirect?to={to}"))
    finally:
        await out.close()
    assert public.hits["/redirect"] == 2
    assert private.hits["/og"] == 0


async def test_redirects_are_followed_three_times_and_no_more(public: Target) -> None:
    def chain(n: int) -> str:
        url = public.url("/og")
        for _ in range(n):
            url = public.url(f"/redirect?to={url.replace('?', '%3F').replace('=', '%3D')}")
        return url

    out = client()
    try:
        answer = await out.request("GET", chain(3))
        assert answer.status == 200 and answer.url == public.url("/og")
        assert len(answer.redirects) == 3
        with pytest.raises(Refused, match="too_many_redirects"):
            await out.request("GET", chain(4))
        with pytest.raises(Refused, match="scheme"):
            await out.request("GET", public.url("/redirect?to=file:///etc/passwd"))
        relative = await out.request("GET", public.url("/redirect?to=/og"))
        assert relative.status == 200
    finally:
        await out.close()


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.2/", "file:///etc/passwd", "http://user:pw@127.0.0.2/", "gopher://x/"]
)
async def test_only_plain_http_and_https_urls(url: str) -> None:
    out = client()
    try:
        with pytest.raises(Refused):
            await out.request("GET", url)
    finally:
        await out.close()


async def test_a_target_that_never_answers_times_out_on_time(public: Target) -> None:
    out = client(timeout_s=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(TimedOut) as timed_out:
            await out.request("GET", public.url("/hang"))
        assert time.monotonic() - started < 1.5
        assert timed_out.value.retryable is True
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await out.request("GET", public.url("/hang"), timeout_s=0.2)
        assert time.monotonic() - started < 1.0
    finally:
        await out.close()


async def test_a_100_mb_answer_is_cut_at_the_cap(public: Target) -> None:
    out = client(timeout_s=10)
    try:
        started = time.monotonic()
        answer = await out.request("GET", public.url("/huge"), max_bytes=1 << 20)
        elapsed = time.monotonic() - started
    finally:
        await out.close()
    assert answer.truncated and len(answer.body) == 1 << 20
    assert answer.body.startswith(b"<html><head>")
    assert elapsed < 2
    # What the server managed to write before the dropped connection stopped it: the cap and
    # the sockets' buffers, nowhere near 100 MB.
    assert await settled(lambda: public.sent["/huge"]) < 16 << 20


async def settled(value: Callable[[], int], deadline_s: float = 5.0) -> int:
    """value() once it has stopped changing for 100 ms."""
    seen = [value()]

    async def unchanged() -> bool:
        await asyncio.sleep(0.1)  # the 100 ms it must stay the same, not a pause between checks
        seen.append(value())
        return seen[-1] == seen[-2]

    await until(unchanged, within_s=deadline_s, interval=0, what=lambda: f"settled: {seen}")
    return seen[-1]


async def test_decompression_is_bounded_by_the_cap_too(public: Target) -> None:
    out = client()
    try:
        answer = await out.request("GET", public.url("/bomb"), max_bytes=64 << 10)
    finally:
        await out.close()
    assert answer.truncated and len(answer.body) == 64 << 10
    assert answer.body.startswith(b"<title>bomb</title>")


async def test_posts_json_with_headers(public: Target) -> None:
    out = client()
    try:
        answer = await out.request(
            "POST",
            public.url("/echo"),
            json={"type": "event_callback", "n": 1},
            headers={"X-Slack-Signature": "v0=abc"},
        )
    finally:
        await out.close()
    seen = json.loads(answer.body)
    assert seen["method"] == "POST"
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-slack-signature"] == "v0=abc"
    assert json.loads(seen["body"]) == {"type": "event_callback", "n": 1}


async def test_redirects_keep_or_drop_the_body_as_browsers_do(
    public: Target, private: Target
) -> None:
    out = client()
    try:
        kept = await out.request(
            "POST", public.url("/redirect?status=307&to=/echo"), content=b"body"
        )
        assert json.loads(kept.body)["method"] == "POST"
        assert json.loads(kept.body)["body"] == "body"
        dropped = await out.request(
            "POST", public.url("/redirect?status=303&to=/echo"), content=b"body"
        )
        assert json.loads(dropped.body) | {"headers": None} == {
            "method": "GET",
            "headers": None,
            "body": "",
        }
    finally:
        await out.close()


async def test_credentials_do_not_follow_a_redirect_to_another_origin(public: Target) -> None:
    with Target("127.0.0.2") as other:
        out = client()
        try:
            answer = await out.request(
                "GET",
                public.url(f"/redirect?to={other.url('/echo')}"),
                headers={"Authorization": "Bearer secret", "X-Other": "kept"},
            )
        finally:
            await out.close()
    headers = json.loads(answer.body)["headers"]
    assert "authorization" not in headers
    assert headers["x-other"] == "kept"


async def test_nothing_listening_is_a_retryable_error() -> None:
    with Target("127.0.0.2") as gone:
        url = gone.url("/og")
    out = client(timeout_s=2)
    try:
        with pytest.raises(OutboundError) as failed:
            await out.request("GET", url)
    finally:
        await out.close()
    assert failed.value.retryable and not isinstance(failed.value, Refused)


async def test_allow_private_lets_tests_reach_loopback(private: Target) -> None:
    out = GuardedClient(allow_private=True)
    try:
        answer = await out.request("GET", private.url("/og"))
    finally:
        await out.close()
    assert answer.status == 200
