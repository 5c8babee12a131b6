"""The transaction interface services use: named queries over one SQLAlchemy connection.

Dialect-neutral (SQLAlchemy Core), so the SQLite and PostgreSQL adapters share it. A `Tx` lives for
one unit of work; the adapter decides where it runs (the group-commit writer, or a read snapshot).
The queries live in hubbub.store.queries, one module per area.
"""

from __future__ import annotations

from hubbub.store.queries.apps import AppQueries
from hubbub.store.queries.bookmarks import BookmarkQueries
from hubbub.store.queries.channels import ChannelQueries
from hubbub.store.queries.emoji import EmojiQueries
from hubbub.store.queries.ephemerals import EphemeralQueries
from hubbub.store.queries.files import FileQueries
from hubbub.store.queries.imports import ImportQueries
from hubbub.store.queries.invites import InviteQueries
from hubbub.store.queries.job_counts import JobCountQueries
from hubbub.store.queries.jobs import JobQueries
from hubbub.store.queries.log import LogQueries
from hubbub.store.queries.marks import MarkQueries
from hubbub.store.queries.notify import NotifyQueries
from hubbub.store.queries.people import PeopleQueries
from hubbub.store.queries.previews import PreviewQueries
from hubbub.store.queries.reads import ReadQueries
from hubbub.store.queries.reminders import ReminderQueries
from hubbub.store.queries.scheduled import ScheduledQueries
from hubbub.store.queries.search import SearchQueries
from hubbub.store.queries.search_files import SearchFileQueries
from hubbub.store.queries.served import ServedQueries
from hubbub.store.queries.shares import ShareQueries
from hubbub.store.queries.usergroups import UsergroupQueries
from hubbub.store.queries.views import ViewQueries
from hubbub.store.queries.webhooks import WebhookQueries


class Tx(
    PeopleQueries,
    ChannelQueries,
    LogQueries,
    MarkQueries,
    ReadQueries,
    InviteQueries,
    JobQueries,
    JobCountQueries,
    PreviewQueries,
    WebhookQueries,
    NotifyQueries,
    AppQueries,
    ShareQueries,
    ServedQueries,
    FileQueries,
    SearchQueries,
    SearchFileQueries,
    ImportQueries,
    UsergroupQueries,
    EmojiQueries,
    BookmarkQueries,
    ScheduledQueries,
    ReminderQueries,
    ViewQueries,
    EphemeralQueries,
):
    """Queries for one unit of work. Methods raise SlackError only for conflicts they detect."""
