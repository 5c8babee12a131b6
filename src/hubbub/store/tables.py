"""The schema. Every workspace-scoped table leads its primary key with team_id
(docs/architecture.md §2)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import BigInteger

metadata = MetaData()

# SQLite only aliases the rowid for a column declared exactly INTEGER.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

teams = Table(
    "teams",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("domain", String(32), nullable=False, unique=True),
    Column("created", BigInteger, nullable=False),
    # The team's own event stream (channel_created, team_join, user_change, ...).
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
)

users = Table(
    "users",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("real_name", Text, nullable=False),
    Column("email", Text),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_owner", Boolean, nullable=False, default=False),
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("bot_id", String(16)),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("tz", Text, nullable=False, default="UTC"),
    Column("manual_away", Boolean, nullable=False, default=False),
    Column("password_hash", Text),
    Column("profile", Text, nullable=False, default="{}"),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    UniqueConstraint("team_id", "email", name="uq_users_email"),
    UniqueConstraint("team_id", "name", name="uq_users_name"),
    # An address in any workspace of the shard (people_anywhere: inviteShared by email).
    Index("ix_users_email", "email"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("team_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("scopes", Text, nullable=False, default=""),
    Column("created", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # The app a bot token or app-level token belongs to: its scopes are enforced.
    Column("app_id", String(16)),
    Index("ix_tokens_user", "team_id", "user_id"),
)

# Apps (docs/integrations.md): a bot user, scopes, how events reach it. The signing secret is
# kept as it is: every request to the app is signed with it.
apps = Table(
    "apps",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("app_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("bot_user_id", String(16), nullable=False),
    Column("bot_id", String(16), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("signing_secret", String(64), nullable=False),
    Column("verification_token", String(64), nullable=False),
    Column("events", Text, nullable=False),
    Column("request_url", Text),
    Column("socket_mode", Boolean, nullable=False),
    Column("created", BigInteger, nullable=False),
    # Where interaction payloads (block_actions, ...) are POSTed; none: not over HTTP.
    Column("interactivity_url", Text),
    # Its shortcuts, as JSON: [{"kind","callback_id","name","description"}].
    Column("shortcuts", Text),
)

# Slash commands: each names its app, and the URL it is sent to (none: over Socket Mode).
app_commands = Table(
    "app_commands",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("command", String(40), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("url", Text),
    Column("description", Text, nullable=False),
)

# The response_url of one slash command: its code only as a hash, good for a while, a few times.
command_responses = Table(
    "command_responses",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("channel_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("uses_left", Integer, nullable=False),
    # The message it last posted in the channel, for replace_original and delete_original.
    Column("last_ts", String(24)),
    # The person's `/cmd text`, until an in_channel answer shows it in the channel (once).
    Column("invocation", Text),
    # A press on a message's block: the message, which replace_original and delete_original
    # act on; none for a slash command's.
    Column("source_ts", String(24)),
)

# Modals open for a person (docs/integrations.md, Modals): each view of a stack, the root's
# id naming the stack; the view as the app gave it (JSON) and what the person last submitted.
views = Table(
    "views",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("view_id", String(16), primary_key=True),
    Column("app_id", String(16), nullable=False),
    Column("bot_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("root_view_id", String(16), nullable=False),
    Column("previous_view_id", String(16)),
    Column("external_id", String(255)),
    Column("hash", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Index("ix_views_root", "team_id", "root_view_id"),
    Index("ix_views_external", "team_id", "external_id", unique=True),
)

# Links that let anyone who holds one sign up into the workspace: the code only as its hash.
invites = Table(
    "invites",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("created_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    # A claim link's: the one person whose account it hands over, once (docs/import.md).
    Column("user_id", String(16)),
)

channels = Table(
    "channels",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("is_private", Boolean, nullable=False, default=False),
    Column("is_im", Boolean, nullable=False, default=False),
    Column("is_mpim", Boolean, nullable=False, default=False),
    Column("creator", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("is_archived", Boolean, nullable=False, default=False),
    Column("topic", Text, nullable=False, default=""),
    Column("topic_creator", String(16), nullable=False, default=""),
    Column("topic_last_set", BigInteger, nullable=False, default=0),
    Column("purpose", Text, nullable=False, default=""),
    Column("purpose_creator", String(16), nullable=False, default=""),
    Column("purpose_last_set", BigInteger, nullable=False, default=0),
    Column("last_seq", BigInteger, nullable=False, default=0),
    # The channel's last message ts in microseconds: an integer, so the next one can be taken
    # in the same UPDATE that takes the next seq.
    Column("last_us", BigInteger, nullable=False, default=0),
    # It has been shared, or offered, to another workspace (channel_shares): read with the channel,
    # so that only those channels pay for looking their shares up.
    Column("has_shares", Boolean, nullable=False, default=False, server_default="0"),
    UniqueConstraint("team_id", "name", name="uq_channels_name"),
)

members = Table(
    "members",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("joined", BigInteger, nullable=False),
    Column("last_read", String(24), nullable=False, default="0000000000.000000"),
    # The workspace of a member from another workspace the channel is shared with; NULL: the
    # channel's own.
    Column("member_team", String(16)),
    Index("ix_members_user", "team_id", "user_id", "channel_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("bot_id", String(16)),
    Column("subtype", String(32)),
    Column("text", Text, nullable=False),
    Column("blocks", Text),
    Column("attachments", Text),
    Column("extra", Text),
    Column("thread_ts", String(24)),
    # A reply that is also shown in the channel (reply_broadcast) sits in both views.
    Column("in_channel", Boolean, nullable=False),
    Column("reply_count", Integer, nullable=False, default=0),
    Column("reply_users", Text, nullable=False, default="[]"),
    Column("latest_reply", String(24)),
    Column("edited_ts", String(24)),
    Column("edited_by", String(16)),
    Column("client_msg_id", String(64)),
    Column("seq", BigInteger, nullable=False),
    Index("ix_messages_thread", "team_id", "channel_id", "thread_ts", "ts"),
    # Only messages that carry a client_msg_id: most do not, and every entry costs each insert.
    Index(
        "uq_messages_client_msg_id",
        "team_id",
        "user_id",
        "client_msg_id",
        unique=True,
        sqlite_where=text("client_msg_id IS NOT NULL"),
        postgresql_where=text("client_msg_id IS NOT NULL"),
    ),
)

# The search index (docs/search.md): one row per searchable message, its text folded
# (domain/search_text.py fold), written in the transaction that writes the message
# (store/queries/messages.py). The id is the shard's own, in the order messages were indexed:
# a search's candidates are the newest ids that match, and SQLite's FTS5 table (migration
# 0015, trigram, not declared here as SQLAlchemy cannot) is keyed by it. PostgreSQL indexes
# `body` with pg_trgm (migration 0015 too). A move renumbers the rows (store/move.py).
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("channel_id", String(16), nullable=False),
    Column("ts", String(24), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("has_link", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    # Edits and deletes find the row by the message's key.
    Index("uq_search_docs_message", "team_id", "channel_id", "ts", unique=True),
    # A search walks the workspace's rows newest first, or those of a few channels (in:).
    Index("ix_search_docs_team", "team_id", "id"),
    Index("ix_search_docs_channel", "team_id", "channel_id", "id"),
    # from: and has:link walk their own rows newest first (migration 0017).
    Index("ix_search_docs_user", "team_id", "user_id", "id"),
    Index(
        "ix_search_docs_link",
        "team_id",
        "id",
        sqlite_where=text("has_link = 1"),
        postgresql_where=text("has_link"),
    ),
)

reactions = Table(
    "reactions",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("created", BigInteger, nullable=False),
    # reactions.list: one person's reactions, newest first.
    Index("ix_reactions_user", "team_id", "user_id", "created"),
)

pins = Table(
    "pins",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("pinned_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
)

# The ordered log each channel's (and each team's) delivery replays: docs/architecture.md §3.
channel_events = Table(
    "channel_events",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("stream", String(16), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(40), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Written in the same transaction as the event; the relay publishes what a crash left behind.
outbox = Table(
    "outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("team_id", String(16), nullable=False),
    Column("stream", String(16), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)


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

# Link previews already fetched (services/previews.py), by the URL's SHA-256: the page's preview
# as JSON, or NULL for a page that has none, until `expires` (microseconds).
link_previews = Table(
    "link_previews",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("url_hash", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("preview", Text),
    Column("expires", BigInteger, nullable=False),
    # The sweep of expired rows (jobs/preview_sweep.py) reads only what it deletes.
    Index("ix_link_previews_expires", "expires"),
)

# Incoming webhooks: `/services/<team_id>/<webhook_id>/<secret>` posts to channel_id as user_id
# (a bot). Only the secret's hash is kept.
webhooks = Table(
    "webhooks",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("webhook_id", String(16), primary_key=True),
    Column("channel_id", String(16), nullable=False),
    Column("user_id", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Notifications (services/notify.py): one row per person per message that notified them, so
# the same (person, channel, ts) is one notification however often its job runs.
notifications = Table(
    "notifications",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("author_id", String(16), nullable=False),
    # Why: mention, here, channel, dm, thread or message (a channel set to `all`).
    Column("reason", String(16), nullable=False),
    Column("thread_ts", String(24)),
    Column("created", BigInteger, nullable=False),
    # When its email went out (microseconds), so a retried email job does not send it again.
    Column("emailed", BigInteger),
    Index("ix_notifications_user", "team_id", "user_id", "created"),
)

# Per person and conversation: how much of it notifies them. level NULL: the default
# (mentions for channels, all for DMs).
notification_prefs = Table(
    "notification_prefs",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("level", String(16)),
    Column("muted", Boolean, nullable=False, default=False),
    Column("updated", BigInteger, nullable=False),
    # Who in a channel hears every message: the reactor asks it of plain messages.
    Index("ix_notification_prefs_channel", "team_id", "channel_id", "level"),
)

# Do not disturb: a snooze until a time (unix seconds); no row, no snooze.
dnd = Table(
    "dnd",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    Column("snooze_until", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)


# Channels shared with other workspaces (docs/shared-channels.md), on the host's shard: one row
# per invited workspace. This row is the authority for the guest's access: its members read and
# write the channel only while `state` is "accepted" here.
channel_shares = Table(
    "channel_shares",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("guest_team_id", String(16), primary_key=True),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted, declined or disconnected.
    Column("state", String(16), nullable=False),
    Column("invited_by", String(16), nullable=False),
    # The guest's admin the invite was addressed to.
    Column("invited_user", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # How the guest workspace shows the channel, copied here at acceptance so that a unit of work
    # on the host's shard can show it to the guest's people.
    Column("guest_name", Text),
    Column("guest_is_private", Boolean, nullable=False, default=False),
    Column("accepted_by", String(16)),
    Column("accepted_at", BigInteger),
    Column("updated", BigInteger, nullable=False),
    # Sent to an email address: shown to the host as its email_invites row until accepted.
    Column("by_email", Boolean, nullable=False, default=False, server_default="0"),
    # A guest's unit of work knows the channel and its own workspace, not the host.
    Index("ix_channel_shares_guest", "channel_id", "guest_team_id"),
    Index("ix_channel_shares_invite", "team_id", "invite_id", unique=True),
)

# The other side: on each invited workspace's shard, its own record of the share, with its own
# name for the channel. Routing reads it to find the host; it never grants access by itself.
# The host's invites by email address (domain/shares.py EmailInvite): one per channel and
# address, written alike whether or not the address names anyone.
email_invites = Table(
    "email_invites",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("email", Text, primary_key=True),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted or declined.
    Column("state", String(16), nullable=False),
    Column("invited_by", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # The workspace the address reached, if any: never shown to the host.
    Column("guest_team_id", String(16)),
    Column("updated", BigInteger, nullable=False),
    Index("ix_email_invites_invite", "team_id", "invite_id", unique=True),
    Index("ix_email_invites_state", "team_id", "state"),
)

shared_channels = Table(
    "shared_channels",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("host_team_id", String(16), nullable=False),
    Column("invite_id", String(16), nullable=False),
    # pending, accepted, declined or disconnected.
    Column("state", String(16), nullable=False),
    # The host's name while pending; the local name from acceptance on.
    Column("name", Text, nullable=False),
    Column("is_private", Boolean, nullable=False, default=False),
    Column("invited_by", String(16), nullable=False),
    Column("invited_user", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("accepted_by", String(16)),
    Column("accepted_at", BigInteger),
    Column("updated", BigInteger, nullable=False),
    Index("ix_shared_channels_invite", "team_id", "invite_id", unique=True),
)

# Files (docs/files.md), under the uploader's workspace: one row from the moment an upload URL is
# handed out. The bytes are a blob named by blob_key (content-addressed per workspace, so several
# rows may name one key); state is pending, uploaded, ready or deleted (domain/files.py).
files = Table(
    "files",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("mimetype", Text, nullable=False),
    Column("filetype", String(32), nullable=False),
    Column("size", BigInteger, nullable=False, default=0),
    Column("state", String(16), nullable=False),
    Column("blob_key", Text),
    Column("sha256", String(64)),
    Column("alt_txt", Text),
    Column("snippet_type", String(40)),
    # Set by the thumbnail job once it has read the image (services/thumbnails.py): its size
    # as shown, and {edge: [w, h]} of each thumbnail made (file_thumbs has their blobs).
    Column("original_w", Integer),
    Column("original_h", Integer),
    Column("thumbs", Text),
    Column("updated", BigInteger, nullable=False),
    # What search.files matches: the name and title folded (domain/search_text.py file_body),
    # written with them (migration 0018; PostgreSQL's trigram index on it is the migration's).
    Column("search_body", Text),
    # files.list: newest first, of the workspace or of one person.
    Index("ix_files_created", "team_id", "created", "file_id"),
    Index("ix_files_user", "team_id", "user_id", "created"),
    # Whether another file still names a blob, before the blob goes with a deleted one.
    Index("ix_files_blob", "team_id", "blob_key"),
)

# Upload URLs handed out and not used yet: the length announced, by whom, until when
# (microseconds). The URL's secret is a ticket (tickets/port.py); this row is what the upload
# must match, and what the quota counts while the bytes are on their way.
file_uploads = Table(
    "file_uploads",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)

# Each message that shares a file, under the file's workspace; channel_team_id is the
# channel's own (a shared channel's host), whose shard holds the message.
file_shares = Table(
    "file_shares",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("ts", String(24), primary_key=True),
    Column("channel_team_id", String(16), nullable=False),
    Column("thread_ts", String(24)),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    # files.list of a channel.
    Index("ix_file_shares_channel", "channel_team_id", "channel_id", "created"),
)

# The thumbnails of a file (services/thumbnails.py): one row per edge, naming the blob of its
# bytes. Rows go with their file's deletion, in the same commit, so every row here names a blob
# a live file still uses (a blob goes only when no files or file_thumbs row names it).
file_thumbs = Table(
    "file_thumbs",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("file_id", String(16), primary_key=True),
    Column("edge", String(8), primary_key=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("mimetype", String(32), nullable=False),
    Column("blob_key", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    # Whether another file's thumbnail still names a blob (keys are per content).
    Index("ix_file_thumbs_blob", "team_id", "blob_key"),
)

# User groups (Slack's subteams: domain/usergroups.py). name_key is the name case-folded: two
# groups may not share it, nor a handle. channels: the default channels' ids, comma-separated.
usergroups = Table(
    "usergroups",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("usergroup_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("handle", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("channels", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(16), nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(16), nullable=False),
    Column("deleted", BigInteger, nullable=False),
    Column("deleted_by", String(16), nullable=True),
    UniqueConstraint("team_id", "name_key", name="uq_usergroups_name"),
    UniqueConstraint("team_id", "handle", name="uq_usergroups_handle"),
)
usergroup_members = Table(
    "usergroup_members",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("usergroup_id", String(16), primary_key=True),
    Column("user_id", String(16), primary_key=True),
    # The groups of one person: their mentions count in client.counts (services/unreads.py).
    Index("ix_usergroup_members_user", "team_id", "user_id"),
)

# Custom emoji (domain/emoji.py): an image's blob (keys.py; the files sweep keeps a blob an emoji
# names), or an alias of another emoji of the workspace.
emoji = Table(
    "emoji",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("user_id", String(16), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("blob_key", Text, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("mimetype", String(32), nullable=True),
    Column("alias_for", String(100), nullable=True),
)

# Channel bookmarks (domain/bookmarks.py): links, listed by position, the order they were added.
bookmarks = Table(
    "bookmarks",
    metadata,
    Column("team_id", String(16), primary_key=True),
    Column("channel_id", String(16), primary_key=True),
    Column("bookmark_id", String(24), primary_key=True),
    # Its place in the channel's list: one past the last when it was added.
    Column("position", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("emoji", String(128), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(16), nullable=False),
)

# Where `hubbub serve` said it is reached when it started (services/served.py): `hubbub admin`
# and `hubbub worker`, other processes on the same data, hand out URLs from it. No workspace's
# rows: a move leaves it be (store/move.py). The sharded deployment keeps it in its directory.
served_at = Table(
    "served_at",
    metadata,
    Column("name", String(32), primary_key=True),  # "base_url", the only one so far
    Column("url", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
)
