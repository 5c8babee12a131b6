"""`hubbub bench search`: query latency over a large workspace, on SQLite and on PostgreSQL, what
the index costs a post, and its size per message (docs/search.md, docs/benchmarks.md).

The workspace is written in-process through the store's own message insert
(Tx.insert_message), which writes each message's index row as every post does, in batches of
one unit of work each: a commit per message would cost a million fsyncs. Queries go through the
service a request reaches (services/search.py search_messages: parse, SQL, the access check of
each result, names), without HTTP. The cost on posting is chat.postMessage over HTTP against
`hubbub serve` on the same store, with the index and with its writes turned off, in turns
(searchpost.py).

`--keep DIR` keeps the seeded stores (SQLite in DIR/sqlite, PostgreSQL in the database
KEPT_DB) and what the queries need of them (DIR/<store>.json), and a later run with the same DIR
reuses them instead of seeding again (6-8 minutes at 1M): to profile and iterate. A kept store
is migrated at start like any other, so a new migration's indexes are built on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from hubbub.app import build_hub
from hubbub.config import Settings
from hubbub.domain.model import Identity, Message
from hubbub.services import workspaces
from hubbub.services.auth import authenticate
from hubbub.services.channels import create
from hubbub.services.hub import EventLog, Hub
from hubbub.services.search import Ask, search_messages
from hubbub.store.tx import Tx
from hubbub_bench.databases import MACHINE, PgServer, fresh_database, own_server
from hubbub_bench.post import Target, set_up
from hubbub_bench.results import stamp, write_result
from hubbub_bench.searchgen import message, queries, vocabulary
from hubbub_bench.searchpost import posting
from hubbub_bench.stats import percentile

DOMAIN = "benchsearch"
BATCH = 2000
YEAR_US = 365 * 86_400 * 1_000_000
TARGET_P99_MS = 100.0
TARGET_POST_RATIO = 0.85
KEPT_DB = "hubbub_bench_search_kept"
POST_TEXTS = 2000  # what the posts of the posting turns say, in turn
SLOWEST = 3  # queries of each kind listed with their time


@dataclass(frozen=True)
class SearchOptions:
    messages: int = 1_000_000
    channels: int = 1000
    people: int = 50
    per_kind: int = 40
    post_seconds: float = 10.0  # each turn of posting, with the index and without
    turns: int = 3
    stores: tuple[str, ...] = ("sqlite", "postgres")
    out: Path = Path("bench/results")
    seed: int = 19
    keep: Path | None = None  # seed once into DIR, reuse it afterwards
    # PostgreSQL on a server of the bench's own with this shared_buffers (docs/deploy.md),
    # else on the machine's, with PostgreSQL's default 128 MB.
    pg_buffers: str | None = None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(opts: SearchOptions) -> tuple[dict[str, Any], Path]:
    started_at = _now()
    result: dict[str, Any] = {
        "scenario": "search",
        "started_at": started_at,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()},
        "targets": {"p99_ms": TARGET_P99_MS, "post_ratio": TARGET_POST_RATIO},
        "stores": {},
    }
    for store in opts.stores:
        with _server(store, opts) as server:
            if opts.keep is not None:
                settings = _kept_settings(store, opts.keep, server)
                kept = opts.keep / f"{store}.json"
                result["stores"][store] = _measure(settings, opts, server, kept)
                continue
            with _settings(store, stamp(started_at), server) as settings:
                result["stores"][store] = _measure(settings, opts, server)
    return result, write_result(opts.out, "search", started_at, result)


@contextlib.contextmanager
def _server(store: str, opts: SearchOptions) -> Iterator[PgServer]:
    """Where PostgreSQL's databases go: the machine's server, or the bench's own with
    opts.pg_buffers (its cluster kept in DIR/pgdata with --keep)."""
    if store != "postgres" or opts.pg_buffers is None:
        yield MACHINE
        return
    with contextlib.ExitStack() as stack:
        if opts.keep is not None:
            datadir = opts.keep / "pgdata"
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="hubbub-bench-pg-"))
            Path(tmp).chmod(0o711)  # the server's own account must reach pgdata inside
            datadir = Path(tmp) / "pgdata"
        # Autovacuum off as on the machine's server: the bench runs VACUUM ANALYZE itself.
        settings = {"shared_buffers": opts.pg_buffers, "autovacuum": "off"}
        yield stack.enter_context(own_server(datadir, settings))


@contextlib.contextmanager
def _settings(store: str, run_stamp: str, server: PgServer) -> Iterator[Settings]:
    """A fresh SQLite file or PostgreSQL database, gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="hubbub-bench-search-") as tmp:
        if store == "sqlite":
            yield Settings(data_dir=Path(tmp) / "data")
            return
        with fresh_database(f"hubbub_bench_search_{run_stamp.lower()}", server) as url:
            yield Settings(data_dir=Path(tmp) / "data", database_url=url)


