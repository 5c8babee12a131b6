"""What every use case needs: the ports, and one way to commit a unit of work with its events."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import structlog

from hubbub.blobs.port import Blobs
from hubbub.bus.port import Bus, BusUnavailable
from hubbub.domain.apps import App, Timings
from hubbub.domain.errors import Unavailable
from hubbub.domain.files import FileLimits
from hubbub.domain.jobs import JobLimits
from hubbub.domain.model import Identity
from hubbub.domain.shared_settings import LARGE_ROOM_MEMBERS, Live
from hubbub.domain.ts import from_micros
from hubbub.domain.urls import PublicUrls
from hubbub.limits.port import Limiter
from hubbub.mail.port import Mailer
from hubbub.outbound.port import NoOutbound, Outbound
from hubbub.presence.port import Presence
from hubbub.processes.port import Processes
from hubbub.services import deadlines
from hubbub.services.gateways import Gateways
from hubbub.services.versioned import VersionedCache
from hubbub.store.port import Shards
from hubbub.store.tx import Tx
from hubbub.tickets.port import Tickets

log = structlog.get_logger()

T = TypeVar("T")

# Events that make someone a member of a conversation. Each also sends a `hubbub_member_joined`
# notice on the new member's own stream (seq 0, never logged), so a gateway holding their sockets
# starts following the conversation live (docs/realtime.md). Unlike other notices it goes
# through the outbox: a lost one would leave a socket without the conversation, with no gap to
# show it.
_JOIN_EVENTS = frozenset({"member_joined_channel", "im_created", "mpim_joined"})
JOIN_NOTICE = "hubbub_member_joined"


@dataclass(frozen=True, slots=True)
class Published:
    stream: str
    seq: int
    payload: bytes
    outbox_id: int
    team_id: str


class EventLog:
    """Allocates positions in channel and team streams and logs events, inside one transaction."""

    def __init__(self, tx: Tx, *, large_room_members: int = LARGE_ROOM_MEMBERS) -> None:
        self.tx = tx
        # The shared setting as the unit's process applies it: joins and leaves in a larger
        # room log their event and no message (services/channel_tx.py).
        self.large_room_members = large_room_members
        self.published: list[Published] = []
        # Ephemeral notices published after the commit: (stream, payload), never logged.
        self.notices: list[tuple[str, bytes]] = []
        self.jobs_queued = 0
        self._first_seq: dict[str, int] = {}

    def message_position(self, team_id: str, channel_id: str) -> tuple[int, str]:
        """The next seq of the channel and a ts strictly greater than any before it."""
        return self.tx.next_message_position(team_id, channel_id)

    def tx_ts(self) -> str:
        """The time of this unit of work in ts form, for fields such as `edited.ts`."""
        return from_micros(self.tx.now_us)

    def emit(self, team_id: str, stream: str, seq: int, event: dict[str, Any]) -> None:
        payload = orjson.dumps(event)
        outbox_id = self.tx.append_event(team_id, stream, seq, event["type"], payload)
        self.published.append(Published(stream, seq, payload, outbox_id, team_id))
        self._first_seq.setdefault(stream, seq)
        if event["type"] in _JOIN_EVENTS:
            self._join_notices(team_id, stream, event)

    def _join_notices(self, team_id: str, channel_id: str, event: dict[str, Any]) -> None:
        """The new member follows the channel from its first event of this unit of work."""
        kind = event["type"]
        if kind == "member_joined_channel":
            users = [event["user"]]
        elif kind == "im_created":
            users = [event["user"], event["channel"]["user"]]
        else:
            users = self.tx.member_ids(team_id, channel_id, "", 1000)
        after = self._first_seq[channel_id] - 1
        for user_id in dict.fromkeys(users):
            # A resume starts the conversation here too (tx.joined_at): not at the first event
            # of the second they joined in, which may have been said before them.
            self.tx.set_joined_after(team_id, channel_id, user_id, after)
            # team: whose shard holds the channel's log, for a member from a workspace the
            # channel is shared with.
            notice = {
                "type": JOIN_NOTICE,
                "channel": channel_id,
                "user": user_id,
                "after": after,
                "team": team_id,
            }
            payload = orjson.dumps(notice)
            outbox_id = self.tx.queue_notice(team_id, user_id, payload)
            self.published.append(Published(user_id, 0, payload, outbox_id, team_id))

    def job(
        self,
        team_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        delay_us: int = 0,
    ) -> bool:
        """Queues a background job with this unit of work; False if its key is already queued."""
        queued = self.tx.enqueue_job(team_id, kind, payload, key=key, delay_us=delay_us)
        self.jobs_queued += queued
        return queued

    def channel_event(self, team_id: str, channel_id: str, event: dict[str, Any]) -> None:
        seq = self.tx.next_seq(team_id, channel_id)
        event.setdefault("event_ts", from_micros(self.tx.now_us))
        self.emit(team_id, channel_id, seq, event)

    def team_event(self, team_id: str, event: dict[str, Any]) -> None:
        seq = self.tx.next_team_seq(team_id)
        event.setdefault("event_ts", from_micros(self.tx.now_us))
        self.emit(team_id, team_id, seq, event)


@dataclass
class Hub:
    shards: Shards
    bus: Bus
    presence: Presence
    # Single-use RTM connect tickets (services/realtime.py).
    tickets: Tickets
    # The deployment's processes under their leases (processes/port.py), and the gateways new
    # sockets are handed to from them (services/gateways.py).
    processes: Processes
    # Every URL handed out (permalinks, invites, webhooks, sockets): from the settings' one
    # public_url, with no default here that could disagree with it (Settings.urls).
    urls: PublicUrls
    # Where uploaded files' bytes live (blobs/port.py): a directory or S3 (Settings.files_store).
    blobs: Blobs
    # All HTTP to other servers (link previews, apps): outbound/port.py.
    outbound: Outbound = field(default_factory=NoOutbound)
    # Email to people notified while offline (services/notify.py); None: no email.
    mailer: Mailer | None = None
    # Where the buckets of the rate and abuse limits live (services/abuse.py, api/ratelimit.py);
    # None: no limits at all (a hub of a tool).
    limiter: Limiter | None = None
    # The shared settings as this process applies them now: whether limits apply, their
    # rates, from what size a room is large (domain/shared_settings.py;
    # hubbub/shared_settings.py keeps it up to date with the store's).
    live: Live = field(default_factory=Live)
    # Outbox rows this process has published, by shard: the relay hands their events to what
    # follows them (services/follow_up.py), then deletes them (jobs/relay.py), emptying this.
    # None in a process that runs no relay (`hubbub admin`, app.tool_hub), where nothing would
    # ever empty it: its rows are followed up by the relays of the servers.
    published_outbox: dict[str, list[Published]] | None = field(default_factory=dict)
    # Caches valid while the store's identity version stays put (services/versioned.py).
    # Who each token names (by its hash), and whether that person is deactivated: a deactivated
    # person's token is remembered too, to answer account_inactive.
    identities: VersionedCache[str, tuple[Identity, bool]] = field(init=False)
    # Which workspace hosts each channel a workspace's people name (access.home): (team,
    # channel) -> the host's team id, or "" for a channel of the team's own.
    routes: VersionedCache[tuple[str, str], str] = field(init=False)
    # The channels other workspaces share with a workspace: (host, channel) pairs, as its own
    # shard records them (shares.hosted_elsewhere).
    shared_in: VersionedCache[str, tuple[tuple[str, str], ...]] = field(init=False)
    # For the reactors, per logged event: a workspace's apps that can be delivered to
    # (services/app_events.py), the workspaces a channel is shared with (accepted;
    # access.guests_of), and who in such a guest workspace set the channel to `all`
    # (services/notify.py).
    app_lists: VersionedCache[str, tuple[App, ...]] = field(init=False)
    channel_guests: VersionedCache[tuple[str, str], tuple[str, ...]] = field(init=False)
    guest_listeners: VersionedCache[tuple[str, str], tuple[str, ...]] = field(init=False)

    # How apps are delivered to: timeouts, retries (services/app_events.py; Settings).
    app_timings: Timings = field(default_factory=Timings)
    # Bounds of background work: notify batches, follow-up tries (Settings.job_limits).
    job_limits: JobLimits = field(default_factory=JobLimits)
    # Files' size limit, quota and upload URLs' lifetime (Settings.file_limits).
    file_limits: FileLimits = field(default_factory=FileLimits)

    # Called after a commit that queued jobs, so this process's job runner looks at once
    # instead of at its next poll (jobs/runner.py).
    jobs_queued: Callable[[], None] | None = None
    # Called after a commit that logged events, so the relay follows them up soon.
    events_logged: Callable[[], None] | None = None

    # What the composition root opened for the ports (a shared Redis client): closed last.
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    gateways: Gateways = field(init=False)

    def __post_init__(self) -> None:
        self.gateways = Gateways(self.processes)
        self.identities = VersionedCache(self.shards.identity_version, max_entries=50_000)
        self.routes = VersionedCache(self.shards.identity_version)
        self.shared_in = VersionedCache(self.shards.identity_version)
        self.app_lists = VersionedCache(self.shards.identity_version)
        self.channel_guests = VersionedCache(self.shards.identity_version)
        self.guest_listeners = VersionedCache(self.shards.identity_version)

    async def close(self) -> None:
        await self.tickets.close()
        await self.presence.close()
        await self.bus.close()
        await self.shards.close()
        await self.blobs.close()
        for close in self.on_close:
            await close()

    async def commit(self, team_id: str, fn: Callable[[Tx, EventLog], T]) -> T:
        """Runs fn in one write transaction on the team's shard; publishes its events only
        after the commit."""
        return await self._publish_after(self.shards.write(team_id, _logged(fn, self.live)))

    async def commit_new(self, team_id: str, domain: str, fn: Callable[[Tx, EventLog], T]) -> T:
        """hub.commit for the unit that creates workspace team_id: places it on a shard."""
        return await self._publish_after(
            self.shards.create(team_id, domain, _logged(fn, self.live))
        )

    async def read(self, team_id: str, fn: Callable[[Tx], T], *, snapshot: bool = True) -> T:
        return await self.shards.read(team_id, fn, snapshot=snapshot)

    async def _publish_after(self, committing: Awaitable[tuple[_Logged[T], str]]) -> T:
        (result, published, notices, jobs), shard = await committing
        if jobs and self.jobs_queued is not None:
            self.jobs_queued()
        if published and self.events_logged is not None:
            self.events_logged()
        try:
            await self._publish(shard, published, notices)
        except BusUnavailable as exc:
            # The write stands: the relay publishes the events (and join notices) left
            # unmarked after its grace period; other notices are lost, as they may be.
            log.warning("bus_publish_failed", error=str(exc))
        return result

    async def _publish(
        self, shard: str, published: list[Published], notices: list[tuple[str, bytes]]
    ) -> None:
        """Stops at the first BusUnavailable: the rest would wait on the same dead bus."""
        record = self.published_outbox
        done = None if record is None else record.setdefault(shard, [])
        for event in published:
            await self.bus.publish(event.stream, event.seq, event.payload)
            if done is not None:
                done.append(event)
        for stream, payload in notices:
            await self.bus.publish(stream, 0, payload)  # seq 0: ephemeral, as EPHEMERAL_SEQ


# A unit's result with the events it logged, the notices to send after its commit, and how many
# jobs it queued.
_Logged = tuple[T, list[Published], list[tuple[str, bytes]], int]


def _logged(fn: Callable[[Tx, EventLog], T], live: Live) -> Callable[[Tx], _Logged[T]]:
    """The unit with its EventLog; rolled back instead of committed once past the deadline of
    the request it is made for (services/deadlines.py)."""
    deadline = deadlines.current()

    def unit(tx: Tx) -> _Logged[T]:
        events = EventLog(tx, large_room_members=live.large_room_members)
        result = fn(tx, events)
        if deadline is not None and (late := time.monotonic() - deadline) > 0:
            log.warning("write_past_deadline", late_s=round(late, 3))
            raise Unavailable()
        return result, events.published, events.notices, events.jobs_queued

    return unit
