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
    # The invite to nobody reached no workspace; the host lists all three alike.
    assert len(_listed(limited, globex.alice.token)) == 1  # one invite of the channel to globex
    assert len(_listed(limited, token)) == 3


def _masked(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The record with these (dotted) keys' values replaced by a mark, where present."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in record.items()}
    for dotted in keys:
        *parents, last = dotted.split(".")
        holder = out
        for parent in parents:
            holder = holder[parent]
        if last in holder:
            holder[last] = "…"
    return out


def test_what_the_host_sees_of_an_invite_is_alike_for_a_known_and_an_unknown_address(
    limited: Server,
) -> None:
    acme = make_workspace(limited.data_dir, "acme")
    globex = make_workspace(limited.data_dir, "globex")
    token = acme.alice.token
    client = limited.client(token)
    known = client.conversations_create(name="known")["channel"]["id"]
    unknown = client.conversations_create(name="unknown")["channel"]["id"]

    def invite(channel: str, email: str) -> str:
        answer = _call(
            limited, token, "conversations.inviteShared", channel=channel, emails=[email]
        )
        return str(answer.json()["invite_id"])

    # Asked twice, each answers its first invite again: a repeat says nothing either.
    sent = {known: invite(known, "bob@globex.test"), unknown: invite(unknown, "nobody@x.test")}
    assert invite(known, "Bob@Globex.test ") == sent[known]
    assert invite(unknown, "nobody@x.test") == sent[unknown]

    listed = {
        i["channel"]["id"]: i
        for i in _call(limited, token, "conversations.listConnectInvites").json()["invites"]
    }
    assert set(listed) == {known, unknown}
    varying = (
        "invite.id",
        "invite.recipient_email",
        "invite.date_created",
        "invite.date_invalid",
        "date_last_updated",
        "channel.id",
        "channel.name",
    )
    assert _masked(listed[known], *varying) == _masked(listed[unknown], *varying)
    assert listed[known]["invite"]["recipient_email"] == "bob@globex.test"
    assert not {"recipient_team_id", "recipient_user_id"} & set(listed[known]["invite"])

    def info(channel: str) -> dict[str, Any]:
        shown = _call(limited, token, "conversations.info", channel=channel).json()["channel"]
        return _masked(shown, "id", "name", "name_normalized", "created", "updated", "last_read")

    assert info(known) == info(unknown)
    assert info(known)["pending_shared"] == [] and not info(known)["is_pending_ext_shared"]

    # Bob's workspace got its invite; withdrawing is alike for both, and takes it back.
    assert _listed(limited, globex.alice.token) == [sent[known]]
    for channel in (known, unknown):
        withdrawn = _call(
            limited, token, "conversations.declineSharedInvite", invite_id=sent[channel]
        )
        assert withdrawn.json() == {"ok": True}
        again = _call(limited, token, "conversations.declineSharedInvite", invite_id=sent[channel])
        assert again.json() == {"ok": False, "error": "invite_not_found"}
    assert _listed(limited, token) == [] and _listed(limited, globex.alice.token) == []


def test_an_invite_by_domain_after_one_by_address_is_a_new_invite(limited: Server) -> None:
    """Answering the address's invite id to an invite of its workspace would say whose the
    address is: the workspace gets a new invite, and accepting it settles the address's."""
    acme = make_workspace(limited.data_dir, "acme")
    globex = make_workspace(limited.data_dir, "globex")
    token, theirs = acme.alice.token, globex.alice.token
    channel = limited.client(token).conversations_create(name="deals")["channel"]["id"]
    by_address = _call(
        limited, token, "conversations.inviteShared", channel=channel, emails=["bob@globex.test"]
    ).json()["invite_id"]
    by_domain = _call(
        limited, token, "conversations.inviteShared", channel=channel, team_domain="globex"
    ).json()["invite_id"]
    assert by_domain != by_address
    assert sorted(_listed(limited, token)) == sorted([by_address, by_domain])
    assert _listed(limited, theirs) == [by_domain]
    info = _call(limited, token, "conversations.info", channel=channel).json()["channel"]
    assert info["pending_shared"] == [globex.team_id]  # the workspace was named this time

    # Another address of the same workspace, invited now, is one more invite by address.
    by_second = _call(
        limited, token, "conversations.inviteShared", channel=channel, emails=["carol@globex.test"]
    ).json()["invite_id"]
    assert by_second not in (by_address, by_domain)
    assert _listed(limited, theirs) == [by_domain]

    accepted = _call(
        limited,
        theirs,
        "conversations.acceptSharedInvite",
        invite_id=by_domain,
        channel_name="acme-deals",
    )
    assert accepted.json()["ok"] is True
    assert _listed(limited, token) == [] and _listed(limited, theirs) == []


def test_a_malformed_address_is_refused_and_writes_nothing(limited: Server) -> None:
    acme = make_workspace(limited.data_dir, "acme")
    token = acme.alice.token
    channel = limited.client(token).conversations_create(name="deals")["channel"]["id"]
    for bad in (
        "no-at-sign",
        "@globex.test",
        "bob@",
        "b ob@globex.test",
        "a@b@c",
        "x" * 251 + "@y.z",  # 255 characters
    ):
        answer = _call(limited, token, "conversations.inviteShared", channel=channel, emails=[bad])
        assert answer.json() == {"ok": False, "error": "invalid_email"}, bad
    assert _listed(limited, token) == []


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
