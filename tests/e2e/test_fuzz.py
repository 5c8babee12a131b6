"""Fuzzing every method the server publishes in /api/openapi.json.

Hypothesis draws, for each operation of the document, arguments of each declared type with
hostile values and random extra arguments, sent as a query string, a form, a JSON body, multipart
or a raw body with a mismatched content type; with a valid token, a bad one, or none. Whatever
arrives, the answer is HTTP 200 with a JSON object that has `ok`, and the server stays up.
Whether each answer has its method's documented shape: tests/e2e/test_schemathesis.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.api.routes import method_table
from hubbub.http_protocol import MAX_HEAD_BYTES
from tests.support.servers import Server, Workspace, make_workspace, threaded_server

EXAMPLES_PER_OPERATION = 8  # x 44 methods: about 350 calls, well under a minute

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "\x00\x01\x7f",
    "null",
    "[]",
    "{}",
    "[{}]",
    '[{"type": "section"}]',
    '{"type": "x"}',
    "-1",
    "0",
    "1e309",
    "NaN",
    "-0.0",
    "true",
    "yes",
    "99999999999999999999999",
    "1.000001",
    "0000000000.000000",
    "1355517523.000005",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n%x",
    "\u202egnp.exe",
    "🙂🏳️‍🌈",
    "a,b,,c,",
    "im:U1:U2",
    "public_channel,private_channel,mpim,im",
    "dXNlcjpVMDYxTkZUVDI=",
    "bmV4dF90czo5OTk5OTk5OTk5Ljk5OTk5OQ==",
]


@dataclass
class Target:
    server: Server
    ws: Workspace
    ids: list[str]  # real ids and ts, so calls get past the first checks


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    with threaded_server(data_dir) as server:
        ws = make_workspace(data_dir)
        alice = server.client(ws.alice.token)
        channel = alice.conversations_create(name="fuzz")["channel"]["id"]
        ts = alice.chat_postMessage(channel=channel, text="target")["ts"]
        general = next(
            c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
        )
        ids = [channel, general, ts, ws.alice.user_id, ws.bob.user_id, ws.team_id, ws.bot_id]
        yield Target(server, ws, ids)


def _schema(server: Server) -> dict[str, Any]:
    resp = httpx.get(server.api_url + "openapi.json", timeout=10)
    assert resp.status_code == 200
    doc: dict[str, Any] = resp.json()
    assert doc["openapi"].startswith("3.")
    return doc


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """method name -> {arg: type}, read from the document's POST bodies and GET parameters."""
    out: dict[str, dict[str, str]] = {}
    for path, item in doc["paths"].items():
        assert path.startswith("/api/")
        name = path.removeprefix("/api/")
        body = item["post"]["requestBody"]["content"]
        form = body["application/x-www-form-urlencoded"]["schema"]["properties"]
        as_json = body["application/json"]["schema"]["properties"]
        query = {p["name"]: p["schema"] for p in item["get"]["parameters"]}
        assert form == query, f"{name}: form and query string disagree"
        assert set(as_json) == set(form), f"{name}: JSON body and form disagree"
        out[name] = {arg: schema["type"] for arg, schema in form.items()}
    return out


def test_the_document_describes_every_method(target: Target) -> None:
    doc = _schema(target.server)
    operations = _operations(doc)
    table = method_table()
    assert set(operations) == set(table)
    for name, method in table.items():
        assert set(operations[name]) == set(method.args), name
        as_json = doc["paths"][f"/api/{name}"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]["properties"]
        for arg, kind in method.args.items():
            # A structured argument is JSON text in a form, but any JSON value in a JSON body
            # (slack_sdk sends blocks as an array).
            expected = {} if kind == "json" else {"type": operations[name][arg]}
            assert as_json[arg] == expected, (name, arg)


def _value(kind: str, ids: list[str]) -> st.SearchStrategy[Any]:
    """A value for an argument declared as kind: plausible, wrongly typed or hostile."""
    anything = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    )
    common = st.sampled_from(ids) | st.sampled_from(HOSTILE_TEXT) | st.text(max_size=50)
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "string": common
        | st.tuples(st.text(min_size=1, max_size=3), st.integers(100, 1500)).map(
            lambda t: t[0] * t[1]
        ),
        "integer": st.integers(-(2**70), 2**70) | st.integers(-5, 2000).map(str) | common,
        "boolean": st.booleans() | st.sampled_from(["true", "false", "1", "0", "maybe"]) | common,
        "json": anything | anything.map(json.dumps) | common,
    }
    return by_kind.get(kind, common) | anything


def _surrogates() -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)


