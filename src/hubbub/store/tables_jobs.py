"""The tables of background work (domain/jobs.py): the SQL job queue, its dead letters and
counts, and what waits for its time with a job of its own (scheduled messages, reminders).
Declared on tables.py's metadata, which imports this module: the one schema holds them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.types import BigInteger

from hubbub.store.tables import AutoId, metadata

# Background jobs, written in the transaction of the change that needs them (domain/jobs.py).
# `key` makes an enqueue idempotent: a second job of the same kind and key is not added.
jobs = Table(
    "jobs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(160)),
    Column("payload", LargeBinary, nullable=False),
    Column("run_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("leased_until", BigInteger),
    Column("last_error", Text),
    Column("created", BigInteger, nullable=False),
    Index("jobs_due", "run_at"),
    Index("jobs_key", "team_id", "kind", "key", unique=True),
)

# Messages waiting for their time (chat.scheduleMessage; services/scheduled.py), each with the
# `scheduled_message` job that posts it and deletes its row in one transaction. `draft` is the
# checked message and its author as JSON; `post_at` and `created` are Unix seconds.
scheduled_messages = Table(
    "scheduled_messages",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("scheduled_id", String(16), primary_key=True),
    Column("channel_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("post_at", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("draft", Text, nullable=False),
    # chat.scheduledMessages.list: an author's, by time; restricted_too_many: a channel's.
    Index("ix_scheduled_author", "team_id", "user_id", "post_at", "scheduled_id"),
    Index("ix_scheduled_channel", "team_id", "channel_id", "post_at"),
)

# Reminders (reminders.*; services/reminders.py), each with the `reminder` job that has Slackbot
# say it in the person's DM at `time` (Unix seconds). complete_ts, said_ts: 0 until then.
reminders = Table(
    "reminders",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("reminder_id", String(20), primary_key=True),
    Column("creator", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("complete_ts", BigInteger, nullable=False),
    Column("said_ts", BigInteger, nullable=False),
    # A recurring reminder's rule (domain/reminders.py Recurrence.stored); null: a one-off.
    Column("recurrence", String(64)),
    # reminders.list: those for a person and those a person set, by time.
    Index("ix_reminders_user", "team_id", "user_id", "time"),
    Index("ix_reminders_creator", "team_id", "creator", "time"),
)

# Jobs that failed every try, kept for `hubbub admin jobs` and `hubbub admin jobs retry`.
dead_jobs = Table(
    "dead_jobs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(160)),
    Column("payload", LargeBinary, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created", BigInteger, nullable=False),
    Column("died", BigInteger, nullable=False),
)

# What became of finished jobs, per workspace and kind: outcome `done`, `retried`, `deferred`
# (over its workspace's rate) or `dead`, totals since the start. Added to in batches by
# the SQL queue's writes that record them (jobs/queue.py); `hubbub admin jobs` turns two
# readings into rates.
job_counts = Table(
    "job_counts",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
)