def _kept_settings(store: str, keep: Path, server: PgServer) -> Settings:
    """The kept store's settings; its PostgreSQL database made if it is not there yet."""
    keep.mkdir(parents=True, exist_ok=True)
    if store == "sqlite":
        return Settings(data_dir=keep / "sqlite")
    with server.connect() as admin:
        if not (keep / "postgres.json").exists():
            # Not seeded from this DIR: whatever another DIR left there goes.
            admin.execute(f'DROP DATABASE IF EXISTS "{KEPT_DB}" WITH (FORCE)')
        there = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (KEPT_DB,)).fetchone()
        if there is None:
            admin.execute(f'CREATE DATABASE "{KEPT_DB}"')
    url = server.url(KEPT_DB)
    return Settings(data_dir=keep / "postgres", database_url=url)


def _load(kept: Path | None) -> dict[str, Any] | None:
    """What a kept store's queries need, if it was seeded already."""
    if kept is None or not kept.exists():
        return None
    loaded: dict[str, Any] = orjson.loads(kept.read_bytes())
    return loaded


def _measure(
    settings: Settings, opts: SearchOptions, server: PgServer, kept: Path | None = None
) -> dict[str, Any]:
    """The queries in-process, then posting over HTTP against a server on the same store (the
    bench's own hub closed first: one SQLite writer at a time)."""
    out, target = asyncio.run(_one(settings, opts, server, kept))
    rng = random.Random(3)
    vocab = vocabulary()
    texts = [message(vocab, rng, n) for n in range(POST_TEXTS)]
    out["posting"] = posting(settings, target, texts, seconds=opts.post_seconds, turns=opts.turns)
    # The same on a new store of the same kind, as `hubbub bench post` runs: what the index
    # costs a workspace's first posts, before its index is large.
    store = "postgres" if settings.database_url else "sqlite"
    with _settings(store, stamp(_now()), server) as fresh:
        new_target = set_up(fresh.data_dir, fresh.database_url)
        out["posting_new_store"] = posting(
            fresh, new_target, texts, seconds=opts.post_seconds, turns=opts.turns
        )
    out["meets"] = {
        "p99": all(q["p99_ms"] <= TARGET_P99_MS for q in out["queries"].values()),
        "post_ratio": min(out["posting"]["ratio"], out["posting_new_store"]["ratio"])
        >= TARGET_POST_RATIO,
    }
    return out


async def _one(
    settings: Settings, opts: SearchOptions, server: PgServer, kept: Path | None = None
) -> tuple[dict[str, Any], Target]:
    hub = build_hub(settings)
    try:
        saved = await asyncio.to_thread(_load, kept)
        if saved is not None:
            if saved["timing"]["messages"] != opts.messages:
                raise SystemExit(f"{kept} holds {saved['timing']['messages']} messages")
            seeded = saved | {
                "who": await authenticate(hub, saved["token"]),
                "vocab": vocabulary(seed=opts.seed),
            }
        else:
            seeded = await _seed(hub, opts)
            if kept is not None:
                saved = {k: v for k, v in seeded.items() if k not in ("who", "vocab")}
                await asyncio.to_thread(kept.write_bytes, orjson.dumps(saved))
        if settings.database_url:
            await asyncio.to_thread(_vacuum, server, settings.database_url)
        out: dict[str, Any] = {"seed": seeded["timing"], "size": await _size(hub, seeded)}
        if settings.database_url:
            out["shared_buffers"] = await asyncio.to_thread(_shared_buffers, server)
            if opts.pg_buffers is not None:
                out["prewarmed_bytes"] = await asyncio.to_thread(
                    _prewarm, server, settings.database_url
                )
        out["queries"] = await _queries(hub, seeded, opts)
        who: Identity = seeded["who"]
        lobby = await create(hub, who, f"posting-{uuid.uuid4().hex[:6]}", is_private=False)
        return out, Target(who.team_id, lobby.id, seeded["token"])
    finally:
        await hub.close()