EXTRA_ARGS = st.dictionaries(
    st.text(min_size=1, max_size=20) | st.sampled_from(["token", "channel", "ts", "user"]),
    st.text(max_size=40) | _surrogates() | st.integers(),
    max_size=3,
)


@st.composite
def calls(
    draw: st.DrawFn, args: dict[str, str], by_kind: dict[str, st.SearchStrategy[Any]]
) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(sorted(args)), unique=True) if args else st.just([]))
    values: dict[str, Any] = {name: draw(by_kind[args[name]]) for name in chosen}
    extra = draw(EXTRA_ARGS)
    for key, value in extra.items():
        values.setdefault(key, value)
    auth = draw(st.sampled_from(["bearer", "none", "bad", "token_arg"]))
    how = draw(st.sampled_from(["query", "form", "json", "multipart", "raw"]))
    return {"values": values, "auth": auth, "how": how, "raw": draw(st.binary(max_size=200))}


def _as_bytes(value: Any) -> bytes:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")  # lone surrogates go as invalid UTF-8


def _send(http: httpx.Client, method: str, call: dict[str, Any], target: Target) -> httpx.Response:
    values = dict(call["values"])
    headers: dict[str, str] = {}
    # auth.revoke may really revoke (a raw body cannot be told test=true): carol is spared for it.
    token = target.ws.carol.token if method == "auth.revoke" else target.ws.alice.token
    if call["auth"] == "bearer":
        headers["Authorization"] = f"Bearer {token}"
    elif call["auth"] == "bad":
        headers["Authorization"] = "Bearer xoxp-" + _as_bytes(values.get("token", "x")).hex()
    elif call["auth"] == "token_arg":
        values["token"] = token
    if method == "auth.revoke" and call["auth"] in ("bearer", "token_arg"):
        values["test"] = "true"  # keep the token for the rest of the run
    how = call["how"]
    if how == "query":
        qs = urlencode([(_as_bytes(k), _as_bytes(v)) for k, v in values.items()])
        return http.get(f"{method}?{qs}", headers=headers)
    if how == "form":
        body = urlencode([(_as_bytes(k), _as_bytes(v)) for k, v in values.items()]).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return http.post(method, content=body, headers=headers)
    if how == "json":
        headers["Content-Type"] = "application/json"
        return http.post(method, content=json.dumps(values).encode(), headers=headers)
    if how == "multipart":
        files = {
            k.encode("utf-8", "surrogatepass").decode("latin-1"): (None, _as_bytes(v))
            for k, v in values.items()
        }
        return http.post(method, files=files or {"x": (None, b"")}, headers=headers)
    # A raw body that may not be what its content type says.
    kinds = [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
    ]
    headers["Content-Type"] = kinds[len(call["raw"]) % len(kinds)]
    return http.post(method, content=call["raw"], headers=headers)


def _fuzz(http: httpx.Client, method: str, args: dict[str, str], target: Target) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(call=calls(args, {kind: _value(kind, target.ids) for kind in set(args.values())}))
    def one(call: dict[str, Any]) -> None:
        resp = _send(http, method, call, target)
        sent = resp.request
        head = len(sent.url.raw_path) + sum(len(k) + len(v) for k, v in sent.headers.raw)
        if head > MAX_HEAD_BYTES:
            # A query string past the cap on a request's head (docs/limits.md) is refused
            # before the Web API sees it, as documented.
            assert resp.status_code == 431, (method, call, resp.status_code, resp.text[:300])
            return
        assert resp.status_code == 200, (method, call, resp.status_code, resp.text[:300])
        assert resp.headers["content-type"].startswith("application/json"), resp.text[:300]
        body = resp.json()
        assert isinstance(body, dict) and isinstance(body.get("ok"), bool), body
        if not body["ok"]:
            assert isinstance(body.get("error"), str) and body["error"], body
            assert body["error"] != "internal_error", (method, call)

    one()


def test_no_call_breaks_the_server(target: Target) -> None:
    operations = _operations(_schema(target.server))
    failures: list[str] = []
    with httpx.Client(base_url=target.server.api_url, timeout=30) as http:
        for method, args in sorted(operations.items()):
            try:
                _fuzz(http, method, args, target)
            except AssertionError as exc:
                failures.append(f"{method}: {exc}")
        # Still up, still answering, the token still good.
        assert http.post("api.test").json() == {"ok": True, "args": {}}
        me = http.post("auth.test", headers={"Authorization": f"Bearer {target.ws.alice.token}"})
        assert me.json()["ok"] is True, me.json()
    assert not failures, "\n".join(failures)
