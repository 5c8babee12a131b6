"""What the units of work of a Slack export's import write (services/slack_import.py reads the
export and runs them, docs/import.md): people, conversations, a batch of messages with their
reactions (its rows built before the unit, day_rows), a conversation's pins and read marks;
each writes only what is not there yet. And the ids of the export another workspace holds,
replaced the same way on every run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hubbub.domain.ids import SLACK_ID_PATTERN
from hubbub.domain.model import Channel, User
from hubbub.domain.names import im_key
from hubbub.domain.shapes import FILE_REFS
from hubbub.domain.slack_export import SLACKBOT, ExportChannel, ExportMessage, ExportUser
from hubbub.domain.ts import to_micros
from hubbub.services.hub import Hub
from hubbub.store.queries.messages import HistoryRow, history_row
from hubbub.store.tx import Tx

_MENTION = re.compile(rf"<([@#])({SLACK_ID_PATTERN})([|>])")


def derived_id(kind: str, *parts: str) -> str:
    """An id in hubbub's form, the same for the same parts: a run again finds its own."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return kind + base64.b32encode(digest).decode()[:10]


async def held_elsewhere(hub: Hub, read: Callable[[Tx], set[str]]) -> set[str]:
    """Ids of the export that another workspace holds, on any shard: read is one of the
    `*_ids_elsewhere` queries (people, conversations, files)."""
    taken: set[str] = set()
    for store in hub.shards.stores().values():
        taken |= await store.read(read)
    return taken


@dataclass
class Renames:
    """Ids of the export that must change (another workspace holds them), and the text that
    names them rewritten the same way."""

    ids: dict[str, str] = field(default_factory=dict)

    def __call__(self, value: str) -> str:
        return self.ids.get(value, value)

    def text(self, text: str) -> str:
        if not self.ids or "<" not in text:
            return text
        return _MENTION.sub(lambda m: f"<{m[1]}{self(m[2])}{m[3]}", text)


def put_people(tx: Tx, team_id: str, people: list[ExportUser], renames: Renames) -> int:
    """The people not there yet, in one statement; returns how many were made."""
    made: list[User] = []
    emails: set[str] = set()
    for person in people:
        user_id = renames(person.id)
        email = person.email if person.email and person.email not in emails else None
        if email is not None:
            emails.add(email)
        if tx.get_user(team_id, user_id) is not None:
            continue
        if email and tx.get_user_by_email(team_id, email) is not None:
            email = None  # someone of the workspace has it already: they are not merged
        user = User(
            team_id=team_id,
            id=user_id,
            name=person.name,
            real_name=person.real_name,
            email=email,
            is_admin=person.is_admin,
            is_owner=person.is_owner,
            is_bot=person.is_bot,
            bot_id=person.bot_id,
            deleted=person.deleted,
            tz=person.tz,
            manual_away=False,
            updated=tx.now,
            profile=person.profile,
        )
        made.append(user)
    tx.insert_users(made)
    return len(made)


def put_conversations(
    tx: Tx, team_id: str, conversations: list[ExportChannel], renames: Renames, known: set[str]
) -> int:
    """The conversations not there yet, with their members; returns how many were made."""
    made = 0
    for conv in conversations:
        channel_id = renames(conv.id)
        members = [renames(m) for m in conv.members if renames(m) in known]
        if tx.get_channel(team_id, channel_id) is None:
            name = conv.name
            if conv.kind == "im":
                pair = (members + members)[:2] if members else [SLACKBOT, SLACKBOT]
                name = im_key(pair[0], pair[1])
            creator = renames(conv.creator) if conv.creator else (members or [SLACKBOT])[0]
            topic, topic_by, topic_at = conv.topic
            purpose, purpose_by, purpose_at = conv.purpose
            tx.insert_channel(
                Channel(
                    team_id=team_id,
                    id=channel_id,
                    name=name,
                    is_private=conv.kind in ("private", "mpim"),
                    is_im=conv.kind == "im",
                    is_mpim=conv.kind == "mpim",
                    creator=creator,
                    created=conv.created or tx.now,
                    is_archived=False,
                    topic=renames.text(topic),
                    topic_creator=renames(topic_by),
                    topic_last_set=topic_at,
                    purpose=renames.text(purpose),
                    purpose_creator=renames(purpose_by),
                    purpose_last_set=purpose_at,
                    last_seq=0,
                    last_us=0,
                )
            )
            if conv.is_archived:
                tx.update_channel(team_id, channel_id, is_archived=True)
            made += 1
        for member in members:
            tx.add_member(team_id, channel_id, member)
    return made


@dataclass(frozen=True, slots=True)
class DayRows:
    """A batch of a conversation's messages (day files', oldest first) as put_history writes
    them, built by day_rows before its unit of work: the writer's thread is left the SQL."""

    ts: list[str]
    rows: list[HistoryRow]
    # By index: replies whose parent's author was not known when the rows were built (no
    # parent_user_id, the parent not read before): fresh_rows looks the parent up.
    orphans: dict[int, ExportMessage]
    reactions: list[tuple[str, str, str]]  # (ts, name, user), each once


