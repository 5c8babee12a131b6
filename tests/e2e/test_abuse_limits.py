"""The abuse limits (services/abuse.py, docs/limits.md Abuse) against real servers: sign-in,
sign-up, incoming webhooks, response URLs, RTM frames. Each refusal is Slack's (429 with
Retry-After, or RTM's `slow down` reply), writes nothing, and leaves the server serving.

Counts, never times: a bucket may refill a little while a test runs, so a test calls until the
first refusal and checks that the whole burst got through before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hubbub.config import Settings
from hubbub.domain.model import Team
from hubbub.services import webhooks
from hubbub.services.hub import Hub
from hubbub.web.session import SESSION_COOKIE
from tests.support.checks import walk_history
from tests.support.forms import form_csrf
from tests.support.rtm import new_channel, rtm
from tests.support.servers import Server, Workspace, make_workspace, run_admin, threaded_server
from tests.support.services import RedisServer

SLOW_DOWN = {"code": -1, "msg": "slow down, too many messages..."}


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Server]:
    with threaded_server(tmp_path / "data", rate_limits=True) as srv:
        yield srv


@pytest.fixture
def ws(limited: Server) -> Workspace:
    return make_workspace(limited.data_dir)


@pytest.fixture
def web(limited: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited.url, follow_redirects=False, timeout=30) as client:
        yield client


def login(web: httpx.Client, domain: str, email: str, password: str) -> httpx.Response:
    csrf = form_csrf(web.get("/login").text)
    form = {"csrf_token": csrf, "domain": domain, "email": email, "password": password}
    return web.post("/login", data=form)


def signup(web: httpx.Client, domain: str) -> httpx.Response:
    csrf = form_csrf(web.get("/signup").text)
    form = {
        "csrf_token": csrf,
        "team_name": domain.capitalize(),
        "domain": domain,
        "name": "Gina",
        "email": f"gina@{domain}.test",
        "password": "correct horse",
    }
    return web.post("/signup", data=form)


def until_refused(
    call: Callable[[int], httpx.Response], burst: int, accepted: Callable[[httpx.Response], bool]
) -> tuple[int, httpx.Response]:
    """Calls until the first 429, which must come after the whole burst: (calls before it,
    the 429)."""
    for n in range(burst + 25):  # room for refills on a slow machine
        resp = call(n)
        if resp.status_code == 429:
            assert n >= burst, f"refused after {n} calls, before the burst of {burst}"
            return n, resp
        assert accepted(resp), (resp.status_code, resp.text)
    raise AssertionError(f"never refused after {burst + 25} calls")


def retry_after(resp: httpx.Response) -> int:
    value = resp.headers["Retry-After"]
    assert value.isdigit() and int(value) >= 1, value
    return int(value)


def still_serving(server: Server, token: str) -> None:
    assert server.client(token).auth_test()["ok"] is True


# -- sign-in and sign-up -----------------------------------------------------------------------


def test_sign_in_attempts_are_limited_per_account_and_the_page_says_to_wait(
    limited: Server, ws: Workspace, web: httpx.Client
) -> None:
    _, refused = until_refused(
        lambda _n: login(web, ws.domain, "alice@acme.test", "wrong"),
        5,
        lambda r: r.status_code == 400,
    )
    retry_after(refused)
    assert "Too many attempts. Please wait" in refused.text
    assert "alice@acme.test" in refused.text  # the form keeps what was typed
    # The right password now is refused as well, and no session is handed out.
    right = login(web, ws.domain, "alice@acme.test", "pw-alice")
    assert right.status_code == 429
    assert not any(h.startswith(SESSION_COOKIE) for h in right.headers.get_list("set-cookie"))
    # Another account from the same address still signs in.
    assert login(web, ws.domain, "bob@acme.test", "pw-bob").status_code == 303
    still_serving(limited, ws.alice.token)


def test_sign_in_attempts_are_limited_per_address(
    limited: Server, ws: Workspace, web: httpx.Client
) -> None:
    until_refused(
        lambda n: login(web, ws.domain, f"nobody{n}@acme.test", "wrong"),
        20,
        lambda r: r.status_code == 400,
    )
    assert login(web, ws.domain, "carol@acme.test", "pw-carol").status_code == 429
    still_serving(limited, ws.alice.token)


def _teams(server: Server) -> list[Team]:
    async def work(hub: Hub) -> list[Team]:
        return [
            team
            for store in hub.shards.stores().values()
            for team in await store.read(lambda tx: tx.list_teams())
        ]

    return run_admin(server.data_dir, work)


def test_sign_ups_are_limited_per_address_and_a_refused_one_creates_nothing(
    limited: Server, web: httpx.Client
) -> None:
    made, refused = until_refused(
        lambda n: signup(web, f"team{n}"), 5, lambda r: r.status_code == 303
    )
    retry_after(refused)
    assert "Too many attempts. Please wait" in refused.text
    assert sorted(t.domain for t in _teams(limited)) == sorted(f"team{n}" for n in range(made))
    assert web.get("/login").status_code == 200


# -- incoming webhooks and response URLs -------------------------------------------------------


def _hook_path(server: Server, ws: Workspace, channel_name: str) -> str:
    async def work(hub: Hub) -> str:
        _hook, url = await webhooks.create_webhook(hub, ws.domain, channel_name)
        return url

    return urlsplit(run_admin(server.data_dir, work)).path


def test_a_webhook_takes_one_post_a_second_with_bursts_and_a_refusal_writes_nothing(
    limited: Server, ws: Workspace
) -> None:
    alice = limited.client(ws.alice.token)
    channel = new_channel(alice)
    path = _hook_path(limited, ws, alice.conversations_info(channel=channel)["channel"]["name"])
    wrong = path.rsplit("/", 1)[0] + "/" + "x" * 24  # the same webhook, another secret
    with httpx.Client(base_url=limited.url, timeout=30) as http:
        # Wrong secrets have a budget of their own: they cannot use up the real URL's.
        until_refused(
            lambda _n: http.post(wrong, json={"text": "x"}), 10, lambda r: r.status_code == 403
        )
        posted, refused = until_refused(
            lambda n: http.post(path, json={"text": f"hook {n}"}),
            10,
            lambda r: r.status_code == 200 and r.text == "ok",
        )
    assert refused.text == "ratelimited"
    assert retry_after(refused) == 1
    texts = [m["text"] for m in walk_history(alice, channel) if m["text"].startswith("hook ")]
    assert sorted(texts) == sorted(f"hook {n}" for n in range(posted))
    still_serving(limited, ws.alice.token)


def test_a_response_url_is_limited_before_it_is_looked_up(limited: Server, ws: Workspace) -> None:
    with httpx.Client(base_url=limited.url, timeout=30) as http:
        _, refused = until_refused(
            lambda _n: http.post(f"/commands/{ws.team_id}.{'x' * 32}", json={"text": "hi"}),
            5,
            lambda r: r.status_code == 404,
        )
    assert refused.json() == {"ok": False, "error": "ratelimited"}
    retry_after(refused)
    still_serving(limited, ws.alice.token)


# -- RTM frames --------------------------------------------------------------------------------


def test_rtm_messages_are_limited_per_connection_and_a_refused_one_is_not_posted(
    limited: Server, ws: Workspace
) -> None:
    alice = limited.client(ws.alice.token)
    channel = new_channel(alice)
    with rtm(limited, ws.alice.token) as client:
        sent = 25
        for n in range(1, sent + 1):
            client.send({"id": n, "type": "message", "channel": channel, "text": f"rtm {n}"})
        replies = {}
        while len(replies) < sent:
            frame = client.recv()
            if "reply_to" in frame:
                replies[frame["reply_to"]] = frame
        ok = [n for n, r in replies.items() if r.get("ok") is True]
        refused = [r for r in replies.values() if r.get("ok") is False]
        assert len(ok) >= 10, "the burst of ten was not let through"
        assert refused, "25 messages at once were never refused"
        assert all(r["error"] == SLOW_DOWN for r in refused), refused
        assert client.sync() is not None  # the socket still answers
    texts = [m["text"] for m in walk_history(alice, channel) if m["text"].startswith("rtm ")]
    assert sorted(texts) == sorted(f"rtm {n}" for n in ok)


def test_rtm_typing_is_limited_per_connection(limited: Server, ws: Workspace) -> None:
    with rtm(limited, ws.alice.token) as client:
        for n in range(20):
            client.send({"type": "typing", "channel": f"C{n:08d}"})
        errors = [f for f in client.sync() if f.get("type") == "error"]
        assert errors, "20 typing frames at once were never refused"
        assert all(f["error"] == SLOW_DOWN for f in errors), errors


# -- many processes ----------------------------------------------------------------------------


def test_a_limit_holds_across_processes_sharing_redis(
    tmp_path: Path, postgres_url: str, redis_server: RedisServer, redis_prefix: str
) -> None:
    shared = {"database_url": postgres_url, "redis_url": redis_server.url}
    shared["redis_prefix"] = redis_prefix
    with (
        threaded_server(tmp_path / "a", rate_limits=True, **shared) as a,
        threaded_server(tmp_path / "b", rate_limits=True, **shared) as b,
        httpx.Client(base_url=a.url, follow_redirects=False, timeout=30) as web_a,
        httpx.Client(base_url=b.url, follow_redirects=False, timeout=30) as web_b,
    ):
        ws = make_workspace(a.data_dir, settings=Settings(**shared))
        until_refused(
            lambda _n: login(web_a, ws.domain, "alice@acme.test", "wrong"),
            5,
            lambda r: r.status_code == 400,
        )
        # The other process shares the account's bucket.
        assert login(web_b, ws.domain, "alice@acme.test", "pw-alice").status_code == 429
        assert login(web_b, ws.domain, "bob@acme.test", "pw-bob").status_code == 303
