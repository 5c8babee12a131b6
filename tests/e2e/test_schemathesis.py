"""Schemathesis over every operation of /api/openapi.json, against a real server.

Where tests/e2e/test_fuzz.py throws hostile input at the server and checks only that it stays up
and answers Slack's envelope, this checks each answer against what the document promises for
that method (api/responses.py): no 5xx, a documented status, JSON, the method's own success
schema or the error schema, Retry-After where documented. Schemathesis generates each call from
the document (or against it); about half of them then get real ids, text and a good token in
place of the generated ones, so answers that worked are checked as well as refusals. The rest go
with a person's token, a wrong one or none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hubbub.api.routes import method_table
from tests.support.apps import make_app
from tests.support.servers import Server, make_workspace, threaded_server

EXAMPLES_PER_OPERATION = 4  # x 120 operations (60 methods, GET and POST)
METHODS = method_table()

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Target:
    server: Server
    real: dict[str, Any]  # argument -> a value that names something real
    good: list[str]  # a person's, a legacy bot's, an app's bot's (with few scopes)
    generated: list[str | None]  # tokens for generated calls: a person's, a wrong one, none
    spare: str  # for auth.revoke, which may really revoke
    # What a call may change for good acts on things of its own, so the others stay real.
    own: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir = tmp_path_factory.mktemp("schemathesis") / "data"
    with threaded_server(data_dir) as server:
        ws = make_workspace(data_dir)
        app = make_app(data_dir, scopes=["chat:write", "channels:read"])
        alice = server.client(ws.alice.token)
        channel = alice.conversations_create(name="checked")["channel"]["id"]
        spare, leavable, archivable = (
            alice.conversations_create(name=name)["channel"]["id"]
            for name in ("spare", "leavable", "archivable")
        )
        for c in (channel, spare, leavable):
            alice.conversations_invite(channel=c, users=f"{ws.bob.user_id},{ws.bot.user_id}")
        alice.conversations_invite(channel=spare, users=ws.carol.user_id)  # to be kicked
        ts = alice.chat_postMessage(channel=channel, text="checked")["ts"]
        alice.reactions_add(channel=channel, timestamp=ts, name="wave")
        alice.pins_add(channel=channel, timestamp=ts)
        alice.chat_postMessage(channel=channel, text="a reply", thread_ts=ts)
        real = {
            "channel": channel,
            "channel_id": channel,
            "ts": ts,
            "timestamp": ts,
            "message_ts": ts,
            "user": ws.bob.user_id,
            "users": ws.bob.user_id,
            "team": ws.team_id,
            "email": "bob@acme.test",
            "text": "checked",
            "name": "wave",
            "topic": "a topic",
            "purpose": "a purpose",
            "presence": "away",
            "level": "mentions",
            "num_minutes": 10,
            "limit": 2,
            "include_num_members": True,
            "return_im": True,
        }
        # Kicking, renaming, leaving and archiving act on channels of their own; a message is
        # posted for chat.delete to delete. In one process all GET calls run before all POST
        # calls, archive before unarchive; split across xdist's workers, some of these calls are
        # refused instead, and the refusals are checked the same.
        own = {
            name: {"channel": spare, "user": ws.carol.user_id, "name": "spare"}
            for name in ("conversations.kick", "conversations.rename")
        }
        own["conversations.leave"] = {"channel": leavable}
        own["conversations.archive"] = own["conversations.unarchive"] = {"channel": archivable}
        own["users.profile.set"] = {"name": "title", "value": "checker"}
        own["conversations.open"] = {"channel": None}
        yield Target(
            server,
            real,
            good=[ws.alice.token, ws.alice.token, ws.bot.token, app.bot_token],
            generated=[ws.alice.token, "xoxp-wrong", None],
            spare=ws.carol.token,
            own=own,
        )


@pytest.fixture(scope="module")
def api(target: Target) -> Any:
    return schemathesis.openapi.from_url(target.server.api_url + "openapi.json")


def _pick(options: list[Any], seed: str) -> Any:
    """One of options, the same for the same case, so Hypothesis can replay a failure."""
    digest = hashlib.blake2b(seed.encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def _make_real(case: Any, method: str, target: Target) -> None:
    values = {name: target.real[name] for name in METHODS[method].args if name in target.real}
    values.update(target.own.get(method, {}))
    if method == "chat.delete":
        client = target.server.client(target.good[0])
        values["ts"] = client.chat_postMessage(channel=values["channel"], text="gone")["ts"]
    values = {k: v for k, v in values.items() if v is not None}
    if case.method == "GET":
        case.query = {
            k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()
        }
    else:
        case.body = values


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_every_answer_is_what_the_document_says(
    method: str, verb: str, api: Any, target: Target
) -> None:
    operation = api["/api/" + method][verb]

    # Calls as the document describes them, and calls that break it (wrong types, a body that
    # is no object): either way the answer must be one the document gives.
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE))
    def one(case: Any) -> None:
        seed = repr((case.query, case.body))
        if _pick([True, False], seed):
            _make_real(case, method, target)
            _check(case, _pick(target.good, seed), target)
        else:
            _check(case, _pick(target.generated, seed), target)

    one()
    # And once with everything real and a person's token, so that each method's success shape
    # is checked on every run, whatever was generated.
    case = operation.Case(media_type="application/json") if verb == "POST" else operation.Case()
    _make_real(case, method, target)
    _check(case, target.good[0], target)


def _check(case: Any, token: str | None, target: Target) -> None:
    if case.operation.path == "/api/auth.revoke":
        token = target.spare
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    case.call_and_validate(base_url=target.server.url, headers=headers, checks=CHECKS)
