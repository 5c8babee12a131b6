"""Bad calls get Slack's error codes, write nothing, and leave the server answering.

Also the good side of parsing: arguments as query string, form or JSON (slack_sdk uses all three),
and the token in `Authorization: Bearer` or a `token` argument.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from slack_sdk.errors import SlackApiError
from structlog.testing import capture_logs

from hubbub.services import workspaces
from hubbub.services.hub import Hub
from tests.support.checks import Event, read_log, walk_history
from tests.support.servers import Server, Workspace, make_workspace, run_admin, threaded_server
from tests.support.waiting import wait_for

MAX_TEXT = 40_000
MAX_BODY = 1 << 20


@dataclass
class Scene:
    server: Server
    ws: Workspace
    channel: str
    http: httpx.Client

    def state(self) -> tuple[list[dict[str, Any]], list[Event], list[Event]]:
        """All a bad call could have changed: history, the channel's log, the team's log."""
        alice = self.server.client(self.ws.alice.token)
        history = walk_history(alice, self.channel)
        data_dir, team = self.server.data_dir, self.ws.team_id
        return history, read_log(data_dir, team, self.channel), read_log(data_dir, team, team)

    def call(
        self,
        method: str,
        *,
        bearer: str | None = None,
        how: str = "form",
        **args: Any,
    ) -> httpx.Response:
        """Calls method with args in a form, a JSON body or the query string (GET)."""
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if how == "json":
            return self.http.post(
                method,
                content=json.dumps(args).encode(),  # stdlib: also ints over 64 bits
                headers={**headers, "Content-Type": "application/json"},
            )
        if how == "query":
            return self.http.get(method, params=args, headers=headers)
        return self.http.post(method, data=args, headers=headers)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Workspace]]:
    """One server for the module: every test checks only what it changed itself.

    Tests that spoil an account use their own: bob's token is revoked, carol is deactivated.
    """
    data_dir = tmp_path_factory.mktemp("bad-input") / "data"
    with threaded_server(data_dir) as server:
        yield server, make_workspace(data_dir)


@pytest.fixture
def scene(shared: tuple[Server, Workspace], request: pytest.FixtureRequest) -> Iterator[Scene]:
    server, workspace = shared
    alice = server.client(workspace.alice.token)
    name = "bad-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    channel = alice.conversations_create(name=name)["channel"]["id"]
    alice.chat_postMessage(channel=channel, text="seed")
    with httpx.Client(base_url=server.api_url, timeout=30) as http:
        yield Scene(server, workspace, channel, http)


def _error(resp: httpx.Response, status: int = 200) -> str:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["ok"] is False
    return str(body["error"])


def _still_answers(scene: Scene) -> None:
    resp = scene.http.post("api.test", data={"foo": "bar"})
    assert resp.status_code == 200 and resp.json() == {"ok": True, "args": {"foo": "bar"}}


HOW = ["form", "json", "query"]

# (method, args, Slack's error) with the channel id filled in for "{channel}".
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("chat.postMessage", {"text": "no channel"}, "channel_not_found"),
    ("chat.postMessage", {"channel": "", "text": "empty channel"}, "channel_not_found"),
    ("chat.postMessage", {"channel": "CNOSUCHCHAN", "text": "x"}, "channel_not_found"),
    ("chat.postMessage", {"channel": "{channel}"}, "no_text"),
    ("chat.postMessage", {"channel": "{channel}", "text": ""}, "no_text"),
    ("chat.postMessage", {"channel": "{channel}", "text": " \n\t "}, "no_text"),
    ("chat.postMessage", {"channel": "{channel}", "text": "x" * (MAX_TEXT + 1)}, "msg_too_long"),
    ("chat.postMessage", {"channel": "{channel}", "blocks": "not json"}, "invalid_blocks"),
    ("chat.postMessage", {"channel": "{channel}", "blocks": '{"type": "x"}'}, "invalid_blocks"),
    ("chat.postMessage", {"channel": "{channel}", "blocks": "[1, 2]"}, "invalid_blocks"),
    ("chat.postMessage", {"channel": "{channel}", "blocks": '[{"text": "x"}]'}, "invalid_blocks"),
    ("chat.postMessage", {"channel": "{channel}", "blocks": '[{"type": "x"}]'}, "invalid_blocks"),
    (
        "chat.postMessage",
        {
            "channel": "{channel}",
            "blocks": orjson.dumps(
                [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
            ).decode(),
        },
        "invalid_blocks",
    ),
    (
        "chat.postMessage",
        {"channel": "{channel}", "blocks": orjson.dumps([{"type": "divider"}] * 51).decode()},
        "invalid_blocks",
    ),
    ("chat.update", {"channel": "{channel}", "ts": "nonsense", "text": "x"}, "message_not_found"),
    ("chat.delete", {"channel": "{channel}", "ts": "1.000001"}, "message_not_found"),
    ("conversations.history", {"channel": "{channel}", "limit": "ten"}, "invalid_limit"),
    ("conversations.history", {"channel": "{channel}", "limit": "1.5"}, "invalid_limit"),
    ("users.list", {"limit": "ten"}, "invalid_arguments"),
    ("conversations.history", {"channel": "{channel}", "limit": "-5"}, "invalid_limit"),
    ("conversations.list", {"limit": "-1"}, "invalid_limit"),
    ("users.list", {"limit": "-5"}, "invalid_limit"),
    ("reactions.list", {"limit": "-5"}, "invalid_limit"),
    ("notifications.list", {"limit": "-5"}, "invalid_limit"),
    ("conversations.history", {"channel": "{channel}", "cursor": "%%%"}, "invalid_cursor"),
    ("conversations.history", {"channel": "{channel}", "cursor": "bm9wZQ=="}, "invalid_cursor"),
    ("conversations.history", {"channel": "{channel}", "oldest": "yesterday"}, "invalid_ts_oldest"),
    ("conversations.history", {"channel": "CNOSUCHCHAN"}, "channel_not_found"),
    ("conversations.history", {}, "channel_not_found"),
    ("conversations.replies", {"channel": "{channel}", "ts": "1.000001"}, "thread_not_found"),
    ("conversations.create", {"name": "Has Spaces"}, "invalid_name_specials"),
    ("conversations.create", {"name": "x" * 81}, "invalid_name_maxlength"),
    ("conversations.create", {"name": "general"}, "name_taken"),
    ("conversations.join", {"channel": "CNOSUCHCHAN"}, "channel_not_found"),
    # NUL fits no text column of PostgreSQL: refused for every argument of every method.
    ("chat.postMessage", {"channel": "{channel}", "text": "nul \x00 inside"}, "invalid_arguments"),
    ("conversations.invite", {"channel": "{channel}", "users": "\x00"}, "invalid_arguments"),
    ("conversations.setTopic", {"channel": "{channel}", "topic": "a\x00b"}, "invalid_arguments"),
]


@pytest.mark.parametrize("how", HOW)
def test_bad_arguments_get_slacks_errors_and_write_nothing(scene: Scene, how: str) -> None:
    before = scene.state()
    for method, args, expected in REFUSED:
        if how == "query" and len(str(args)) > 4000:
            continue  # too long for a URL; the form and JSON runs cover it
        filled = {k: v.replace("{channel}", scene.channel) for k, v in args.items()}
        resp = scene.call(method, bearer=scene.ws.alice.token, how=how, **filled)
        assert _error(resp) == expected, (method, args, how)
    assert scene.state() == before
    _still_answers(scene)


def test_json_bodies_with_wrongly_typed_values(scene: Scene) -> None:
    before = scene.state()
    refused: list[tuple[str, dict[str, Any], str]] = [
        ("chat.postMessage", {"channel": scene.channel, "text": {"a": 1}}, "invalid_arguments"),
        ("chat.postMessage", {"channel": scene.channel, "text": ["x"]}, "invalid_arguments"),
        ("chat.postMessage", {"channel": ["C1"], "text": "x"}, "invalid_arguments"),
        ("chat.postMessage", {"channel": scene.channel, "blocks": {"type": "x"}}, "invalid_blocks"),
        ("chat.postMessage", {"channel": scene.channel, "blocks": [None]}, "invalid_blocks"),
        ("conversations.history", {"channel": scene.channel, "limit": [1]}, "invalid_limit"),
        ("conversations.history", {"channel": scene.channel, "limit": True}, "invalid_limit"),
        ("conversations.history", {"channel": scene.channel, "limit": 10**30}, "invalid_limit"),
        ("conversations.history", {"channel": scene.channel, "cursor": 5}, "invalid_cursor"),
    ]
    for method, args, expected in refused:
        resp = scene.call(method, bearer=scene.ws.alice.token, how="json", **args)
        assert _error(resp) == expected, (method, args)
    assert scene.state() == before


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"channel": ', b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}", b'{"a": 1} trailing'],
)
def test_malformed_json_is_invalid_json(scene: Scene, body: bytes) -> None:
    before = scene.state()
    resp = scene.http.post(
        "chat.postMessage",
        content=body,
        headers={
            "Authorization": f"Bearer {scene.ws.alice.token}",
            "Content-Type": "application/json; charset=utf-8",
        },
    )
    assert _error(resp) == "invalid_json"
    assert scene.state() == before
    _still_answers(scene)


def test_a_body_is_read_by_its_content_type_as_slack_does(scene: Scene) -> None:
    before = scene.state()
    auth = {"Authorization": f"Bearer {scene.ws.alice.token}"}
    # text/plain is one of Slack's valid types, read as a form.
    plain = scene.http.post(
        "api.test", content=b"foo=bar", headers={**auth, "Content-Type": "text/plain"}
    )
    assert plain.json() == {"ok": True, "args": {"foo": "bar"}}
    body = f"channel={scene.channel}&text=x".encode()
    for content_type, expected in [
        ("application/xml", "invalid_post_type"),
        ("image/png", "invalid_post_type"),
        ("", "missing_post_type"),
    ]:
        headers = {**auth, "Content-Type": content_type} if content_type else auth
        resp = scene.http.post("chat.postMessage", content=body, headers=headers)
        assert _error(resp) == expected, content_type
    assert scene.state() == before
    _still_answers(scene)


def test_text_of_exactly_the_limit_is_accepted(scene: Scene) -> None:
    text = "y" * MAX_TEXT
    resp = scene.call(
        "chat.postMessage", bearer=scene.ws.alice.token, channel=scene.channel, text=text
    )
    assert resp.json()["ok"] is True
    history = walk_history(scene.server.client(scene.ws.alice.token), scene.channel)
    assert history[0]["text"] == text


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("token_in", ["bearer", "token_arg"])
def test_args_as_query_form_or_json_with_either_token_place(
    scene: Scene, how: str, token_in: str
) -> None:
    token = scene.ws.alice.token
    text = f"via {how} with {token_in}"
    args: dict[str, Any] = {"channel": scene.channel, "text": text}
    if token_in == "token_arg":
        args["token"] = token
    bearer = token if token_in == "bearer" else None
    resp = scene.call("chat.postMessage", bearer=bearer, how=how, **args)
    body = resp.json()
    assert body["ok"] is True, body
    assert body["message"]["text"] == text
    del args["text"]
    page = scene.call("conversations.history", bearer=bearer, how=how, **args)
    assert page.json()["messages"][0]["text"] == text


def test_query_string_and_body_arguments_combine(scene: Scene) -> None:
    # The SDK may put some arguments in the URL and others in the body; the body wins a clash.
    resp = scene.http.post(
        "chat.postMessage",
        params={"channel": scene.channel, "text": "from the query"},
        data={"text": "from the body"},
        headers={"Authorization": f"Bearer {scene.ws.alice.token}"},
    )
    assert resp.json()["message"]["text"] == "from the body"


def test_the_sdk_round_trip_uses_all_three_transports(scene: Scene) -> None:
    client = scene.server.client(scene.ws.alice.token)
    posted = client.chat_postMessage(channel=scene.channel, text="json body")  # JSON
    client.reactions_add(channel=scene.channel, timestamp=posted["ts"], name="tada")  # form
    page = client.conversations_history(channel=scene.channel, limit=1)  # GET, query string
    assert page["messages"][0]["ts"] == posted["ts"]
    assert page["messages"][0]["reactions"][0]["name"] == "tada"


def test_body_over_the_cap_is_413_and_writes_nothing(scene: Scene) -> None:
    before = scene.state()
    auth = {"Authorization": f"Bearer {scene.ws.alice.token}"}
    filler = "z" * MAX_BODY
    # Declared by Content-Length...
    resp = scene.http.post(
        "chat.postMessage", data={"channel": scene.channel, "text": filler}, headers=auth
    )
    assert _error(resp, 413) == "request_too_large"

    # ...or streamed without one (chunked): cut off once the cap is passed.
    def chunks() -> Iterator[bytes]:
        yield f"channel={scene.channel}&text=".encode()
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"z" * 65536

    resp = scene.http.post(
        "chat.postMessage",
        content=chunks(),
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _error(resp, 413) == "request_too_large"

    # slack_sdk's WebClient (urllib) sends all of a large body before it reads the answer:
    # it must get the 413 too, not a connection reset.
    with pytest.raises(SlackApiError) as err:
        scene.server.client(scene.ws.alice.token).chat_postMessage(
            channel=scene.channel, text="z" * (10 * MAX_BODY)
        )
    assert err.value.response.status_code == 413
    assert err.value.response["error"] == "request_too_large"
    assert scene.state() == before
    _still_answers(scene)

    # A body of exactly the cap is read, and refused only for what it says.
    head = f"channel={scene.channel}&text=".encode()
    body = head + b"z" * (MAX_BODY - len(head))
    resp = scene.http.post(
        "chat.postMessage",
        content=body,
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert len(body) == MAX_BODY
    assert _error(resp) == "msg_too_long"
    assert scene.state() == before


def test_unknown_method(scene: Scene) -> None:
    before = scene.state()
    for how in HOW:
        resp = scene.call("chat.postMessageX", bearer=scene.ws.alice.token, how=how, text="x")
        assert _error(resp) == "unknown_method"
    with pytest.raises(SlackApiError) as err:
        scene.server.client(scene.ws.alice.token).api_call("nosuch.method")
    assert err.value.response["error"] == "unknown_method"
    assert scene.state() == before
    _still_answers(scene)


def test_deactivated_users_token_is_account_inactive(scene: Scene) -> None:
    carol = scene.ws.carol
    assert scene.call("auth.test", bearer=carol.token).json()["ok"] is True

    async def deactivate(hub: Hub) -> None:
        await workspaces.deactivate_user(hub, scene.ws.domain, carol.user_id)

    run_admin(scene.server.data_dir, deactivate)
    general = _general(scene)
    before = scene.state()
    log_general = read_log(scene.server.data_dir, scene.ws.team_id, general)
    for how in HOW:
        for method, args in (
            ("auth.test", {}),
            ("chat.postMessage", {"channel": general, "text": "ghost"}),
            ("conversations.history", {"channel": general}),
        ):
            resp = scene.call(method, bearer=carol.token, how=how, **args)
            assert _error(resp) == "account_inactive", (method, how)
        resp = scene.call("auth.test", how=how, token=carol.token)  # the token as an argument
        assert _error(resp) == "account_inactive"
    assert scene.state() == before
    assert read_log(scene.server.data_dir, scene.ws.team_id, general) == log_general
    # Others are unaffected.
    assert scene.call("auth.test", bearer=scene.ws.alice.token).json()["ok"] is True


def test_revoked_and_unknown_tokens_are_invalid_auth(scene: Scene) -> None:
    bob = scene.server.client(scene.ws.bob.token)
    assert bob.auth_revoke()["revoked"] is True
    before = scene.state()
    for token in (scene.ws.bob.token, "xoxp-T0-U0-deadbeef", "x" * 5000, "Bearer"):
        for how in HOW:
            resp = scene.call(
                "chat.postMessage", bearer=token, how=how, channel=scene.channel, text="x"
            )
            assert _error(resp) == "invalid_auth", (token[:20], how)
    for how in HOW:
        resp = scene.call("chat.postMessage", how=how, channel=scene.channel, text="x")
        assert _error(resp) == "not_authed"
    assert scene.state() == before
    _still_answers(scene)


def _general(scene: Scene) -> str:
    page = scene.server.client(scene.ws.alice.token).conversations_list(limit=100)
    return str(next(c["id"] for c in page["channels"] if c["name"] == "general"))


def test_cursor_from_another_listing_is_refused(scene: Scene) -> None:
    foreign = base64.b64encode(b"user:U123").decode()
    resp = scene.call(
        "conversations.history", bearer=scene.ws.alice.token, channel=scene.channel, cursor=foreign
    )
    assert _error(resp) == "invalid_cursor"


# Counts inside cursors and resume tokens that str.isdigit() passes but int() refuses, or that
# overflow every store's integers: each listing, and rtm's resume, answers invalid_cursor.
BAD_COUNTS = ["²", "1" * 25, "-5", "\u0661"]
COUNTED_CURSORS = [
    ("reactions.list", "reaction", "{n}:{channel}:1.000001"),
    ("notifications.list", "notification", "{n}:{channel}:1.000001"),
    ("conversations.listConnectInvites", "invite", "{n}:I123"),
]


@pytest.mark.parametrize("count", BAD_COUNTS)
def test_a_bad_count_in_a_cursor_is_invalid_cursor(scene: Scene, count: str) -> None:
    for method, kind, key in COUNTED_CURSORS:
        token = base64.b64encode(f"{kind}:{key}".format(n=count, channel=scene.channel).encode())
        resp = scene.call(method, bearer=scene.ws.alice.token, cursor=token.decode())
        assert resp.status_code == 200 and _error(resp) == "invalid_cursor", (method, count)
    for method in ("rtm.connect", "rtm.start"):
        resp = scene.call(method, bearer=scene.ws.alice.token, resume=f"{scene.channel}:{count}")
        assert resp.status_code == 200 and _error(resp) == "invalid_cursor", (method, count)
    _still_answers(scene)


def test_every_answer_under_api_is_slack_json(server: Server) -> None:
    nested = httpx.post(server.api_url + "chat/postMessage")
    assert nested.status_code == 200
    assert nested.json() == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "chat/postMessage",
    }
    put = httpx.put(server.api_url + "api.test")
    assert put.status_code == 405
    assert put.json() == {"ok": False, "error": "method_not_allowed"}
    assert httpx.get(server.api_url + "api.test").json()["ok"] is True


# -- the connection itself: heads, bodies cut short, bodies over the cap ----------------------


def _raw(server: Server, request: bytes, *, close_after: bool = False) -> bytes:
    """What the server answers on one connection to request, read until it closes the
    connection (or, with close_after, nothing: the client hangs up after sending)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if close_after:
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_a_head_over_64_kb_is_431_and_the_connection_closed(scene: Scene) -> None:
    big = b"POST /api/api.test HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n"
    answer = _raw(scene.server, big)  # returns only once the server closed the connection
    assert answer.startswith(b"HTTP/1.1 431 ")
    long_url = b"GET /api/api.test?x=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _raw(scene.server, long_url).startswith(b"HTTP/1.1 431 ")
    # Many ordinary headers under the cap are fine.
    headers = {f"X-H{i}": "v" * 1000 for i in range(40)}
    assert scene.http.post("api.test", headers=headers).json() == {"ok": True, "args": {}}
    _still_answers(scene)


