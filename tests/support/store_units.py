"""Small units of work for the store tests: insert a team, open a channel, take positions."""

from __future__ import annotations

from collections.abc import Callable

from hubbub.domain.model import Team
from hubbub.services.channel_tx import new_channel
from hubbub.services.hub import EventLog
from hubbub.store.tx import Tx


def team(n: int | str) -> Team:
    return Team(id=f"T{n}", name=f"team {n}", domain=f"d{n}", created=0)


def insert_team(n: int | str) -> Callable[[Tx], str]:
    def unit(tx: Tx) -> str:
        tx.insert_team(team(n))
        return f"T{n}"

    return unit


def new_team_channel(tx: Tx) -> tuple[str, str]:
    """Team Tts and its #general: (team id, channel id)."""
    tx.insert_team(team("ts"))
    channel = new_channel("Tts", "U1", "general", 0)
    tx.insert_channel(channel)
    return "Tts", channel.id


def positions(
    team_id: str, channel_id: str, now_us: int, count: int
) -> Callable[[Tx], list[tuple[int, str]]]:
    """Takes `count` message positions in the channel, with the unit's clock reading now_us."""

    def unit(tx: Tx) -> list[tuple[int, str]]:
        log = EventLog(Tx(tx.conn, now_us))
        return [log.message_position(team_id, channel_id) for _ in range(count)]

    return unit
