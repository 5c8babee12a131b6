"""Importing a Slack export into a workspace (`hubbub admin import-slack`, docs/import.md).

Ids and timestamps are kept, so links, threads and bots keep working; an id another workspace
holds is replaced by one derived from it (the same on every run), and every reference to it
rewritten. Each step writes what is not there yet, so running the import again, or after it was
killed midway, completes it and stores everything once:

1. the workspace (created with the export's team id if it is free, without default channels);
2. the people, in one commit; 3. the conversations with their members, in one commit;
4. the day files in commits of up to BATCH_MESSAGES messages (small conversations share one):
   each conversation's messages not stored yet (in one statement, with the seqs they take,
   thread counters, edits and the search index), and their reactions;
5. once a conversation's messages are all written, in the same commit as its last ones or a
   later one: its pins, and each member's read mark at its last message.

A batch's files (services/slack_import_files.py) have their bytes stored before its commit,
which writes their rows and shares with the messages.

No event is logged for history: nobody was connected to see it happen. A channel's last_seq and
last_us move past what was put in, so what is posted next orders after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.ids import is_team_id
from hubbub.domain.names import check_domain
from hubbub.domain.slack_export import (
    SLACKBOT,
    ExportChannel,
    ExportMessage,
    ExportUser,
    Refused,
    channel_of,
    message_of,
    user_of,
)
from hubbub.domain.slack_files import ExportFile
from hubbub.services import workspaces
from hubbub.services.hub import EventLog, Hub
from hubbub.services.slack_import_files import BatchFiles, put_files_tx, renamed, store_files
from hubbub.services.slack_import_tx import (
    DayRows,
    Renames,
    Written,
    day_rows,
    derived_id,
    held_elsewhere,
    put_conversations,
    put_history,
    put_people,
)
from hubbub.slack_archive import ExportArchive
from hubbub.store.tx import Tx

# The export's files of conversations, each with its kind.
CONVERSATION_FILES = (
    ("channels.json", "public"),
    ("groups.json", "private"),
    ("dms.json", "im"),
    ("mpims.json", "mpim"),
)


Progress = Callable[[int], None]
# Day files are gathered into one commit up to this many messages (a commit per day file cost
# the import a third of its time in fsyncs); a kill loses at most the batch being written.
BATCH_MESSAGES = 5000


@dataclass
class Summary:
    """What the import did, printed as one JSON object by the command."""

    team_id: str = ""
    counts: Counter[str] = field(default_factory=Counter)  # taken from the export
    written: Counter[str] = field(default_factory=Counter)  # of those, stored by this run
    skipped: Counter[str] = field(default_factory=Counter)
    people: list[str] = field(default_factory=list)  # the ids of the people taken, as stored
    files_seen: set[str] = field(default_factory=set)  # the files met so far, as stored

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def as_json(self) -> dict[str, Any]:
        kinds = ("users", "channels", "messages", "reactions", "pins", "files", "file_bytes")
        return {
            "team_id": self.team_id,
            **{k: self.counts.get(k, 0) for k in kinds},
            "written": {k: self.written.get(k, 0) for k in kinds},
            "skipped": dict(sorted(self.skipped.items())),
        }


async def import_slack(
    hub: Hub,
    archive: ExportArchive,
    *,
    domain: str,
    name: str | None = None,
    progress: Progress | None = None,
    batch_messages: int = BATCH_MESSAGES,
) -> Summary:
    check_domain(domain)
    now_us = time.time_ns() // 1000
    summary = Summary()
    people = _people(archive, summary)
    conversations = _conversations(archive, now_us, summary)
    team_id = await _workspace(hub, _export_team(archive), domain, name or domain)
    summary.team_id = team_id
    renames = await _renames(hub, team_id, people, conversations)
    summary.people = [renames(p.id) for p in people]
    known = set(summary.people) | {SLACKBOT}
    summary.counts["users"] = len(people)
    summary.written["users"] = await hub.commit(
        team_id, lambda tx, _log: put_people(tx, team_id, people, renames)
    )
    summary.written["channels"] = await hub.commit(
        team_id, lambda tx, _log: put_conversations(tx, team_id, conversations, renames, known)
    )
    summary.counts["channels"] = len(conversations)
    bots = {p.bot_id: renames(p.id) for p in people if p.bot_id}
    folders = set(archive.folders())
    writing = _InFlight()
    pending = _Pending()
    try:
        for conv in conversations:
            found = [f for f in (conv.folder, *conv.other_folders) if f in folders]
            folders.difference_update(found)
            channel_id = renames(conv.id)
            parents: dict[str, str] = {}
            batch: dict[str, ExportMessage] = {}
            for folder in found:
                for day_name in archive.days(folder):
                    try:
                        raw = archive.day(folder, day_name)
                    except Refused as exc:
                        summary.skip(str(exc))
                        continue
                    for m in _messages(raw, now_us, bots, renames, known, summary):
                        if m.ts in batch:
                            summary.skip("message: duplicate ts")
                            continue
                        batch[m.ts] = m
                    if pending.messages + len(batch) >= batch_messages:
                        # Its rows are built here, while the commit before is under way.
                        await _add(
                            hub, archive, team_id, channel_id, batch, parents, pending, summary
                        )
                        await writing.put(
                            _commit(hub, team_id, pending, renames, known, summary, progress)
                        )
                        pending, batch = _Pending(), {}
            await _add(hub, archive, team_id, channel_id, batch, parents, pending, summary)
            pending.finished.append(conv)
        await writing.put(_commit(hub, team_id, pending, renames, known, summary, progress))
        await writing.wait()
    except BaseException:
        await writing.abandon()
        raise
    if folders:
        summary.skip("a folder of day files for no conversation in the export", len(folders))
    return summary


class _InFlight:
    """At most one batch's commit under way while the next batch is read and checked: the
    reading (this thread) and the writing (the store's) go on at once."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    async def put(self, committing: Coroutine[Any, Any, None]) -> None:
        try:
            await self.wait()
        except BaseException:
            committing.close()  # never started: the failure before it stops the import
            raise
        self.task = asyncio.create_task(committing)
        # The task starts at this coroutine's next suspension: reading the next batch awaits
        # nothing when its messages share no files, so without this yield the commit was handed
        # to the store only once that batch was read, and reading and writing took turns.
        await asyncio.sleep(0)

    async def wait(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            await task

    async def abandon(self) -> None:
        """After a failure elsewhere: the commit under way ends (its outcome is dropped)."""
        with contextlib.suppress(BaseException):
            await self.wait()


async def _add(
    hub: Hub,
    archive: ExportArchive,
    team_id: str,
    channel_id: str,
    batch: dict[str, ExportMessage],
    parents: dict[str, str],
    pending: _Pending,
    summary: Summary,
) -> None:
    """A conversation's batch into the next commit: its files' bytes stored first (the rows
    that name them come with the commit, services/slack_import_files.py), then its rows built
    under the ids the files are stored under."""
    day = [batch[ts] for ts in sorted(batch)]
    files = await store_files(hub, archive, team_id, day, summary)
    day = renamed(day, files)
    pending.add(channel_id, day_rows(team_id, channel_id, day, parents), day, files)


@dataclass
class _Pending:
    """What the next commit writes: batches of messages (several conversations' when they are
    small: a commit per conversation cost a fsync each), then the pins and read marks of the
    conversations whose messages are all in it or before it."""

    days: list[tuple[str, DayRows]] = field(default_factory=list)
    finished: list[ExportChannel] = field(default_factory=list)
    messages: int = 0
    # The batches that share files: their messages, and where the files' bytes went.
    files: list[tuple[str, list[ExportMessage], BatchFiles]] = field(default_factory=list)

    def add(
        self, channel_id: str, rows: DayRows, day: list[ExportMessage], files: BatchFiles
    ) -> None:
        if rows.ts:
            self.days.append((channel_id, rows))
            self.messages += len(rows.ts)
        if any(m.files for m in day):
            self.files.append((channel_id, day, files))


async def _commit(
    hub: Hub,
    team_id: str,
    pending: _Pending,
    renames: Renames,
    known: set[str],
    summary: Summary,
    progress: Progress | None,
) -> None:
    if not pending.days and not pending.finished:
        return
    put, files = await hub.commit(team_id, _history_unit(team_id, pending, renames, known))
    summary.counts["messages"] += pending.messages
    summary.counts["reactions"] += sum(len(day.reactions) for _, day in pending.days)
    summary.counts["pins"] += put.pins
    summary.written["messages"] += put.messages
    summary.written["reactions"] += put.reactions
    summary.written["pins"] += put.pins_written
    summary.written["files"] += files
    if progress is not None and pending.messages:
        progress(pending.messages)


def _history_unit(
    team_id: str, pending: _Pending, renames: Renames, known: set[str]
) -> Callable[[Tx, EventLog], tuple[Written, int]]:
    """The commit's messages, pins and read marks (put_history), then the rows and shares of
    its files (put_files_tx): how many of each were written."""

    def unit(tx: Tx, log: EventLog) -> tuple[Written, int]:
        put = put_history(tx, team_id, pending.days, pending.finished, renames, known)
        files = sum(
            put_files_tx(tx, log, team_id, channel_id, day, batch)
            for channel_id, day, batch in pending.files
        )
        return put, files

    return unit


def _export_team(archive: ExportArchive) -> str | None:
    """The team id the export's people name most (Slack's exports have no file of their own
    for the workspace)."""
    raw = archive.json("users.json")
    teams = Counter(
        u.get("team_id")
        for u in raw or []
        if isinstance(u, dict) and isinstance(u.get("team_id"), str)
    )
    for team, _ in teams.most_common(1):
        if isinstance(team, str) and is_team_id(team):
            return team
    return None


def _people(archive: ExportArchive, summary: Summary) -> list[ExportUser]:
    raw = archive.json("users.json")
    if not isinstance(raw, list):
        raise Refused("the export has no users.json (a list of people)")
    found: dict[str, ExportUser] = {}
    for record in raw:
        try:
            user = user_of(record)
        except Refused as exc:
            summary.skip(f"user: {exc}")
            continue
        if user.id in found:
            summary.skip("user: duplicate id")
            continue
        found[user.id] = user
    return list(found.values())


def _conversations(archive: ExportArchive, now_us: int, summary: Summary) -> list[ExportChannel]:
    found: dict[str, ExportChannel] = {}
    for file_name, kind in CONVERSATION_FILES:
        raw = archive.json(file_name)
        if raw is None:
            continue
        if not isinstance(raw, list):
            raise Refused(f"{file_name} is not a list")
        for record in raw:
            try:
                conv = channel_of(record, kind, now_us)
            except Refused as exc:
                summary.skip(f"conversation: {exc}")
                continue
            if conv.id in found:
                summary.skip("conversation: duplicate id")
                continue
            found[conv.id] = conv
    return list(found.values())


async def _free_team(hub: Hub, team_id: str) -> bool:
    for store in hub.shards.stores().values():
        if await store.read(lambda tx: tx.get_team(team_id)) is not None:
            return False
    return True


async def _workspace(hub: Hub, export_team: str | None, domain: str, name: str) -> str:
    """The workspace to import into: the one a run before made for this export and domain, or a
    new one with the export's team id, or one derived from it if another workspace has it."""
    team_id = export_team or derived_id("T", "import", domain)
    holder = await hub.shards.team_for_domain(domain)
    if holder is not None:
        if holder in (team_id, derived_id("T", team_id, domain)):
            return holder
        raise Refused(f"the domain {domain} belongs to another workspace")
    if not await _free_team(hub, team_id):
        team_id = derived_id("T", team_id, domain)
    try:
        await workspaces.create_workspace(hub, name, domain, team_id=team_id, defaults=False)
    except SlackError as exc:
        raise Refused(f"the workspace cannot be made: {exc}") from exc
    return team_id


async def _renames(
    hub: Hub, team_id: str, people: list[ExportUser], conversations: list[ExportChannel]
) -> Renames:
    user_ids = [p.id for p in people]
    channel_ids = [c.id for c in conversations]
    taken = await held_elsewhere(hub, lambda tx: tx.user_ids_elsewhere(team_id, user_ids))
    taken |= await held_elsewhere(hub, lambda tx: tx.channel_ids_elsewhere(team_id, channel_ids))
    return Renames({old: derived_id(old[0], team_id, old) for old in sorted(taken)})


def _messages(
    raw: list[Any],
    now_us: int,
    bots: dict[str, str],
    renames: Renames,
    known: set[str],
    summary: Summary,
) -> list[ExportMessage]:
    """A day file's messages, checked, renamed, each ts once, oldest first."""
    found: dict[str, ExportMessage] = {}
    for record in raw:
        try:
            msg = message_of(record, now_us, bots)
        except Refused as exc:
            summary.skip(f"message: {exc}")
            continue
        user = renames(msg.user_id)
        if user not in known:
            summary.skip("message: from a person not in users.json")
            continue
        if msg.ts in found:
            summary.skip("message: duplicate ts")
            continue
        for reason in msg.skipped_files:
            summary.skip(reason)
        if msg.files:
            # An uploader not in users.json: the file is the author's of the message sharing it.
            msg = replace(msg, files=tuple(_uploader(f, renames, known) for f in msg.files))
        if not renames.ids:
            found[msg.ts] = msg
            continue
        found[msg.ts] = replace(
            msg,
            user_id=user,
            text=renames.text(msg.text),
            reply_users=tuple(renames(u) for u in msg.reply_users),
            edited=(msg.edited[0], renames(msg.edited[1])) if msg.edited else None,
            reactions=tuple((n, tuple(renames(u) for u in us)) for n, us in msg.reactions),
            extra={
                k: renames(v) if k == "parent_user_id" and isinstance(v, str) else v
                for k, v in msg.extra.items()
            },
        )
    return [found[ts] for ts in sorted(found)]


def _uploader(file: ExportFile, renames: Renames, known: set[str]) -> ExportFile:
    user = renames(file.user_id) if file.user_id else None
    return replace(file, user_id=user if user in known else None)