def day_rows(
    team_id: str, channel_id: str, day: list[ExportMessage], parents: dict[str, str]
) -> DayRows:
    """The rows of day's messages. parents: the ts of the conversation's thread parents read
    so far, to their authors; day's are added."""
    parents.update((m.ts, m.user_id) for m in day if m.thread_ts == m.ts)
    rows = []
    orphans = {}
    for n, m in enumerate(day):
        row, orphan = _row(team_id, channel_id, m, parents)
        rows.append(row)
        if orphan:
            orphans[n] = m
    given = [(m.ts, name, user) for m in day for name, users in m.reactions for user in users]
    return DayRows([m.ts for m in day], rows, orphans, given)


@dataclass(frozen=True, slots=True)
class Written:
    """What a commit of history wrote (put_history)."""

    messages: int = 0
    reactions: int = 0
    pins: int = 0  # of the export's, those of messages there
    pins_written: int = 0


def put_history(
    tx: Tx,
    team_id: str,
    days: list[tuple[str, DayRows]],
    finished: list[ExportChannel],
    renames: Renames,
    known: set[str],
) -> Written:
    """Batches of messages, each of one conversation: those not stored yet, all in one
    statement with their index rows (fresh_rows), and their reactions; then the pins and read
    marks of conversations whose messages are all stored by then (finish_conversation)."""
    batches = [fresh_rows(tx, team_id, channel_id, day) for channel_id, day in days]
    tx.insert_history(batches)
    messages = sum(len(rows) for rows, _ in batches)
    reactions = pins = pins_written = 0
    for channel_id, day in days:
        reactions += tx.add_reactions(team_id, channel_id, day.reactions)
    for conv in finished:
        found = finish_conversation(tx, team_id, conv, renames, known)
        pins += found[0]
        pins_written += found[1]
    return Written(messages, reactions, pins, pins_written)


def fresh_rows(tx: Tx, team_id: str, channel_id: str, day: DayRows) -> tuple[list[HistoryRow], int]:
    """The rows of a batch (a day file's messages, or several days') not stored yet, and the
    first of the seqs taken for them."""
    if not day.ts:
        return [], 0
    stored = tx.stored_ts(team_id, channel_id, day.ts[0], day.ts[-1])
    fresh = [n for n, ts in enumerate(day.ts) if ts not in stored]
    if not fresh:
        return [], 0
    seq = tx.take_seqs(team_id, channel_id, len(fresh), to_micros(day.ts[fresh[-1]]))
    return [
        _adopted(tx, team_id, channel_id, day.orphans[n]) if n in day.orphans else day.rows[n]
        for n in fresh
    ], seq


def _adopted(tx: Tx, team_id: str, channel_id: str, m: ExportMessage) -> HistoryRow:
    """An orphan's row, naming its parent's author if the conversation has the parent."""
    parent = tx.get_message(team_id, channel_id, m.thread_ts or "")
    found = {parent.ts: parent.user_id} if parent is not None else {}
    return _row(team_id, channel_id, m, found)[0]


def _row(
    team_id: str, channel_id: str, m: ExportMessage, parents: dict[str, str]
) -> tuple[HistoryRow, bool]:
    """The stored row of an export's message, and whether it is a reply whose parent's author
    is not known yet."""
    is_reply = m.thread_ts is not None and m.thread_ts != m.ts
    extra = m.extra
    orphan = False
    if is_reply and m.thread_ts is not None and not isinstance(extra.get("parent_user_id"), str):
        # A reply names its parent's author (Slack's parent_user_id); an export may leave it out.
        author = parents.get(m.thread_ts)
        orphan = author is None
        extra = {**extra, "parent_user_id": author}
    if m.files:
        # As a message that shares files keeps them (services/file_shown.py): their rows are
        # written in the same commit (services/slack_import_files.py).
        extra = {**extra, FILE_REFS: [[team_id, f.id] for f in m.files]}
    row = history_row(
        team_id,
        channel_id,
        m,
        extra,
        # A reply shows in the channel only when broadcast.
        in_channel=not is_reply or m.subtype == "thread_broadcast",
        is_parent=m.thread_ts == m.ts and bool(m.reply_count or m.reply_users),
    )
    return row, orphan


def finish_conversation(
    tx: Tx, team_id: str, conv: ExportChannel, renames: Renames, known: set[str]
) -> tuple[int, int]:
    """The conversation's pins, and its members' read marks at its last message (history is
    not news). Returns (pins of messages there, pins written)."""
    channel_id = renames(conv.id)
    pins = written = 0
    for pin in conv.pins:
        if tx.get_message(team_id, channel_id, pin.ts) is None:
            continue
        pinned_by = renames(pin.user) if renames(pin.user) in known else SLACKBOT
        pins += 1
        written += tx.add_pin(team_id, channel_id, pin.ts, pinned_by)
    latest = tx.latest_ts(team_id, channel_id)
    if latest is not None:
        for member in conv.members:
            if renames(member) in known:
                tx.set_last_read(team_id, channel_id, renames(member), latest)
    return pins, written
