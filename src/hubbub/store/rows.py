"""Rows to domain records and back: the conversions every query module shares."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row, and_, bindparam

from hubbub.domain.model import Channel, Message, Team, User


def key(table: Any, *names: str) -> Any:
    return and_(*(table.c[n] == bindparam(n) for n in names))


def loads(value: str | None) -> Any:
    return orjson.loads(value) if value else None


def dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def team_row(row: Row[Any]) -> Team:
    return Team(id=row.team_id, name=row.name, domain=row.domain, created=row.created)


def user_row(row: Row[Any]) -> User:
    return User(
        team_id=row.team_id,
        id=row.user_id,
        name=row.name,
        real_name=row.real_name,
        email=row.email,
        is_admin=bool(row.is_admin),
        is_owner=bool(row.is_owner),
        is_bot=bool(row.is_bot),
        bot_id=row.bot_id,
        deleted=bool(row.deleted),
        tz=row.tz,
        manual_away=bool(row.manual_away),
        updated=row.updated,
        profile=orjson.loads(row.profile),
    )


def channel_row(row: Row[Any]) -> Channel:
    return Channel(
        team_id=row.team_id,
        id=row.channel_id,
        name=row.name,
        is_private=bool(row.is_private),
        is_im=bool(row.is_im),
        is_mpim=bool(row.is_mpim),
        creator=row.creator,
        created=row.created,
        is_archived=bool(row.is_archived),
        topic=row.topic,
        topic_creator=row.topic_creator,
        topic_last_set=row.topic_last_set,
        purpose=row.purpose,
        purpose_creator=row.purpose_creator,
        purpose_last_set=row.purpose_last_set,
        last_seq=row.last_seq,
        last_us=row.last_us,
        has_shares=bool(row.has_shares),
    )


def message_row(row: Row[Any]) -> Message:
    return Message(
        team_id=row.team_id,
        channel_id=row.channel_id,
        ts=row.ts,
        user_id=row.user_id,
        bot_id=row.bot_id,
        subtype=row.subtype,
        text=row.text,
        blocks=loads(row.blocks),
        attachments=loads(row.attachments),
        thread_ts=row.thread_ts,
        reply_count=row.reply_count,
        reply_users=tuple(orjson.loads(row.reply_users)),
        latest_reply=row.latest_reply,
        edited_ts=row.edited_ts,
        edited_by=row.edited_by,
        client_msg_id=row.client_msg_id,
        extra=loads(row.extra) or {},
    )
