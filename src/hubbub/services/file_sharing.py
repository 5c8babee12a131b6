"""Sharing files into channels (docs/files.md, The upload flow and Shared channels): the
message that shares them with its events, their share rows, and the three steps across shards
when the channel is hosted by another workspace. Completing and files.upload are in files.py."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
from typing import Any

from hubbub.domain.errors import SlackError
from hubbub.domain.files import MAX_SHARE_CHANNELS, READY, UPLOADED, File, FileShare
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.model import Identity, Message
from hubbub.domain.shapes import FILE_REFS, file_json
from hubbub.domain.text import check_content
from hubbub.services import thumbnails
from hubbub.services.access import home, writable_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx, thread_parent
from hubbub.store.tx import Tx


@dataclass(frozen=True, slots=True)
class Share:
    """Where completed files go: channels (one message each), with a comment, in a thread."""

    channels: tuple[str, ...] = ()
    text: str | None = None
    blocks: Any = None
    thread_ts: str | None = None


def check_share(channels: list[str], text: str | None, blocks: Any, thread_ts: str | None) -> Share:
    if len(channels) > MAX_SHARE_CHANNELS:
        raise SlackError("invalid_channel")
    if thread_ts and len(channels) > 1:
        raise SlackError("invalid_thread_ts")  # Slack: a thread is in one channel
    # Slack ignores blocks when initial_comment is given; a message with files may have neither.
    if not text and blocks is not None:
        text, blocks, _ = check_content(None, blocks, None)
    elif text:
        text, _, _ = check_content(text, None, None)
        blocks = None
    return Share(tuple(dict.fromkeys(channels)), text or None, blocks, thread_ts or None)


async def share_home(hub: Hub, who: Identity, share: Share) -> str:
    """The one workspace whose shard holds the channels (all of them must be on it): who's
    own, or the host of channels shared with who's workspace."""
    homes = {await home(hub, who, c) for c in share.channels} or {who.team_id}
    if len(homes) > 1:
        raise SlackError("invalid_channel")
    return homes.pop()


# Queued with the messages of a completion across shards, on the host's shard: it finishes the
# completion on the uploader's shard if the process died before it did (share_elsewhere). By
# then the request has done it, as a rule, and the job finds nothing left to do.
FINISH_SHARE_JOB = "file_share_finish"
FINISH_SHARE_DELAY_US = 30 * 10**6
FINISH_SHARE_SPEC = JobSpec(timeout_s=30.0, max_attempts=10, backoff_base_s=5.0)


async def share_elsewhere(
    hub: Hub, who: Identity, fresh: list[File], share: Share, host: str
) -> None:
    """Completion into channels another workspace hosts, whose shard may not be who's: the
    messages first, on the host's shard (each keyed by a client_msg_id made of its files and
    channel, so doing it again finds it rather than posting twice), with a FINISH_SHARE_JOB;
    then, on who's shard, the files ready and their share rows. A refusal of the first step
    (not_in_channel, ...) leaves the files as they were; a crash between the two leaves the
    messages showing files not ready yet, until the job (or completing again) finishes."""
    if not fresh:
        return
    posted = await post_elsewhere(hub, who, fresh, share, host)
    titles = {f.id: f.title for f in fresh}
    await hub.commit(who.team_id, lambda tx, log: _finish_tx(tx, log, who.team_id, titles, posted))


async def post_elsewhere(
    hub: Hub, who: Identity, fresh: list[File], share: Share, host: str
) -> list[FileShare]:
    """share_elsewhere's first step: the messages on the host's shard, and the job that
    finishes the second if nothing else does."""

    def unit(tx: Tx, log: EventLog) -> list[FileShare]:
        posted = post_tx(hub, tx, log, who, fresh, share)
        payload = {
            "titles": {f.id: f.title for f in fresh},
            "shares": [asdict(p) for p in posted],
        }
        log.job(who.team_id, FINISH_SHARE_JOB, payload, delay_us=FINISH_SHARE_DELAY_US)
        return posted

    return await hub.commit(host, unit)


