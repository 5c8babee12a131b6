"""No statement run for workspace W's calls touches another workspace's rows.

docs/architecture.md §2: every workspace table leads its key with team_id.

Every SQL statement the server runs while W's people use the Web API is recorded, from both
ways statements reach the driver (SQLAlchemy's engine and the prepared-statement runner). Each
one that reads or writes a workspace's table must be bound to W's team id, and none may carry
an id of the other workspace X, whose rows sit in the same tables. A query added later that
forgets its team filter fails here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hubbub.services.hub import Hub
from hubbub.store.prepared import Runner
from hubbub.store.tables import metadata
from tests.support.rtm import new_channel
from tests.support.servers import Server, Workspace, make_workspace, run_admin, threaded_server
from tests.support.waiting import wait_for

# Tables whose rows belong to one workspace: all but the queues, the outbox and the jobs tables,
# which the relay and the job runners (background loops that serve every workspace) claim and
# trim as a whole, by id.
QUEUES = {"outbox", "jobs", "dead_jobs"}
SCOPED = {name for name, table in metadata.tables.items() if "team_id" in table.c} - QUEUES
# Looked up before the workspace is known, by a key unique across all workspaces.
UNSCOPED_LOOKUPS = [
    re.compile(r"FROM tokens JOIN users .*?\bWHERE tokens\.token_hash = ", re.S),
]
_TABLES = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)", re.I)


def _flatten(params: Any) -> tuple[Any, ...]:
    """Bound values, whatever shape the driver got them in (named, positional, many)."""
    if isinstance(params, Mapping):
        return tuple(params.values())
    if isinstance(params, list | tuple):
        out: list[Any] = []
        for p in params:
            if isinstance(p, Mapping):
                out.extend(p.values())
            elif isinstance(p, list | tuple):
                out.extend(p)
            else:
                out.append(p)
        return tuple(out)
    return ()


class Recorder:
    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        self.lock = threading.Lock()

    def note(self, sql: str, params: Any) -> None:
        if not self.on:
            return
        values = _flatten(params)
        with self.lock:
            self.seen.append((sql, values))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    rec = Recorder()
    original = Runner.execute

    def execute(self: Runner, q: Any, params: Mapping[str, Any]) -> Any:
        rec.note(q.compiled(self.dialect)[0], {**q.compiled(self.dialect)[1], **params})
        return original(self, q, params)

    def before(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        rec.note(sql, params)

    monkeypatch.setattr(Runner, "execute", execute)
    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield rec
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def _use_the_api(server: Server, w: Workspace, x_channel: str) -> None:
    """A broad tour of the Web API as W's people, including calls that name X's ids."""
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id)
    posted = alice.chat_postMessage(channel=channel, text="hello")["ts"]
    reply = bob.chat_postMessage(channel=channel, text="reply", thread_ts=posted)["ts"]
    alice.chat_update(channel=channel, ts=posted, text="hello, edited")
    bob.reactions_add(channel=channel, timestamp=posted, name="eyes")
    alice.pins_add(channel=channel, timestamp=posted)
    for call in (
        lambda: alice.auth_test(),
        lambda: alice.team_info(),
        lambda: alice.users_list(),
        lambda: alice.users_info(user=w.bob.user_id),
        lambda: alice.users_lookupByEmail(email="bob@acme.test"),
        lambda: alice.users_conversations(),
        lambda: alice.users_getPresence(user=w.bob.user_id),
        lambda: alice.conversations_list(types="public_channel,private_channel,im,mpim"),
        lambda: alice.conversations_info(channel=channel),
        lambda: alice.conversations_history(channel=channel),
        lambda: alice.conversations_replies(channel=channel, ts=posted),
        lambda: alice.conversations_members(channel=channel),
        lambda: alice.conversations_mark(channel=channel, ts=posted),
        lambda: alice.api_call("client.counts"),
        lambda: alice.conversations_setTopic(channel=channel, topic="t"),
        lambda: alice.conversations_open(users=w.bob.user_id),
        lambda: alice.chat_getPermalink(channel=channel, message_ts=posted),
        lambda: alice.reactions_get(channel=channel, timestamp=posted),
        lambda: alice.reactions_list(),
        lambda: alice.pins_list(channel=channel),
        lambda: alice.search_messages(query="hello from:@bob has:pin is:thread in:#nowhere"),
        lambda: alice.search_messages(query="-zz", sort="timestamp"),
        lambda: alice.search_files(query="hello from:@bob in:#nowhere"),
        lambda: alice.search_all(query="-zz", sort="timestamp"),
        lambda: bob.reactions_remove(channel=channel, timestamp=posted, name="eyes"),
        lambda: alice.pins_remove(channel=channel, timestamp=posted),
        lambda: bob.chat_delete(channel=channel, ts=reply),
        # Ids of the other workspace: refused, and without reading its rows.
        lambda: alice.conversations_info(channel=x_channel),
        lambda: alice.conversations_history(channel=x_channel),
        lambda: alice.chat_postMessage(channel=x_channel, text="in?"),
        lambda: alice.conversations_join(channel=x_channel),
    ):
        try:
            call()
        except Exception as exc:  # refusals are expected for X's ids
            assert "channel_not_found" in str(exc) or "not_found" in str(exc), exc


def _outbox_rows(team_id: str) -> Any:
    async def work(hub: Hub) -> int:
        return await hub.read(team_id, lambda tx: len(tx.unpublished(2**62, 100)))

    return work


def test_no_statement_for_one_workspace_touches_another(tmp_path: Path, recorder: Recorder) -> None:
    with threaded_server(tmp_path / "data") as server:
        w = make_workspace(server.data_dir, "acme")
        x = make_workspace(server.data_dir, "other")
        x_alice = server.client(x.alice.token)
        x_channel = new_channel(x_alice, x.bob.user_id)
        x_alice.chat_postMessage(channel=x_channel, text="x's own")
        # What follows X's post up in the background (the relay's reactors) is done first: the
        # statements recorded from here on are the tour's own.
        wait_for(
            lambda: not run_admin(server.data_dir, _outbox_rows(x.team_id)),
            what="X's events followed up",
        )
        recorder.on = True
        _use_the_api(server, w, x_channel)
        recorder.on = False
    x_ids = {x.team_id, x.alice.user_id, x.bob.user_id, x.carol.user_id, x.bot.user_id}
    scoped = 0
    for sql, values in recorder.seen:
        tables = {t.lower() for t in _TABLES.findall(sql)} & SCOPED
        if not tables or any(q in {t.lower() for t in _TABLES.findall(sql)} for q in QUEUES):
            continue
        if any(p.search(sql) for p in UNSCOPED_LOOKUPS):
            continue
        scoped += 1
        assert w.team_id in values, f"not bound to the caller's workspace: {sql} {values}"
        assert not x_ids & {v for v in values if isinstance(v, str)}, f"names X's ids: {sql}"
    assert scoped > 100, "the tour ran too few statements to prove anything"