async def _seed(hub: Hub, opts: SearchOptions) -> dict[str, Any]:
    started = time.perf_counter()
    team = await workspaces.create_workspace(hub, "Bench Search", DOMAIN)
    people: list[Identity] = []
    tokens: list[str] = []
    for n in range(opts.people):
        account = await workspaces.create_user(
            hub, DOMAIN, email=f"p{n}@bench.test", name=f"person{n}"
        )
        tokens.append(account.token)
        people.append(await authenticate(hub, account.token))
    who = people[0]
    token = tokens[0]
    names = [f"chan-{n:04d}" for n in range(opts.channels)]
    channel_ids: list[str] = []
    for start in range(0, len(names), 64):
        made = await asyncio.gather(
            *(create(hub, who, name, is_private=False) for name in names[start : start + 64])
        )
        channel_ids += [c.id for c in made]
    setup_s = time.perf_counter() - started
    vocab = vocabulary(seed=opts.seed)
    rng = random.Random(opts.seed)
    now_us = time.time_ns() // 1000
    step = max(1, YEAR_US // max(1, opts.messages))
    first_us = now_us - step * opts.messages
    seqs = dict.fromkeys(channel_ids, 1_000)  # past the channels' own first events
    samples: list[str] = []
    started = time.perf_counter()
    for start in range(0, opts.messages, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, opts.messages)):
            # Busy channels and quiet ones: the first tenth holds about a third of it all.
            channel = channel_ids[int(len(channel_ids) * rng.random() ** 2)]
            seqs[channel] += 1
            text = message(vocab, rng, n)
            if n % 997 == 0:
                samples.append(text)
            us = first_us + n * step
            ts = f"{us // 1_000_000:010d}.{us % 1_000_000:06d}"
            batch.append((channel, seqs[channel], ts, rng.choice(people).user_id, text))
        await hub.commit(team.id, partial(_insert, team_id=team.id, batch=batch))
    insert_s = time.perf_counter() - started

    def heads(tx: Tx, _log: EventLog) -> None:
        for channel, seq in seqs.items():
            tx.update_channel(team.id, channel, last_seq=seq, last_us=now_us)

    await hub.commit(team.id, heads)
    return {
        "team_id": team.id,
        "who": who,
        "token": token,
        "channels": names,
        "people": [f"person{n}" for n in range(opts.people)],
        "samples": samples,
        "vocab": vocab,
        "timing": {
            "messages": opts.messages,
            "channels": opts.channels,
            "setup_s": round(setup_s, 1),
            "insert_s": round(insert_s, 1),
            "messages_per_s": round(opts.messages / insert_s) if insert_s else 0,
        },
    }


def _shared_buffers(server: PgServer) -> str:
    with server.connect() as conn:
        row = conn.execute("SHOW shared_buffers").fetchone()
    return str(row[0]) if row else ""


def _prewarm(server: PgServer, url: str) -> int:
    """The search index's table and indexes read into the bench's own server's buffers, as a
    server that has been answering searches for a while holds them (pg_prewarm): the bench's
    server starts with empty buffers, and a query then reads every page it needs from the
    operating system (docs/search.md, "What the PostgreSQL plans show now")."""
    dbname = url.rsplit("/", 1)[1]
    with server.connect(dbname) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        row = conn.execute(
            "SELECT sum(pg_prewarm(i.indexrelid)) + pg_prewarm('search_docs')"
            " FROM pg_index i WHERE i.indrelid = 'search_docs'::regclass"
        ).fetchone()
        size = conn.execute("SHOW block_size").fetchone()
    return int(str(row[0])) * int(str(size[0])) if row and size else 0


def _vacuum(server: PgServer, url: str) -> None:
    """What autovacuum does after a bulk load, done now: the planner's statistics (without them
    PostgreSQL took the workspace for a few thousand rows and sorted a million on disk, 1.5 s a
    query) and the visibility map that lets a count read an index alone. This server runs with
    autovacuum off; a production one would get there by itself, later."""
    dbname = url.rsplit("/", 1)[1]
    with server.connect(dbname) as conn:
        conn.execute("VACUUM ANALYZE")


