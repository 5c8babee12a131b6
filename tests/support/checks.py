"""Reading back what a server stored: history by the Web API, the event log from the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from hubbub.services.hub import Hub
from hubbub.store.tx import Tx
from tests.support.servers import Server, run_admin


def walk_history(client: WebClient, channel: str, limit: int = 200) -> list[dict[str, Any]]:
    """Every message of conversations.history, newest first, following next_cursor to the end."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100_000):
        page = client.conversations_history(channel=channel, limit=limit, cursor=cursor)
        out.extend(page["messages"])
        cursor = page["response_metadata"]["next_cursor"]
        assert bool(cursor) == page["has_more"], "next_cursor and has_more disagree"
        if not cursor:
            return out
    raise AssertionError("history pagination did not end")


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    body: dict[str, Any]


def read_log(data_dir: Path, team_id: str, stream: str) -> list[Event]:
    """The whole event log of one stream (a channel or a team), in seq order, from the file."""

    def unit(tx: Tx) -> list[Event]:
        events: list[Event] = []
        after = 0
        while True:
            page = tx.events_after(team_id, stream, after, 1000)
            if not page:
                return events
            events.extend(Event(seq, type_, orjson.loads(payload)) for seq, type_, payload in page)
            after = page[-1][0]

    async def work(hub: Hub) -> list[Event]:
        return await hub.read(team_id, unit)

    return run_admin(data_dir, work)


def last_seq(data_dir: Path, team_id: str, channel_id: str) -> int:
    """The channel's counter: the seq its last event took."""

    async def work(hub: Hub) -> int:
        channel = await hub.read(team_id, lambda tx: tx.get_channel(team_id, channel_id))
        assert channel is not None
        return channel.last_seq

    return run_admin(data_dir, work)


def message_ts_in_log(events: list[Event]) -> list[str]:
    """The ts of each new message in log order (edits and deletions are not new messages)."""
    return [
        e.body["ts"]
        for e in events
        if e.type == "message"
        and e.body.get("subtype") not in {"message_changed", "message_deleted"}
    ]


def events(server: Server, team_id: str, stream: str) -> list[dict[str, Any]]:
    """The bodies of a stream's whole event log, in seq order."""
    return [e.body for e in read_log(server.data_dir, team_id, stream)]


def error_of(call: Callable[..., Any], **kwargs: Any) -> str:
    """The Slack error code a Web API call answers; fails the test if the call succeeds."""
    with pytest.raises(SlackApiError) as err:
        call(**kwargs)
    code: str = err.value.response["error"]
    return code


def thumbs_made(client: WebClient, file_id: str) -> dict[str, Any] | None:
    """files.info's file once its thumbnails are made (thumb_360 is there), else None."""
    file: dict[str, Any] = client.files_info(file=file_id)["file"]
    return file if "thumb_360" in file else None
