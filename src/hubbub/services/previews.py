"""Link previews (Slack's unfurls): a message with links gets an attachment for each page that
says what it is.

The reactor sees a new message (or an edit that adds links) and queues an `unfurl` job keyed by
the message, so a rerun of the event job queues nothing twice. The job reads the message as it
then is, fetches up to three of its links through the outbound port, and attaches what it found
with a message_changed event. Running it again attaches nothing more: a link already shown by
an attachment (its `from_url`) is skipped.

Results are cached per workspace and URL in a table (store/tables.py `link_previews`), not in
this process: every process and worker of a scaled deployment shares it and it outlives
restarts, while one read of it costs far less than the fetch it saves. Pages with a preview are
kept an hour; pages without one (not HTML, an error status, a refused address) ten minutes.
A page that times out or cannot be reached is not cached: the job is tried again later.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.links import find_links, same_site
from hubbub.domain.model import Message
from hubbub.domain.previews import Preview, attachment, decode, parse_preview
from hubbub.domain.shapes import NO_UNFURL
from hubbub.outbound.port import OutboundError
from hubbub.services.file_shown import Known, commit_showing_files
from hubbub.services.follow_up import Logged
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import set_attachments_tx
from hubbub.store.tx import Tx

log = structlog.get_logger()

UNFURL_JOB = "unfurl"
# Three links at once, each within the outbound client's deadline (5 s by default); tried
# three times, a minute or so apart at most.
SPEC = JobSpec(
    timeout_s=20.0, max_attempts=3, backoff_base_s=1.0, backoff_cap_s=60.0, rate=20.0, burst=50
)
MAX_LINKS = 3
MAX_PAGE_BYTES = 1 << 20
PREVIEW_TTL_US = 3600 * 1_000_000
NO_PREVIEW_TTL_US = 600 * 1_000_000
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = "hubbub-LinkExpanding/0.1 (link previews)"
# Messages people and bots write; system messages (joins, topics, tombstones) have no previews.
PREVIEWED_SUBTYPES = frozenset({None, "thread_broadcast", "me_message", "bot_message"})


# -- the reactor ------------------------------------------------------------------------------


async def react(hub: Hub, logged: Logged) -> None:
    """Queues an unfurl job for a new message with links, or an edit that adds some."""
    team_id, event = logged.team_id, logged.event
    if event.get("type") != "message":
        return
    channel_id = event.get("channel")
    if event.get("subtype") == "message_changed":
        msg, before = event.get("message") or {}, event.get("previous_message") or {}
        old = set(find_links(str(before.get("text") or "")))
        links = [u for u in find_links(str(msg.get("text") or "")) if u not in old]
        suffix = f"/{event.get('ts')}"  # each edit's own job: one queued earlier may be running
    elif event.get("subtype") in PREVIEWED_SUBTYPES:
        msg, suffix = event, ""
        links = find_links(str(msg.get("text") or ""))
    else:
        return
    ts = msg.get("ts")
    if not links or not isinstance(channel_id, str) or not isinstance(ts, str):
        return
    if all(same_site(url, hub.urls.base) for url in links):
        return
    payload = {"channel": channel_id, "ts": ts}
    key = f"{channel_id}/{ts}{suffix}"
    await hub.commit(team_id, lambda _tx, log: log.job(team_id, UNFURL_JOB, payload, key=key))


# -- the job ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fetched:
    preview: Preview | None  # None: the page has no preview
    retry: str | None = None  # why it may have one later (a timeout): not cached


class LinksFailed(Exception):
    """Some links could not be fetched this time; the job is tried again."""


async def unfurl(hub: Hub, job: Job) -> None:
    team_id = job.team_id
    try:
        channel_id, ts = str(job.payload["channel"]), str(job.payload["ts"])
    except KeyError as exc:
        raise PermanentFailure(f"bad payload: {job.payload!r}") from exc
    msg = await hub.read(team_id, lambda tx: tx.get_message(team_id, channel_id, ts))
    wanted = _wanted(hub, msg) if msg is not None else []
    if not wanted:
        return
    hashes = {url: url_hash(url) for url in wanted}
    cached = await hub.read(team_id, lambda tx: tx.cached_previews(team_id, hashes.values()))
    found: dict[str, Preview | None] = {}
    for url in wanted:
        if hashes[url] in cached:
            text = cached[hashes[url]][0]
            found[url] = Preview.from_json(orjson.loads(text)) if text else None
    missing = [url for url in wanted if url not in found]
    outcomes = await asyncio.gather(*(fetch_preview(hub, url) for url in missing))
    fetched = dict(zip(missing, outcomes, strict=True))
    last_try = job.attempt >= SPEC.max_attempts
    failed = {url: f.retry for url, f in fetched.items() if f.retry is not None}
    for url, outcome in fetched.items():
        found[url] = outcome.preview

    def unit(tx: Tx, log: EventLog, known: Known) -> None:
        for url, outcome in fetched.items():
            if outcome.retry is not None and not last_try:
                continue
            ttl = PREVIEW_TTL_US if outcome.preview else NO_PREVIEW_TTL_US
            body = orjson.dumps(outcome.preview.to_json()).decode() if outcome.preview else None
            tx.cache_preview(team_id, hashes[url], url, body, tx.now_us + ttl)
        _attach_tx(tx, log, hub, known, team_id, channel_id, ts, found)

    await commit_showing_files(hub, team_id, unit)
    if failed and not last_try:
        raise LinksFailed(", ".join(f"{url}: {why}" for url, why in failed.items()))
    if failed:
        log.info("unfurl_gave_up", team_id=team_id, channel=channel_id, ts=ts, failed=failed)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _wanted(hub: Hub, msg: Message) -> list[str]:
    """The message's first links (not hubbub's own pages) that no attachment shows yet."""
    if msg.subtype not in PREVIEWED_SUBTYPES or msg.extra.get(NO_UNFURL) is False:
        return []
    links = [u for u in find_links(msg.text) if not same_site(u, hub.urls.base)][:MAX_LINKS]
    shown = _shown(msg)
    return [u for u in links if u not in shown]


def _shown(msg: Message) -> set[str]:
    return {str(a.get("from_url")) for a in msg.attachments or () if isinstance(a, dict)}


def _attach_tx(
    tx: Tx,
    log: EventLog,
    hub: Hub,
    known: Known,
    team_id: str,
    channel_id: str,
    ts: str,
    found: dict[str, Preview | None],
) -> None:
    """Adds the previews the message, as it is now, still lacks."""
    msg = tx.get_message(team_id, channel_id, ts)
    channel = tx.get_channel(team_id, channel_id)
    if msg is None or channel is None:
        return
    current = _wanted(hub, msg)
    existing = list(msg.attachments or [])
    next_id = 1 + max((a.get("id", 0) for a in existing if isinstance(a.get("id"), int)), default=0)
    added: list[dict[str, Any]] = []
    for url in current:
        preview = found.get(url)
        if preview is not None:
            added.append(attachment(preview, url, next_id + len(added)))
    if added:
        set_attachments_tx(tx, log, hub.urls, known, channel, msg, existing + added)


async def fetch_preview(hub: Hub, url: str) -> _Fetched:
    try:
        answer = await hub.outbound.request(
            "GET",
            url,
            headers={
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                "User-Agent": USER_AGENT,
            },
            max_bytes=MAX_PAGE_BYTES,
        )
    except OutboundError as exc:
        if exc.retryable:
            return _Fetched(None, retry=exc.reason)
        log.info("unfurl_refused", url=url, reason=exc.reason)
        return _Fetched(None)
    if answer.status >= 500 or answer.status == 429:
        return _Fetched(None, retry=f"http_{answer.status}")
    kind = answer.content_type.partition(";")[0].strip().lower()
    if answer.status != 200 or kind not in HTML_TYPES:
        return _Fetched(None)
    # Parsing a megabyte of markup takes a while: not on the event loop the server runs on.
    page = await asyncio.to_thread(_parse, answer.body, answer.content_type, answer.url)
    return _Fetched(page)


def _parse(body: bytes, content_type: str, url: str) -> Preview | None:
    return parse_preview(decode(body, content_type), url)