def _insert(
    tx: Tx, _log: EventLog, *, team_id: str, batch: list[tuple[str, int, str, str, str]]
) -> None:
    for channel, seq, ts, user, text in batch:
        msg = Message(
            team_id=team_id,
            channel_id=channel,
            ts=ts,
            user_id=user,
            bot_id=None,
            subtype=None,
            text=text,
            blocks=None,
            attachments=None,
            thread_ts=None,
            reply_count=0,
            reply_users=(),
            latest_reply=None,
            edited_ts=None,
            edited_by=None,
            client_msg_id=None,
        )
        tx.insert_message(msg, seq, in_channel=True)


async def _size(hub: Hub, seeded: dict[str, Any]) -> dict[str, Any]:
    team_id = seeded["team_id"]

    def measure(tx: Tx) -> dict[str, Any]:
        conn = tx.conn
        docs = int(conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() or 0)
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%'"
                " OR name LIKE '%search_docs%' GROUP BY name"
            ).all()
            parts = {str(name): int(size) for name, size in rows}
            messages_bytes = int(
                conn.exec_driver_sql(
                    "SELECT sum(pgsize) FROM dbstat WHERE name = 'messages'"
                ).scalar()
                or 0
            )
        else:
            rows = conn.exec_driver_sql(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                " WHERE c.relname IN ('search_docs')"
                " UNION ALL SELECT i.relname, pg_relation_size(i.oid) FROM pg_class i"
                " WHERE i.relname IN"
                " ('uq_search_docs_message', 'ix_search_docs_channel', 'ix_search_docs_body')"
            ).all()
            parts = {str(name): int(size) for name, size in rows}
            messages_bytes = int(
                conn.exec_driver_sql("SELECT pg_total_relation_size('messages')").scalar() or 0
            )
        total = (
            parts.get("search_docs", 0)
            if conn.dialect.name == "postgresql"
            else sum(parts.values())
        )
        return {
            "indexed": docs,
            "index_bytes": total,
            "bytes_per_message": round(total / docs, 1) if docs else 0,
            "messages_table_bytes_per_message": round(messages_bytes / docs, 1) if docs else 0,
            "parts": parts,
            "team_id": team_id,
        }

    return await hub.read(team_id, measure)


async def _queries(hub: Hub, seeded: dict[str, Any], opts: SearchOptions) -> dict[str, Any]:
    asked = queries(
        seeded["vocab"], seeded["samples"], seeded["channels"], seeded["people"], opts.per_kind
    )
    who: Identity = seeded["who"]
    for text in asked.by_kind["word_common"][:5]:  # warm the caches and the pools
        await search_messages(hub, who, text, Ask())
    out: dict[str, Any] = {}
    for kind, texts in asked.by_kind.items():
        ask = Ask(by_time=kind == "sort_timestamp")
        timings: list[float] = []
        totals: list[int] = []
        for text in texts:
            started = time.perf_counter()
            found = await search_messages(hub, who, text, ask)
            timings.append((time.perf_counter() - started) * 1000)
            totals.append(found.total)
        ordered = sorted(timings)
        # The slowest few, by text: what EXPLAIN should be asked about next.
        slowest = sorted(zip(timings, texts, totals, strict=True), reverse=True)[:SLOWEST]
        out[kind] = {
            "example": texts[0],
            "p50_ms": round(percentile(ordered, 50), 2),
            "p99_ms": round(percentile(ordered, 99), 2),
            "max_ms": round(ordered[-1], 2),
            "mean_matches": round(statistics.fmean(totals), 1),
            "slowest": [
                {"query": text, "ms": round(ms, 2), "matches": total} for ms, text, total in slowest
            ],
        }
    return out


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    out = Table(title=f"hubbub bench search ({result['options']['messages']:,} messages)")
    out.add_column("query")
    stores = list(result["stores"])
    for store in stores:
        out.add_column(f"{store} p50 ms", justify="right")
        out.add_column(f"{store} p99 ms", justify="right")
    kinds = list(next(iter(result["stores"].values()))["queries"]) if stores else []
    for kind in kinds:
        row = [kind]
        for store in stores:
            q = result["stores"][store]["queries"][kind]
            row += [f"{q['p50_ms']:.1f}", f"{q['p99_ms']:.1f}"]
        out.add_row(*row)
    for store in stores:
        s = result["stores"][store]
        out.caption = (out.caption or "") + (
            f"{store}: post with/without index {s['posting']['ratio']:.0%} "
            f"({s['posting_new_store']['ratio']:.0%} on a new store), "
            f"index {s['size']['bytes_per_message']} B/message, "
            f"seeded at {s['seed']['messages_per_s']:,}/s. "
        )
    return out
