"""What follows a change of a user group's members: the people added join the group's default
channels, as Slack adds them, and each person added or removed hears subteam_self_added or
subteam_self_removed (docs/integrations.md, User groups).

The joins run as `usergroup_channels` jobs queued with the change, each naming a few of the
people added, so that a job is at most BATCH (person, channel) joins in one commit: 10,000
people and 100 default channels are 5,000 small commits, never one, and each person's id is
written into one job only. A join that is already done is skipped, so a job run again adds
nobody twice; someone taken out of the group (or a group disabled) before their turn joins
nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import orjson

from hubbub.domain.apps import App
from hubbub.domain.jobs import Job, JobSpec, PermanentFailure
from hubbub.domain.model import Channel
from hubbub.domain.usergroups import Usergroup
from hubbub.services import app_events
from hubbub.services.channel_tx import join_tx
from hubbub.services.hub import EventLog, Hub
from hubbub.services.messages import user_stream
from hubbub.store.tx import Tx

JOIN_JOB = "usergroup_channels"
SPEC = JobSpec(timeout_s=30.0, max_attempts=10, backoff_base_s=1.0, backoff_cap_s=60.0)
# (person, channel) pairs one job looks at in one commit.
BATCH = 200
SELF_ADDED = "subteam_self_added"
SELF_REMOVED = "subteam_self_removed"


def members_changed_tx(
    tx: Tx, log: EventLog, group: Usergroup, added: Sequence[str], removed: Sequence[str]
) -> None:
    """In the unit of work that changed the members: each person's own event, the apps'
    (an app whose bot was added or removed, subscribed to the event), and the job that adds
    those added to the default channels."""
    for kind, people in ((SELF_ADDED, added), (SELF_REMOVED, removed)):
        for user_id in people:
            event = {"type": kind, "subteam_id": group.id, "event_ts": log.tx_ts()}
            log.notices.append((user_stream(user_id), orjson.dumps(event)))
    _tell_apps(tx, log, group, added, removed)
    if added and group.channels and group.enabled:
        run = secrets.token_hex(8)
        step = max(1, BATCH // len(group.channels))
        for start in range(0, len(added), step):
            job = {
                "group": group.id,
                "users": list(added[start : start + step]),
                "channels": list(group.channels),
                "run": run,
            }
            key = f"{group.id}/{run}/{start}"
            log.job(group.team_id, JOIN_JOB, job, key=key)


def _tell_apps(
    tx: Tx, log: EventLog, group: Usergroup, added: Sequence[str], removed: Sequence[str]
) -> None:
    changed = {**dict.fromkeys(added, SELF_ADDED), **dict.fromkeys(removed, SELF_REMOVED)}
    for app in tx.list_apps(group.team_id):
        kind = changed.get(app.bot_user_id)
        if kind is not None and kind in app.events and _deliverable(app):
            event = {"type": kind, "subteam_id": group.id, "event_ts": log.tx_ts()}
            app_events.queue_event_tx(log, app, event)


def _deliverable(app: App) -> bool:
    return app.socket_mode or app.request_url is not None


async def join_job(hub: Hub, job: Job) -> None:
    """The people of one job join the default channels the group had when they were added,
    in one commit."""
    payload = job.payload
    group_id, users, channels = payload.get("group"), payload.get("users"), payload.get("channels")
    if not (isinstance(group_id, str) and isinstance(users, list) and isinstance(channels, list)):
        raise PermanentFailure("not a usergroup_channels job")
    wanted = [u for u in users if isinstance(u, str)][:BATCH]

    def unit(tx: Tx, log: EventLog) -> None:
        group = tx.get_usergroup(job.team_id, group_id)
        if group is None or not group.enabled:
            return
        members = set(tx.usergroup_member_ids(job.team_id, group_id))
        people = tx.get_users(job.team_id, wanted)
        joining = [u for u in wanted if u in members and u in people and not people[u].deleted]
        for channel_id in channels:
            channel = tx.get_channel(job.team_id, str(channel_id))
            if channel is None or not _joinable(channel):
                continue
            for user_id in joining:
                join_tx(tx, log, channel, user_id)

    await hub.commit(job.team_id, unit)


def _joinable(channel: Channel) -> bool:
    """A default channel people are still added to: public and not archived (it may have been
    made private or archived since it was chosen)."""
    return not (channel.is_private or channel.is_im or channel.is_mpim or channel.is_archived)
