"""What an import of a Slack export needs beside the usual queries (services/slack_import.py):
which of its ids (people, conversations, files) another workspace holds, which of a day's
messages are stored already, and a channel's seq and ts moved past the history put in; and what
an export reads
(services/slack_export.py): every conversation of a workspace, and every message of one in ts
order, a page at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, select, update

from hubbub.domain.model import Channel, Message
from hubbub.store.prepared import PositionalInsert
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import channel_row, message_row
from hubbub.store.tables import channels, messages, reactions, users
from hubbub.store.tables_files import files

_REACTION_COLUMNS = ("team_id", "channel_id", "ts", "name", "user_id", "created")
_INSERT_REACTIONS = PositionalInsert(reactions, _REACTION_COLUMNS, or_nothing=True)


class ImportQueries(TxBase):
    def channel_ids_elsewhere(self, team_id: str, ids: Iterable[str]) -> set[str]:
        """Those of ids that name a channel of another workspace on this shard."""
        return self._elsewhere(channels.c.channel_id, channels.c.team_id, team_id, ids)

    def user_ids_elsewhere(self, team_id: str, ids: Iterable[str]) -> set[str]:
        """Those of ids that name a person of another workspace on this shard."""
        return self._elsewhere(users.c.user_id, users.c.team_id, team_id, ids)

    def file_ids_elsewhere(self, team_id: str, ids: Iterable[str]) -> set[str]:
        """Those of ids that name a file of another workspace on this shard."""
        return self._elsewhere(files.c.file_id, files.c.team_id, team_id, ids)

    def _elsewhere(
        self, id_column: Any, team_column: Any, team_id: str, ids: Iterable[str]
    ) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        query = select(id_column).where(id_column.in_(wanted), team_column != team_id)
        return {row[0] for row in self.conn.execute(query)}

    def stored_ts(self, team_id: str, channel_id: str, first: str, last: str) -> set[str]:
        """The ts of the channel's messages from first to last, replies included."""
        c = messages.c
        query = select(c.ts).where(
            c.team_id == team_id, c.channel_id == channel_id, c.ts >= first, c.ts <= last
        )
        return {row[0] for row in self.conn.execute(query)}

    def take_seqs(self, team_id: str, channel_id: str, count: int, last_us: int) -> int:
        """count seqs of the channel for imported messages (the first is returned), and its
        last_us moved to last_us if that is later: what is posted next orders after them."""
        c = channels.c
        self.conn.execute(
            update(channels)
            .where(c.team_id == team_id, c.channel_id == channel_id)
            .values(
                last_seq=c.last_seq + count,
                last_us=case((c.last_us < last_us, last_us), else_=c.last_us),
            )
        )
        found = self.conn.execute(
            select(c.last_seq).where(c.team_id == team_id, c.channel_id == channel_id)
        ).scalar_one()
        return int(found) - count + 1

    def add_reactions(
        self, team_id: str, channel_id: str, given: list[tuple[str, str, str]]
    ) -> int:
        """Reactions (ts, name, user) of the channel's messages: those not there yet, read
        in one query and written in one statement; returns how many were new."""
        if not given:
            return 0
        c = reactions.c
        first, last = min(g[0] for g in given), max(g[0] for g in given)
        there = self.conn.execute(
            select(c.ts, c.name, c.user_id).where(
                c.team_id == team_id, c.channel_id == channel_id, c.ts >= first, c.ts <= last
            )
        )
        fresh = set(given) - {(r[0], r[1], r[2]) for r in there}
        if fresh:
            rows = [
                (team_id, channel_id, ts, name, user, self.now_us)
                for ts, name, user in sorted(fresh)
            ]
            self.run.insert_rows(_INSERT_REACTIONS, rows)
        return len(fresh)

    def latest_ts(self, team_id: str, channel_id: str) -> str | None:
        c = messages.c
        query = select(func.max(c.ts)).where(c.team_id == team_id, c.channel_id == channel_id)
        found = self.conn.execute(query).scalar()
        return str(found) if found else None

    def team_channels(self, team_id: str) -> list[Channel]:
        """Every conversation of the workspace (channels, DMs, group DMs), by id."""
        query = (
            select(channels).where(channels.c.team_id == team_id).order_by(channels.c.channel_id)
        )
        return [channel_row(row) for row in self.conn.execute(query)]

    def channel_messages(
        self, team_id: str, channel_id: str, after: str, limit: int
    ) -> list[Message]:
        """The channel's messages after the ts `after`, replies included, oldest first."""
        c = messages.c
        query = (
            select(messages)
            .where(c.team_id == team_id, c.channel_id == channel_id, c.ts > after)
            .order_by(c.ts)
            .limit(limit)
        )
        return [message_row(row) for row in self.conn.execute(query)]