def test_a_body_announced_over_the_cap_gets_413_and_the_connection_closed(scene: Scene) -> None:
    before = scene.state()
    head = (
        f"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {scene.ws.alice.token}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 100000000\r\n\r\n"
    ).encode()
    # The rest of the announced body never comes: the server answers and closes anyway, so
    # nothing that follows on this connection can be taken for another request.
    answer = _raw(scene.server, head + f"channel={scene.channel}&text=".encode())
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in rest.lower()
    assert scene.state() == before
    _still_answers(scene)


def test_a_client_hanging_up_mid_body_is_no_server_error(scene: Scene) -> None:
    before = scene.state()
    head = (
        f"POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {scene.ws.alice.token}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 1000\r\n\r\n"
    ).encode()
    # A webhook path of the right shape: its body is read before the hook is looked up.
    path = f"/services/{scene.ws.team_id}/BAAAAAAAAAA/secret"
    hook = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{".encode()
    with capture_logs() as logs:
        _raw(scene.server, head + b"channel=", close_after=True)
        _raw(scene.server, hook, close_after=True)
        _still_answers(scene)
        wait_for(
            lambda: len([e for e in logs if "client_gone" in e["event"]]) >= 2,
            what=lambda: f"two client_gone in {logs}",
        )
    assert not [e for e in logs if e["log_level"] in ("error", "critical")], logs
    assert scene.state() == before
