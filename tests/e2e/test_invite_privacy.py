"""conversations.inviteShared by email says nothing about who has an account: an address of
someone in another workspace and an address of nobody get the same answer (Slack emails the
invite to anyone; ours to nobody reaches no one), after the same checks. Email invites are
limited per workspace, so addresses cannot be tried in bulk either."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import Server, make_workspace, threaded_server

EMAIL_INVITES = 4  # the server's email_invites_per_workspace for these tests


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Server]:
    with threaded_server(tmp_path / "data", rate_limits=True) as srv:
        yield srv


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Server]:
    with threaded_server(
        tmp_path / "data", rate_limits=True, email_invites_per_workspace=EMAIL_INVITES
    ) as srv:
        yield srv


def _call(server: Server, token: str, method: str, **args: Any) -> httpx.Response:
    return httpx.post(
        server.api_url + method, json=args, headers={"Authorization": f"Bearer {token}"}
    )


def _shape(resp: httpx.Response) -> tuple[int, dict[str, Any]]:
    """The answer with its invite id reduced to its form."""
    body = resp.json()
    if "invite_id" in body:
        assert re.fullmatch(r"I[A-Z0-9]{8,15}", body["invite_id"]), body
        body["invite_id"] = "I…"
    return resp.status_code, body


def _listed(server: Server, token: str) -> list[str]:
    invites = _call(server, token, "conversations.listConnectInvites").json()["invites"]
    return [i["invite"]["id"] for i in invites]


def test_a_known_and_an_unknown_address_get_the_same_answer(limited: Server) -> None:
    acme = make_workspace(limited.data_dir, "acme")
    globex = make_workspace(limited.data_dir, "globex")
    token = acme.alice.token
    channel = limited.client(token).conversations_create(name="deals")["channel"]["id"]

    def invite(**args: Any) -> tuple[int, dict[str, Any]]:
        return _shape(_call(limited, token, "conversations.inviteShared", channel=channel, **args))

    known = invite(emails=["bob@globex.test"])
    unknown = invite(emails=["nobody@globex.test"])
    assert (
        known
        == unknown
        == (200, {"ok": True, "invite_id": "I…", "is_legacy_shared_channel": False})
    )
    # Narrowed to a workspace, the same.
    assert invite(emails=["carol@globex.test"], team_domain="globex") == known
    # Checked as any invite is: a channel the inviter cannot share is refused either way.
    for email in ("bob@globex.test", "nobody@globex.test"):
        bad = _shape(
            _call(limited, token, "conversations.inviteShared", channel="C0NOSUCH", emails=[email])
        )
        assert bad == (200, {"ok": False, "error": "channel_not_found"})
    # The invite to nobody reached no workspace.
    assert _listed(limited, globex.alice.token) != []  # bob's and carol's, to globex
    assert len(_listed(limited, token)) == 1  # one pending share with globex


def test_email_invites_are_limited_per_workspace_and_a_refused_one_writes_nothing(
    tight: Server,
) -> None:
    acme = make_workspace(tight.data_dir, "acme")
    globex = make_workspace(tight.data_dir, "globex")
    token = acme.alice.token
    client = tight.client(token)
    channels = [client.conversations_create(name=f"deal{n}")["channel"]["id"] for n in range(6)]
    answers = [
        _call(tight, token, "conversations.inviteShared", channel=c, emails=["bob@globex.test"])
        for c in channels
    ]
    allowed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(allowed) >= EMAIL_INVITES and refused
    for resp in refused:
        assert resp.status_code == 429
        assert resp.json() == {"ok": False, "error": "ratelimited"}
        assert int(resp.headers["Retry-After"]) >= 1
    # Only the invites answered ok were made, on both sides.
    assert len(_listed(tight, token)) == len(allowed)
    assert len(_listed(tight, globex.alice.token)) == len(allowed)
    # Invites by user id are not lookups by address: still allowed.
    by_id = _call(
        tight,
        token,
        "conversations.inviteShared",
        channel=channels[-1],
        user_ids=[globex.bob.user_id],
    )
    assert by_id.json()["ok"] is True
