"""The `email` job of a notification (queued by services/notify.py for someone offline): sends
the mail unless it went already, the person snoozed since, read the conversation past the
message, or has no address; a failure to reach the SMTP server raises, and the job is tried
again later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formataddr

import structlog

from hubbub.domain.jobs import Job
from hubbub.domain.model import User
from hubbub.domain.notify import Notice, email_body, email_message_id, email_subject, snoozed
from hubbub.domain.shares import ACCEPTED
from hubbub.services.hub import Hub
from hubbub.services.messages import TOMBSTONE
from hubbub.services.notify_notice import display_name, notice_of, with_people
from hubbub.store.tx import Tx

log = structlog.get_logger()

EMAIL_JOB = "email"

_told_no_email = False


def no_email_once() -> None:
    """Says once per process that offline people get no email: no SMTP server is set."""
    global _told_no_email
    if not _told_no_email:
        _told_no_email = True
        log.info("notify_email_off", reason="no smtp_host: offline people get no email")


@dataclass(frozen=True, slots=True)
class _Mail:
    to: User
    notice: Notice


def _addressee(tx: Tx, team_id: str, user_id: str, channel_id: str, ts: str) -> User | None:
    """Who an email is due to, read on their own shard; None when none is."""
    row = tx.get_notification(team_id, user_id, channel_id, ts)
    if row is None or row.emailed is not None:
        return None
    if snoozed(tx.snooze_until(team_id, user_id), tx.now):
        return None
    to = tx.get_user(team_id, user_id)
    if to is None or to.deleted or not to.email:
        return None
    return to


def _about(
    tx: Tx, hub: Hub, known: dict[str, User], to: User, host: str, channel_id: str, ts: str
) -> _Mail | None:
    """The mail about a message, read on the shard of the channel's host; None when the
    message is gone, or the addressee left the channel or read it meanwhile."""
    msg = tx.get_message(host, channel_id, ts)
    channel = tx.get_channel(host, channel_id)
    membership = tx.membership(host, channel_id, to.id)
    if msg is None or channel is None or msg.subtype == TOMBSTONE or membership is None:
        return None
    if membership.last_read >= ts:
        return None
    return _Mail(to, notice_of(tx, hub, msg, channel, {**known, to.id: to}))


def _mail(
    tx: Tx, hub: Hub, known: dict[str, User], team_id: str, user_id: str, channel_id: str, ts: str
) -> _Mail | None:
    """What to send to a person of the channel's own workspace, or None."""
    to = _addressee(tx, team_id, user_id, channel_id, ts)
    return None if to is None else _about(tx, hub, known, to, team_id, channel_id, ts)


async def _guest_mail(
    hub: Hub,
    known: dict[str, User],
    team_id: str,
    host: str,
    user_id: str,
    channel_id: str,
    ts: str,
) -> _Mail | None:
    """What to send to a person of a workspace the channel is shared with: their record and
    the channel's name from their shard, the message from the host's, and only while the
    host's record still lets their workspace in."""

    def mine(tx: Tx) -> tuple[User, str] | None:
        shared = tx.shared_channel(team_id, channel_id)
        if shared is None or shared.state != ACCEPTED or shared.host_team_id != host:
            return None
        to = _addressee(tx, team_id, user_id, channel_id, ts)
        return None if to is None else (to, shared.name)

    found = await hub.read(team_id, mine)
    if found is None:
        return None
    to, name = found

    def theirs(tx: Tx) -> _Mail | None:
        share = tx.accepted_share(channel_id, team_id)
        if share is None or share.host_team_id != host:
            return None
        mail = _about(tx, hub, known, to, host, channel_id, ts)
        return None if mail is None else _Mail(to, replace(mail.notice, where="#" + name))

    return await hub.read(host, theirs)


def email_message(mail: _Mail, sender: str) -> EmailMessage:
    out = EmailMessage()
    out["From"] = formataddr(("hubbub", sender))
    out["To"] = formataddr((display_name(mail.to, mail.to.name), mail.to.email or ""))
    out["Subject"] = email_subject(mail.notice)
    domain = sender.rpartition("@")[2]
    out["Message-ID"] = email_message_id(mail.to.id, mail.notice.channel_id, mail.notice.ts, domain)
    out.set_content(email_body(mail.notice))
    return out


async def email_job(hub: Hub, job: Job) -> None:
    """The `email` job: one notification's email. At least once: a crash between the send and
    its record sends it again, under the same Message-ID (email_message_id)."""
    mailer = hub.mailer
    if mailer is None:
        no_email_once()
        return
    team_id = job.team_id
    user_id, channel_id = str(job.payload["user"]), str(job.payload["channel"])
    ts = str(job.payload["ts"])
    host = str(job.payload.get("host") or team_id)
    # People of other workspaces than the host, named as their own workspace shows them (the
    # message names only their ids); jobs queued before 2026-12-01 name the author alone.
    elsewhere = job.payload.get("elsewhere")
    if not isinstance(elsewhere, dict):
        author_team, author = job.payload.get("author_team"), job.payload.get("author")
        elsewhere = {str(author): str(author_team)} if author_team and author else {}
    known = await with_people(hub, {str(u): str(t) for u, t in elsewhere.items()}, {})
    if host == team_id:
        mail = await hub.read(
            team_id, lambda tx: _mail(tx, hub, known, team_id, user_id, channel_id, ts)
        )
    else:
        mail = await _guest_mail(hub, known, team_id, host, user_id, channel_id, ts)
    if mail is None:
        return
    await mailer.send(email_message(mail, mailer.sender))
    await hub.commit(team_id, lambda tx, _events: tx.mark_emailed(team_id, user_id, channel_id, ts))
    log.info("notify_emailed", team=team_id, user=user_id, channel=channel_id, ts=ts)
