"""Large Web API answers are gzip-compressed for a client that accepts it; small ones and
clients that do not ask are answered as they are."""

from __future__ import annotations

import gzip

import httpx
import orjson

from tests.support.servers import Server, Workspace


def _call(server: Server, token: str, method: str, encoding: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if encoding is not None:
        headers["Accept-Encoding"] = encoding
    with httpx.Client(base_url=server.api_url, timeout=10) as client:
        response = client.post(method, headers=headers, data={"limit": "200"})
        response.read()
    return response


def test_large_answers_are_compressed_when_accepted(server: Server, workspace: Workspace) -> None:
    admin = server.client(workspace.alice.token)
    for i in range(40):
        admin.conversations_create(name=f"room-{i:02}")

    big = _call(server, workspace.alice.token, "conversations.list", "gzip, deflate")
    assert big.headers["content-encoding"] == "gzip"
    assert big.headers["vary"] == "accept-encoding"
    assert int(big.headers["content-length"]) < len(orjson.dumps(big.json())) / 3
    assert len(big.json()["channels"]) == 42

    plain = _call(server, workspace.alice.token, "conversations.list", "identity")
    assert "content-encoding" not in plain.headers
    assert plain.json() == big.json()
    assert int(plain.headers["content-length"]) == len(plain.content)

    small = _call(server, workspace.alice.token, "auth.test", "gzip")
    assert "content-encoding" not in small.headers and small.json()["ok"] is True


def test_compressed_body_is_plain_gzip(server: Server, workspace: Workspace) -> None:
    admin = server.client(workspace.alice.token)
    for i in range(40):
        admin.conversations_create(name=f"hall-{i:02}")
    with httpx.Client(base_url=server.api_url, timeout=10) as client:
        request = client.build_request(
            "POST",
            "conversations.list",
            headers={"Authorization": f"Bearer {workspace.alice.token}", "Accept-Encoding": "gzip"},
        )
        response = client.send(request, stream=True)
        raw = b"".join(response.iter_raw())
    assert orjson.loads(gzip.decompress(raw))["ok"] is True