async def finish_share_job(hub: Hub, job: Job) -> None:
    """FINISH_SHARE_JOB: the files of job.team_id ready and shared where the messages are."""
    team_id = job.team_id
    try:
        titles = {str(k): str(v) for k, v in job.payload["titles"].items()}
        posted = [FileShare(**share) for share in job.payload["shares"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise PermanentFailure(f"bad payload: {job.payload!r}") from exc
    await hub.commit(team_id, lambda tx, log: _finish_tx(tx, log, team_id, titles, posted))


def _finish_tx(
    tx: Tx, log: EventLog, team_id: str, titles: dict[str, str], posted: list[FileShare]
) -> None:
    """Idempotent: a file ready already, or deleted, or forgotten, is left as it is."""
    files = []
    for file_id, title in titles.items():
        now = tx.get_file(team_id, file_id)
        if now is None or now.state not in (UPLOADED, READY):
            continue
        if now.state == UPLOADED:
            now = replace(now, state=READY, title=title)
            became_ready_tx(tx, log, now)
        files.append(now)
    ids = {f.id for f in files}
    add_shares_tx(tx, files, [p for p in posted if p.file_id in ids])


def post_tx(
    hub: Hub, tx: Tx, log: EventLog, who: Identity, fresh: list[File], share: Share
) -> list[FileShare]:
    """Per channel, the message that shares the fresh files, with its events: file_created
    (once per file), the message, file_shared; the shares it made. A message of the same files
    in the same channel posted before (an earlier try of a completion across shards) is
    answered instead of posting again."""
    if not fresh or not share.channels:
        return []
    refs = [[f.team_id, f.id] for f in fresh]
    posted: list[FileShare] = []
    created = False
    for channel_id in share.channels:
        channel, mine = writable_channel(tx, who, channel_id, shown=False)
        parent = thread_parent(tx, channel, share.thread_ts) if share.thread_ts else None
        key = _client_msg_id(fresh, channel.id)
        earlier = tx.message_by_client_id(channel.team_id, who.user_id, key)
        if earlier is not None:
            posted += _shares_of(fresh, channel.team_id, channel.id, earlier.ts, parent, who, tx)
            created = True
            continue
        if not created:
            for file in fresh:
                log.channel_event(
                    channel.team_id,
                    channel.id,
                    {
                        "type": "file_created",
                        "file_id": file.id,
                        "file": {"id": file.id},
                        "channel_id": channel.id,  # hubbub's, as in file_deleted
                    },
                )
            created = True
        msg = insert_tx(
            tx,
            log,
            channel,
            user_id=who.user_id,
            bot_id=who.bot_id,
            text=share.text or "",
            blocks=share.blocks,
            parent=parent,
            client_msg_id=key,
            extra={FILE_REFS: refs, "upload": True, "display_as_bot": False},
            team=mine.member_team or channel.team_id,
            shown={"files": [file_json(f, hub.urls) for f in fresh]},
        )
        posted += _shares_of(fresh, channel.team_id, channel.id, msg.ts, parent, who, tx)
        for file in fresh:
            log.channel_event(
                channel.team_id,
                channel.id,
                {
                    "type": "file_shared",
                    "file_id": file.id,
                    "user_id": who.user_id,
                    "channel_id": channel.id,
                    "file": {"id": file.id},
                },
            )
    return posted


def _client_msg_id(files: list[File], channel_id: str) -> str:
    """The key of the message sharing these files in this channel: the same completion tried
    again finds its message by it (posting.post's idempotency, ≤ 64 characters)."""
    named = ",".join(sorted(f.id for f in files)) + "/" + channel_id
    return "files-" + hashlib.sha256(named.encode()).hexdigest()[:40]


def _shares_of(
    files: list[File],
    channel_team: str,
    channel_id: str,
    ts: str,
    parent: Message | None,
    who: Identity,
    tx: Tx,
) -> list[FileShare]:
    return [
        FileShare(
            file_id=f.id,
            channel_team_id=channel_team,
            channel_id=channel_id,
            ts=ts,
            thread_ts=parent.ts if parent else None,
            user_id=who.user_id,
            created=tx.now,
        )
        for f in files
    ]


def add_shares_tx(tx: Tx, files: list[File], posted: list[FileShare]) -> None:
    """The share rows, under each file's workspace (on its shard), once each."""
    team_of = {f.id: f.team_id for f in files}
    for share in posted:
        team = team_of[share.file_id]
        known = {(s.channel_id, s.ts) for s in tx.shares_of_file(team, share.file_id)}
        if (share.channel_id, share.ts) not in known:
            tx.add_file_share(team, share)


def became_ready_tx(tx: Tx, log: EventLog, file: File) -> None:
    """Where a file becomes ready: from here on it is shown to whoever may see it. An image
    queues its thumbnail job in the same commit (services/thumbnails.py), which sets its size
    and thumbnails and logs a file_change where it is shared."""
    tx.set_file(file.team_id, file.id, state=READY, title=file.title)
    thumbnails.queue_tx(log, file)
