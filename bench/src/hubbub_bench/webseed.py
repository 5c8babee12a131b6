"""The workspace `hubbub bench web` loads: 5,000 people, 1,000 channels, one of 10,000 messages.

Written in-process through the services' own building blocks. The people come from
workspaces.create_users and the reactions from reactions.add; channels and messages are written
in batches of one unit of work each (channel_tx.new_channel, join_tx, messages.insert_tx), because
one unit per row would cost a commit per row: thousands of fsyncs where a few dozen do. Every
row, event and counter is the one the services write, so the server sees ordinary data.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubbub.domain.model import Channel, Identity, Message
from hubbub.services import reactions, workspaces
from hubbub.services.auth import authenticate
from hubbub.services.channel_tx import join_tx, new_channel
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import insert_tx
from hubbub.store.tx import Tx

DOMAIN = "benchweb"
EMAIL = "reader@benchweb.test"
PASSWORD = "bench-web-password"
CHANNEL = "history"
BATCH = 500  # rows of one unit of work
REACTION_CONCURRENCY = 64

# A few of Slack's shortcodes; the client renders them from its vendored emoji.json.
EMOJI = ("tada", "+1", "smile", "eyes", "rocket", "coffee", "fire", "heart", "100", "thinking_face")
SNIPPETS = (
    "Morning all :coffee:",
    "Pushed a fix for the flaky test, see <https://example.com/pr/{n}|PR {n}> :tada:",
    "<@{user}> could you look at *the deploy* when you get a minute?",
    "I think we should _not_ ship this on a Friday :thinking_face:",
    "~old plan~ new plan: ship it :rocket:",
    "Running `make test` again, give me five",
    "```\nSELECT count(*) FROM messages WHERE channel_id = 'C{n}';\n```",
    "> the build is green\nconfirmed on my side too :+1:",
    "More on this in <#{channel}>",
    "Lunch? :pizza:",
    "Notes from today's meeting: latency is down 12%, errors flat, next step is the cache.",
    "<@{user}> <@{other}> thanks both, that was quick :100:",
    "Heads up <!here>: the staging database restarts at 14:00.",
    "ok",
    "Reading the design doc now, comments by tomorrow :eyes:",
)


@dataclass(frozen=True)
class Shape:
    people: int = 5000  # the reader included
    channels: int = 1000  # #general and #random included
    messages: int = 10_000  # top-level messages posted in the bench channel
    authors: int = 200
    thread_every: int = 25  # one message in this many starts a thread
    reaction_every: int = 8  # one message in this many gets reactions
    seed: int = 6


@dataclass
class Seeded:
    team_id: str
    channel_id: str
    reader_id: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def message_text(rng: random.Random, users: Sequence[str], channels: Sequence[str]) -> str:
    """One message in mrkdwn, with the mentions, links, code and emoji people write."""
    snippet = rng.choice(SNIPPETS)
    other = rng.choice(users)
    text = snippet.format(
        n=rng.randrange(1000, 9999),
        user=rng.choice(users),
        other=other,
        channel=rng.choice(channels),
    )
    if rng.random() < 0.2:
        text += f" :{rng.choice(EMOJI)}:"
    return text


def authors_in_turn(rng: random.Random, authors: Sequence[str], count: int) -> list[str]:
    """Who posts each message: a few talk a lot, and people often post twice or more in a row
    (what the client's grouping of consecutive messages is for)."""
    weights = [1.0 / (rank + 1) for rank in range(len(authors))]
    out: list[str] = []
    for _ in range(count):
        if out and rng.random() < 0.35:
            out.append(out[-1])
        else:
            out.append(rng.choices(authors, weights)[0])
    return out


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _people(hub: Hub, shape: Shape) -> tuple[Identity, list[Identity]]:
    """The reader, who signs in with a password, and everyone else; returns the authors."""
    reader = await workspaces.create_user(
        hub, DOMAIN, email=EMAIL, name="reader", real_name="Rita Reader", password=PASSWORD
    )
    others: list[workspaces.Account] = []
    for start in range(1, shape.people, BATCH):
        batch = [
            (f"person-{n:04d}", f"person-{n:04d}@benchweb.test")
            for n in range(start, min(start + BATCH, shape.people))
        ]
        others += await workspaces.create_users(hub, DOMAIN, batch)
    authors = [await authenticate(hub, a.token) for a in others[: shape.authors]]
    return await authenticate(hub, reader.token), authors


def _create_channels(team_id: str, creator: str, names: Sequence[str]) -> Any:
    def unit(tx: Tx, log: EventLog) -> list[Channel]:
        made = []
        for name in names:
            channel = new_channel(team_id, creator, name, tx.now)
            tx.insert_channel(channel)
            join_tx(tx, log, channel, creator)
            made.append(channel)
        return made

    return unit


async def _channels(hub: Hub, reader: Identity, shape: Shape) -> list[Channel]:
    """The bench channel first, then as many more as make up the workspace's count; the reader
    creates them all, so is a member of every one (the longest sidebar)."""
    names = [CHANNEL] + [f"team-{n:04d}" for n in range(1, shape.channels - 2)]
    made: list[Channel] = []
    for batch in _chunks(names, BATCH):
        made += await hub.commit(
            reader.team_id, _create_channels(reader.team_id, reader.user_id, batch)
        )
    return made


def _join(channel: Channel, user_ids: Sequence[str]) -> Any:
    def unit(tx: Tx, log: EventLog) -> None:
        for user_id in user_ids:
            join_tx(tx, log, channel, user_id)

    return unit


def _post(
    channel: Channel,
    posts: Sequence[tuple[str, str]],
    replies: dict[int, list[tuple[str, str]]],
    first: int,
) -> Any:
    """Top-level posts (author, text); replies[i] go in the thread of post i (from first on)."""

    def unit(tx: Tx, log: EventLog) -> list[Message]:
        out = []
        for i, (user_id, text) in enumerate(posts, start=first):
            msg = insert_tx(tx, log, channel, user_id=user_id, text=text)
            for reply_user, reply_text in replies.get(i, []):
                parent = tx.get_message(channel.team_id, channel.id, msg.ts)
                insert_tx(tx, log, channel, user_id=reply_user, text=reply_text, parent=parent)
            out.append(msg)
        return out

    return unit


async def _history(
    hub: Hub,
    channel: Channel,
    reader: Identity,
    authors: list[Identity],
    channel_ids: list[str],
    shape: Shape,
) -> tuple[list[Message], int]:
    rng = random.Random(shape.seed)
    ids = [a.user_id for a in authors]
    # The reader is mentioned now and then, as the mention badges need.
    mentioned = [*ids, reader.user_id]

    def text() -> str:
        return message_text(rng, mentioned, channel_ids)

    posts = [(who, text()) for who in authors_in_turn(rng, ids, shape.messages)]
    replies = {
        i: [(rng.choice(ids), text()) for _ in range(rng.randint(1, 6))]
        for i in range(0, shape.messages, shape.thread_every)
    }
    messages: list[Message] = []
    for start in range(0, shape.messages, BATCH):
        unit = _post(channel, posts[start : start + BATCH], replies, start)
        messages += await hub.commit(channel.team_id, unit)
    return messages, sum(len(r) for r in replies.values())


async def _reactions(
    hub: Hub, messages: list[Message], authors: list[Identity], shape: Shape
) -> int:
    """Through reactions.add, many at once so the writer gathers them into few commits."""
    rng = random.Random(shape.seed + 1)
    wanted = [
        (who, msg, name)
        for msg in messages[:: shape.reaction_every]
        for name in rng.sample(EMOJI, rng.randint(1, 3))
        for who in rng.sample(authors, rng.randint(1, 5))
    ]
    for batch in _chunks(wanted, REACTION_CONCURRENCY):
        await asyncio.gather(
            *(reactions.add(hub, who, msg.channel_id, msg.ts, name) for who, msg, name in batch)
        )
    return len(wanted)


async def _as_stored(hub: Hub, reader: Identity, channel_id: str, shape: Shape) -> dict[str, int]:
    """What the store holds: the reader's channels, and the bench channel's top-level messages
    (the posts and the members' joins)."""
    public = frozenset({"public_channel"})

    def unit(tx: Tx) -> dict[str, int]:
        mine = tx.member_channels(
            reader.team_id,
            reader.user_id,
            reader.user_id,
            kinds=public,
            exclude_archived=False,
            after="",
            limit=shape.channels + 1,
        )
        shown = tx.unread_count(reader.team_id, channel_id, "0")
        return {"reader_channels": len(mine), "channel_messages": shown}

    return await hub.read(reader.team_id, unit)


async def seed(hub: Hub, shape: Shape) -> Seeded:
    clock: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        clock[name] = round(time.monotonic() - started - sum(clock.values()), 2)

    team = await workspaces.create_workspace(hub, "Bench Web", DOMAIN)
    reader, authors = await _people(hub, shape)
    lap("people")
    channels = await _channels(hub, reader, shape)
    lap("channels")
    bench = channels[0]
    await hub.commit(team.id, _join(bench, [a.user_id for a in authors]))
    channel_ids = [c.id for c in channels[:50]]
    messages, replies = await _history(hub, bench, reader, authors, channel_ids, shape)
    lap("messages")
    reacted = await _reactions(hub, messages, authors, shape)
    lap("reactions")
    counts = {
        "people": shape.people,
        "channels": len(channels) + len(workspaces.DEFAULT_CHANNELS),
        "messages": len(messages),
        "thread_replies": replies,
        "reactions": reacted,
        "authors": len(authors),
        **await _as_stored(hub, reader, bench.id, shape),
    }
    return Seeded(team.id, bench.id, reader.user_id, counts, clock)


def seed_dir(data_dir: Path, shape: Shape) -> Seeded:
    """Seeds a fresh data directory, then trims the outbox as the server's relay would, so the
    server does not spend the first seconds of the measurement republishing the seed's events."""
    from hubbub.app import build_hub
    from hubbub.config import Settings
    from hubbub.jobs.relay import OutboxRelay

    async def main() -> Seeded:
        hub = build_hub(Settings(data_dir=data_dir))
        try:
            seeded = await seed(hub, shape)
            await OutboxRelay(hub).run_once()
            return seeded
        finally:
            await hub.close()

    return asyncio.run(main())
