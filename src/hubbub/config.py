"""Settings: environment variables HUBBUB_*, with defaults for the embedded deployment."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubbub.domain.abuse import AbuseLimits, Rate
from hubbub.domain.apps import Timings
from hubbub.domain.files import FileLimits
from hubbub.domain.jobs import JobLimits
from hubbub.domain.shared_settings import LARGE_ROOM_MEMBERS, Live
from hubbub.domain.urls import PublicUrls, check_public_url, check_socket_url, listen_url

_SHARD_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")

# How uvicorn serves us (and the benchmark's bare ceiling, so the two compare like for like).
# Proxy headers are read only from the addresses `trusted_proxies` names (Settings.server_options).
# No access log on the hot path.
UVICORN_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "log_level": "warning",
    # Its records go to the process's one log stream (logs.py), not to handlers of its own.
    "log_config": None,
    "access_log": False,
    "proxy_headers": False,
    "server_header": False,
    "lifespan": "on",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUBBUB_")

    data_dir: Path = Path("data")
    # A PostgreSQL database (`postgresql+psycopg://user@host:port/name`) to store in instead of
    # data_dir's SQLite file: the store of the scaled deployment (store/postgres.py).
    database_url: str | None = None
    # Sharding by workspace (docs/architecture.md §2): PostgreSQL databases by shard name, and the
    # directory database that maps each workspace to one of them. Instead of database_url.
    shards: dict[str, str] = {}
    directory_url: str | None = None
    # Redis (`redis://host:port/0`) for what the processes of the scaled deployment share: the
    # bus, rate limits, presence and connect tickets. Unset, they live in this process.
    redis_url: str | None = None
    # Keys and channels start with this, so deployments (and tests) can share one Redis.
    redis_prefix: str = "hubbub:"
    # What this process serves (docs/deploy.md): everything; only the Web API and web client
    # ("api"); or only RTM sockets ("gateway"), at the address rtm_url names to clients.
    role: Literal["all", "api", "gateway"] = "all"
    # Where clients open the sockets rtm.connect hands out (ws:// or wss://), when that is not
    # this process's own address: the gateways' balancer. Default: from public_url.
    rtm_url: str | None = None
    # Where clients reach this process's own sockets (ws:// or wss://), registered under its
    # lease (processes/) for rtm.connect and apps.connections.open to hand out: each connect
    # goes to a live one, the less loaded of two (services/gateways.py). `hubbub serve
    # --gateway-port` sets it from a port it listens on besides its own, and `hubbub cluster
    # up` gives each process one. Unset on every process: sockets go to rtm_url's address.
    gateway_url: str | None = None
    # A process that stops renewing its record (killed, stalled, cut off) for this long has
    # left: no socket is handed to it, and `hubbub admin cluster` no longer lists it.
    process_lease_s: float = Field(default=15.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8080
    # "off" turns every rate limit off, Slack's and the abuse limits below (tests and
    # benchmarks that post in bulk).
    rate_limits: bool = True
    # Every limit of Slack's tiers and of posting (api/ratelimit.py) multiplied by this: 2 lets
    # everyone make twice as many calls. Like rate_limits and the abuse limits below, a shared
    # setting (domain/shared_settings.py): `hubbub admin settings set` changes it in every
    # process of the deployment, without a restart.
    rate_scale: float = Field(default=1.0, gt=0, le=1000)
    # How often each process reads the shared settings from the store (or the directory).
    shared_settings_s: float = Field(default=5.0, gt=0)
    # Abuse limits of ours (docs/limits.md, Abuse; Slack's own are fixed in domain/abuse.py):
    # sign-in attempts per account (workspace domain + email) and per client address a minute,
    # sign-ups (new workspaces and invite links) per address an hour, posts to webhooks and
    # response URLs per address a minute, conversations.inviteShared by email per workspace an
    # hour. Each is also the burst.
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_address: int = Field(default=20, ge=1)
    signups_per_address: int = Field(default=5, ge=1)
    hook_posts_per_address: int = Field(default=600, ge=1)
    email_invites_per_workspace: int = Field(default=30, ge=1)
    # The balancers or proxies in front (docs/deploy.md, Behind a proxy): addresses or networks
    # ("10.0.0.0/8", "127.0.0.1") whose X-Forwarded-For and X-Forwarded-Proto are believed: the
    # client address the per-address limits count, and whether the request came over https.
    # Empty: nobody's; the socket's own address counts. "*" trusts anyone: never on a server
    # clients reach directly, since they could then pick their address.
    trusted_proxies: list[str] = []
    max_body_bytes: int = 1 << 20
    # A Web API request's writes commit within this many seconds of its arrival or not at all
    # (services/deadlines.py): below the timeouts of the clients (slack_sdk's 30 s), so that a
    # write held up past the moment its client gave up is never applied over what it did next.
    write_deadline_s: float = Field(default=20.0, gt=0)
    # Files (docs/files.md, docs/limits.md): one file's bytes at most (Slack's 1 GB; the upload
    # routes take this much, past max_body_bytes), a workspace's bytes in files at most (unset:
    # no quota), and how long an upload URL of files.getUploadURLExternal is good for.
    file_max_bytes: int = Field(default=1 << 30, ge=1)
    file_quota_bytes: int | None = Field(default=None, ge=0)
    file_upload_url_ttl_s: int = Field(default=600, ge=1, le=86_400)
    # How often every process sweeps what files leave behind (jobs/file_sweep.py), and the
    # grace period: a blob no row names goes once it is this old, an upload never completed
    # this long after its URL expired.
    file_sweep_s: float = Field(default=3600.0, gt=0)
    file_orphan_grace_s: float = Field(default=3600.0, ge=60)
    # SQLite only: threads (each with its own read-only connection) that run reads off the event
    # loop, so a long read stalls no socket; more reads than this at once wait their turn.
    sqlite_readers: int = Field(default=4, ge=1, le=64)
    # The address clients reach us at (https://chat.example.com): the base of every URL handed
    # out (domain/urls.py). Unset: the address `hubbub serve` listens on, which it records for
    # `hubbub admin` on the same data (services/served.py). A cluster sets it in its config file.
    public_url: str | None = None
    # Real-time gateway (docs/realtime.md): how long an rtm.connect URL stays valid, how many
    # events per stream a resume may replay before the client is told to resync, and how many
    # frames a socket may have waiting while its transport is paused (the client not reading)
    # before it is disconnected as too slow (docs/limits.md).
    rtm_ticket_ttl_s: float = 30.0
    rtm_resume_max_events: int = 10_000
    # The event log (docs/limits.md, "The event log"): each stream keeps its newest this many
    # events, and every process trims the older ones this often. A resume from before what a
    # stream keeps is told to resync, as one more than rtm_resume_max_events behind is.
    event_retention_per_stream: int = Field(default=10_000, ge=100)
    event_sweep_s: float = Field(default=600.0, gt=0)
    rtm_send_queue: int = 1000
    # Events a stream's sequencer (one per stream per gateway, and per socket) holds out of
    # order while it reads a gap from the log; past it they are dropped and read from the log
    # too, once it answers (realtime/sequencer.py).
    rtm_held_events: int = Field(default=1000, ge=1)
    # WebSocket keepalive of every RTM and Socket Mode socket: a ping this often (0: none), and
    # a socket whose pong does not come within the timeout is closed (a peer gone without a
    # word: its person goes away). Each ping costs the gateway ~160 µs of CPU with its pong
    # (docs/scaling.md): at uvicorn's 20 s, 8% of a core per 10,000 idle sockets. 60 s is
    # Mattermost's interval; clients that want to notice a dead link sooner ping themselves
    # (RTM's ping message, or WebSocket pings, which are answered at once).
    ws_ping_interval_s: float = Field(default=60.0, ge=0)
    ws_ping_timeout_s: float = Field(default=20.0, gt=0)
    # A channel of more members than this is a large room (domain/shared_settings.py): typing
    # is told to nobody there, and joins and leaves post no message.
    large_room_members: int = Field(default=LARGE_ROOM_MEMBERS, ge=0)
    # Presence across processes (presence/redis.py): a process that stops renewing its lease
    # for this long is taken for dead, and every process sweeps for the dead this often.
    presence_lease_s: float = 30.0
    presence_sweep_s: float = 5.0
    # Outbound HTTP (outbound/guarded.py: link previews, apps' URLs) refuses private, loopback
    # and link-local addresses unless this is on: for tests whose servers are on 127.0.0.1.
    allow_private_outbound: bool = False
    # How long one outbound request may take, redirects included, unless its caller says.
    outbound_timeout_s: float = 5.0
    # How often every process deletes expired rows of the link previews' cache.
    preview_sweep_s: float = 600.0
    # Email to people notified while offline (docs/integrations.md, Notifications): the SMTP
    # server, the From address, "none", "starttls" or "tls" (SMTP over TLS from the start), an
    # optional login, and the timeout of each step. No smtp_host: no email.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "hubbub@localhost"
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_s: float = 10.0
    # Uploaded files (docs/files.md, Storage): in a directory under data_dir, `<data_dir>/files`
    # ("filesystem"), or in an S3-compatible object store ("s3"): the bucket (required), the
    # endpoint of a server other than AWS's (MinIO, R2, Ceph, ...), its region, the keys (unset:
    # botocore's own chain, AWS_ACCESS_KEY_ID and the like or an instance role), and a prefix
    # for every object name (one bucket for several deployments: "hubbub/").
    files_store: Literal["filesystem", "s3"] = "filesystem"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_prefix: str = ""
    # Background jobs (docs/jobs.md): "sql" runs them in this process from the jobs tables;
    # "redis" relays them into Redis Streams for `hubbub worker` processes to run.
    job_queue: Literal["sql", "redis"] = "sql"
    job_concurrency: int = Field(default=8, ge=1, le=1024)
    # People a `notify` job (a DM, <!channel>, <!here>) writes in one commit; a bigger
    # conversation is notified by a chain of jobs, one batch each (docs/limits.md). At most
    # 10,000: every batch is bound into single statements, well under PostgreSQL's 65,535.
    notify_batch: int = Field(default=2000, ge=1, le=10_000)
    # An event whose follow-up (notifications, previews, apps) fails in the outbox relay becomes
    # a `follow_up` job, tried this many times with backoff, then a dead letter shown by
    # `hubbub admin jobs` (docs/jobs.md).
    follow_up_attempts: int = Field(default=10, ge=1, le=100)
    # Every job kind's timeout held to at most this many seconds (unset: each kind's own, up to
    # 60 s). The job lease is the longest timeout plus 5 s, so this bounds how long the jobs of
    # a runner that crashed wait before they run again: `hubbub chaos`, which kills processes
    # on purpose, sets it to a few seconds (docs/reliability.md). Not for production: a job that
    # needs longer (an email to a slow mail server) would time out and be tried again.
    job_timeout_max_s: float | None = Field(default=None, gt=0)
    # Apps (docs/integrations.md). Events API: a 2xx within events_timeout_s is success, then
    # retries after these delays (Slack: at once, 1 min, 5 min). Socket Mode: an envelope not
    # acked in socket_mode_ack_timeout_s is sent again; a connection is refreshed (a
    # `disconnect` of reason `warning`, then `refresh_requested`) after socket_mode_lifetime_s.
    events_timeout_s: float = 3.0
    events_retry_delays_s: list[float] = [0.0, 60.0, 300.0]
    socket_mode_ack_timeout_s: float = 3.0
    socket_mode_lifetime_s: float = 3600.0
    # Envelopes of one app this process claims and sends at once (realtime/socket_mode.py);
    # past it an envelope is left to another process or to its delivery's next try.
    socket_mode_in_flight: int = Field(default=100, ge=1)

    @field_validator("gateway_url")
    @classmethod
    def _gateway_url(cls, url: str | None) -> str | None:
        return None if url is None else check_socket_url(url)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        return None if url is None else check_public_url(url)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy == "*":
                continue
            try:
                # Strict, as uvicorn reads them: it would take "10.0.0.1/8" for a host name.
                ipaddress.ip_network(proxy)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {proxy!r} is no address or network") from exc
        return proxies

    @model_validator(mode="after")
    def _one_kind_of_store(self) -> Settings:
        if self.shards and self.database_url:
            raise ValueError("database_url or shards, not both")
        if bool(self.shards) != bool(self.directory_url):
            raise ValueError("shards and directory_url go together")
        for name in self.shards:
            if not _SHARD_NAME.fullmatch(name):
                raise ValueError(f"shard name {name!r}: letters, digits, - and _, up to 32")
        if self.files_store == "s3" and not self.s3_bucket:
            raise ValueError('files_store = "s3" needs s3_bucket')
        return self

    @property
    def job_limits(self) -> JobLimits:
        return JobLimits(
            notify_batch=self.notify_batch,
            follow_up_attempts=self.follow_up_attempts,
            timeout_max_s=self.job_timeout_max_s,
        )

    @property
    def file_limits(self) -> FileLimits:
        return FileLimits(
            max_bytes=self.file_max_bytes,
            quota_bytes=self.file_quota_bytes,
            upload_url_ttl_s=self.file_upload_url_ttl_s,
        )

    @property
    def app_timings(self) -> Timings:
        return Timings(
            http_timeout_s=self.events_timeout_s,
            retry_delays_s=tuple(self.events_retry_delays_s),
            ack_timeout_s=self.socket_mode_ack_timeout_s,
            socket_lifetime_s=self.socket_mode_lifetime_s,
            socket_warning_s=min(10.0, self.socket_mode_lifetime_s / 2),
        )

    @property
    def abuse_limits(self) -> AbuseLimits:
        return AbuseLimits(
            login_per_account=Rate.per_minute(self.login_attempts_per_account),
            login_per_address=Rate.per_minute(self.login_attempts_per_address),
            signup_per_address=Rate.per_hour(self.signups_per_address),
            hooks_per_address=Rate.per_minute(self.hook_posts_per_address),
            email_invites_per_workspace=Rate.per_hour(self.email_invites_per_workspace),
        )

    @property
    def live(self) -> Live:
        """The shared settings (domain/shared_settings.py) as this process applies them."""
        return Live(
            rate_limits=self.rate_limits,
            rate_scale=self.rate_scale,
            limits=self.abuse_limits,
            large_room_members=self.large_room_members,
        )

    @property
    def database(self) -> Path:
        return self.data_dir / "hubbub.sqlite3"

    @property
    def files_dir(self) -> Path:
        """Where files_store = "filesystem" keeps uploaded files."""
        return self.data_dir / "files"

    @property
    def base_url(self) -> str:
        return self.public_url or listen_url(self.host, self.port)

    @property
    def urls(self) -> PublicUrls:
        """What every URL handed out is built from (a process that does not serve may take the
        server's recorded address instead: app.tool_hub)."""
        return PublicUrls.at(self.base_url, self.rtm_url)


def load_settings(config: Path | None = None, **given: Any) -> Settings:
    """Settings from a TOML file of Settings fields (`hubbub serve --config cluster.toml`),
    overridden by what the command line gave; the environment fills in the rest."""
    values: dict[str, Any] = {}
    if config is not None:
        with config.open("rb") as f:
            values = tomllib.load(f)
        unknown = sorted(set(values) - set(Settings.model_fields))
        if unknown:
            raise ValueError(f"{config}: unknown settings {', '.join(unknown)}")
    values.update({k: v for k, v in given.items() if v is not None})
    return Settings(**values)
