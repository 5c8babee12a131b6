"""A request's writes commit within its deadline or not at all (services/deadlines.py): a unit
held up past the moment its client gave up is rolled back, not applied over what the client
did since (found by `hubbub chaos`, cluster seed 711: an edit held by a partition landed after
the edit its client made next)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from hubbub.domain.errors import Unavailable
from hubbub.services import channels, deadlines, posting, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.hub import EventLog, Hub
from hubbub.store.tx import Tx
from tests.support.servers import make_workspace, threaded_server


async def test_a_unit_that_ends_past_its_deadline_is_rolled_back(hub: Hub) -> None:
    await workspaces.create_workspace(hub, "Acme", "acme")
    account = await workspaces.create_user(hub, "acme", email="a@acme.test", name="a")
    who = await authenticate(hub, account.token)
    channel = await channels.create(hub, who, "dev", is_private=False)
    heard: list[int] = []
    hub.bus.subscribe(channel.id, lambda _stream, seq, _data: heard.append(seq))

    def held_up(tx: Tx, log: EventLog) -> None:
        # Its database was out of reach this long, the unit's statements waiting.
        time.sleep(0.3)
        log.channel_event(who.team_id, channel.id, {"type": "test_event"})

    with deadlines.writes_within(0.2), pytest.raises(Unavailable):
        await hub.commit(who.team_id, held_up)
    with deadlines.writes_within(5.0):
        posted = await posting.post(hub, who, channel.id, posting.Draft.checked("in time"))
    await asyncio.sleep(0.1)
    # Nothing of the late unit: not its event, not a seq (the post's is the next one).
    log = await hub.read(who.team_id, lambda tx: tx.events_after(who.team_id, channel.id, 0, 99))
    assert "test_event" not in [kind for _, kind, _ in log]
    assert [seq for seq, _, _ in log][-1] == heard[-1] == len(log)
    assert posted.text == "in time"


def test_the_web_api_answers_a_write_past_its_deadline_503_and_writes_nothing(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path / "data")
    # A deadline no unit can meet: every write is past it, every read is not a write.
    with threaded_server(tmp_path / "data", write_deadline_s=1e-6) as server:
        alice = server.client(ws.alice.token)
        general = next(
            c["id"] for c in alice.conversations_list()["channels"] if c["name"] == "general"
        )
        before = alice.conversations_history(channel=general)["messages"]
        answer = httpx.post(
            server.api_url + "chat.postMessage",
            headers={"Authorization": f"Bearer {ws.alice.token}"},
            data={"channel": general, "text": "too late"},
        )
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "1"
        assert answer.json() == {"ok": False, "error": "service_unavailable"}
        assert alice.conversations_history(channel=general)["messages"] == before
        assert alice.api_test()["ok"]
