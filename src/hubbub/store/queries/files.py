"""Files, their pending uploads and their shares (docs/files.md)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row, and_, delete, func, insert, or_, select, update

from hubbub.domain.files import DELETED, PENDING, UPLOADED, File, FileShare
from hubbub.domain.search_text import file_body
from hubbub.domain.thumbnails import Thumb
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import emoji
from hubbub.store.tables_files import file_shares, file_thumbs, file_uploads, files

# The states whose bytes count against a workspace's quota (with the lengths of the uploads
# on their way, file_uploads).
_HELD = (UPLOADED, "ready")


def _file(row: Row[Any]) -> File:
    thumbs = orjson.loads(row.thumbs) if row.thumbs else {}
    return File(
        team_id=row.team_id,
        id=row.file_id,
        user_id=row.user_id,
        created=row.created,
        name=row.name,
        title=row.title,
        mimetype=row.mimetype,
        filetype=row.filetype,
        size=row.size,
        state=row.state,
        blob_key=row.blob_key,
        sha256=row.sha256,
        alt_txt=row.alt_txt,
        snippet_type=row.snippet_type,
        original_w=row.original_w,
        original_h=row.original_h,
        thumbs={k: (int(v[0]), int(v[1])) for k, v in thumbs.items()},
    )


def _share(row: Row[Any]) -> FileShare:
    return FileShare(
        file_id=row.file_id,
        channel_team_id=row.channel_team_id,
        channel_id=row.channel_id,
        ts=row.ts,
        thread_ts=row.thread_ts,
        user_id=row.user_id,
        created=row.created,
    )


class FileQueries(TxBase):
    def insert_file(self, file: File, *, upload: tuple[int, int] | None = None) -> None:
        """A new file; upload: (length, expiry in µs) of the upload URL that is to bring its
        bytes (files.getUploadURLExternal), else the file comes with its bytes (files.upload)."""
        self.conn.execute(
            insert(files).values(
                team_id=file.team_id,
                file_id=file.id,
                user_id=file.user_id,
                created=file.created,
                name=file.name,
                title=file.title,
                mimetype=file.mimetype,
                filetype=file.filetype,
                size=file.size,
                state=file.state,
                blob_key=file.blob_key,
                sha256=file.sha256,
                alt_txt=file.alt_txt,
                snippet_type=file.snippet_type,
                # Indexed with the row (docs/search.md, Files).
                search_body=file_body(file.name, file.title),
                updated=self.now_us,
            )
        )
        if upload is None:
            return
        length, expires_us = upload
        self.conn.execute(
            insert(file_uploads).values(
                team_id=file.team_id,
                file_id=file.id,
                user_id=file.user_id,
                length=length,
                expires=expires_us,
                created=self.now_us,
            )
        )

    def get_file(self, team_id: str, file_id: str) -> File | None:
        row = self.conn.execute(
            select(files).where(files.c.team_id == team_id, files.c.file_id == file_id)
        ).first()
        return _file(row) if row else None

    def files_by_ids(self, refs: list[tuple[str, str]]) -> dict[tuple[str, str], File]:
        """The files of these (team, id) pairs that exist, in one statement."""
        if not refs:
            return {}
        rows = self.conn.execute(
            select(files).where(
                or_(*(and_(files.c.team_id == t, files.c.file_id == f) for t, f in set(refs)))
            )
        ).all()
        return {(r.team_id, r.file_id): _file(r) for r in rows}

    def pending_upload(self, team_id: str, file_id: str) -> tuple[str, int, int] | None:
        """(uploader, announced length, expiry in µs) of an upload URL not used yet."""
        row = self.conn.execute(
            select(file_uploads.c.user_id, file_uploads.c.length, file_uploads.c.expires).where(
                file_uploads.c.team_id == team_id, file_uploads.c.file_id == file_id
            )
        ).first()
        return (row.user_id, row.length, row.expires) if row else None

    def drop_upload(self, team_id: str, file_id: str) -> bool:
        """Takes the pending upload away; False if it was not there (used, or never)."""
        done = self.conn.execute(
            delete(file_uploads).where(
                file_uploads.c.team_id == team_id, file_uploads.c.file_id == file_id
            )
        )
        return bool(done.rowcount)

    def set_file(self, team_id: str, file_id: str, **values: Any) -> None:
        if "thumbs" in values:
            values["thumbs"] = orjson.dumps(values["thumbs"]).decode()
        if values.get("state") == DELETED:
            values["search_body"] = None  # out of the index at once (docs/search.md, Files)
        elif "name" in values or "title" in values:
            # The search index follows the name and title in the same statement.
            now = self.get_file(team_id, file_id)
            if now is not None:
                name, title = values.get("name", now.name), values.get("title", now.title)
                values["search_body"] = file_body(name, title)
        self.conn.execute(
            update(files)
            .where(files.c.team_id == team_id, files.c.file_id == file_id)
            .values(updated=self.now_us, **values)
        )

    def forget_file(self, team_id: str, file_id: str) -> None:
        """Deletes a file that was never shown to anyone (files.upload refused after its row
        was written), with whatever else names it."""
        for table in (file_thumbs, file_shares, file_uploads, files):
            self.conn.execute(
                delete(table).where(table.c.team_id == team_id, table.c.file_id == file_id)
            )

    def bytes_held(self, team_id: str) -> int:
        """What counts against the workspace's quota: stored files not deleted, and the lengths
        announced for uploads still allowed. A file imported without its bytes holds none."""
        stored = self.conn.execute(
            select(func.coalesce(func.sum(files.c.size), 0)).where(
                files.c.team_id == team_id,
                files.c.state.in_(_HELD),
                files.c.blob_key.is_not(None),
            )
        ).scalar_one()
        coming = self.conn.execute(
            select(func.coalesce(func.sum(file_uploads.c.length), 0)).where(
                file_uploads.c.team_id == team_id, file_uploads.c.expires > self.now_us
            )
        ).scalar_one()
        return int(stored) + int(coming)

    def blob_in_use(self, team_id: str, blob_key: str, *, besides: str) -> bool:
        """Whether a file other than `besides` still names the blob, as its bytes or as one of
        its thumbnails (keys are per content: two files of the same image share both), or a
        custom emoji does."""
        row = self.conn.execute(
            select(files.c.file_id)
            .where(
                files.c.team_id == team_id,
                files.c.blob_key == blob_key,
                files.c.file_id != besides,
                files.c.state != DELETED,
            )
            .limit(1)
        ).first()
        if row is not None:
            return True
        thumb = self.conn.execute(
            select(file_thumbs.c.file_id)
            .where(
                file_thumbs.c.team_id == team_id,
                file_thumbs.c.blob_key == blob_key,
                file_thumbs.c.file_id != besides,
            )
            .limit(1)
        ).first()
        if thumb is not None:
            return True
        return bool(self.named_by_emoji(team_id, [blob_key]))

    def named_by_emoji(self, team_id: str, keys: list[str]) -> set[str]:
        """Of these keys, those a custom emoji's image is."""
        return set(
            self.conn.execute(
                select(emoji.c.blob_key).where(
                    emoji.c.team_id == team_id, emoji.c.blob_key.in_(keys)
                )
            ).scalars()
        )

    def named_blobs(self, team_id: str, keys: list[str]) -> set[str]:
        """Of these keys, those a file not deleted, a thumbnail or a custom emoji names (the
        sweep of orphans deletes the others, once they are old enough)."""
        if not keys:
            return set()
        named = self.conn.execute(
            select(files.c.blob_key).where(
                files.c.team_id == team_id, files.c.blob_key.in_(keys), files.c.state != DELETED
            )
        ).scalars()
        thumbs = self.conn.execute(
            select(file_thumbs.c.blob_key).where(
                file_thumbs.c.team_id == team_id, file_thumbs.c.blob_key.in_(keys)
            )
        ).scalars()
        return {*named, *thumbs, *self.named_by_emoji(team_id, keys)}

    # -- thumbnails (services/thumbnails.py) -------------------------------------------------

    def set_thumbs(
        self, team_id: str, file_id: str, width: int, height: int, thumbs: list[Thumb]
    ) -> None:
        """The image's size as shown and its thumbnails: on the file's row (what a file object
        shows) and one file_thumbs row each (what a download and the count of a blob's users
        read)."""
        self.set_file(
            team_id,
            file_id,
            original_w=width,
            original_h=height,
            thumbs={t.edge: [t.width, t.height] for t in thumbs},
        )
        if thumbs:
            self.conn.execute(
                insert(file_thumbs),
                [
                    {
                        "team_id": team_id,
                        "file_id": file_id,
                        "edge": t.edge,
                        "width": t.width,
                        "height": t.height,
                        "mimetype": t.mimetype,
                        "blob_key": t.blob_key,
                        "size": t.size,
                    }
                    for t in thumbs
                ],
            )

    def thumbs_of(self, team_id: str, file_id: str) -> list[Thumb]:
        rows = self.conn.execute(
            select(file_thumbs).where(
                file_thumbs.c.team_id == team_id, file_thumbs.c.file_id == file_id
            )
        ).all()
        return [
            Thumb(r.edge, r.width, r.height, r.blob_key, r.size, r.mimetype)
            for r in sorted(rows, key=lambda r: int(r.edge))
        ]

    def drop_thumbs(self, team_id: str, file_id: str) -> list[str]:
        """Deletes the file's thumbnails' rows (its deletion); the keys they named."""
        keys = [t.blob_key for t in self.thumbs_of(team_id, file_id)]
        self.conn.execute(
            delete(file_thumbs).where(
                file_thumbs.c.team_id == team_id, file_thumbs.c.file_id == file_id
            )
        )
        return keys

    # -- the sweep (jobs/file_sweep.py) ----------------------------------------------------

    def drop_abandoned_uploads(self, before: int, limit: int) -> int:
        """Deletes up to `limit` files of this shard that were never completed and were
        created before `before` (seconds): pending ones (an upload URL nobody used) and
        uploaded ones (bytes sent, never completed: shown to nobody, named by no message).
        Their blobs become orphans, for the sweep. How many it deleted."""
        found = self.conn.execute(
            select(files.c.team_id, files.c.file_id)
            .where(files.c.state.in_((PENDING, UPLOADED)), files.c.created < before)
            .limit(limit)
        ).all()
        for team_id, file_id in found:
            for table in (file_uploads, files):
                self.conn.execute(
                    delete(table).where(table.c.team_id == team_id, table.c.file_id == file_id)
                )
        return len(found)

    def add_file_share(self, team_id: str, share: FileShare) -> None:
        self.conn.execute(
            insert(file_shares).values(
                team_id=team_id,
                file_id=share.file_id,
                channel_id=share.channel_id,
                ts=share.ts,
                channel_team_id=share.channel_team_id,
                thread_ts=share.thread_ts,
                user_id=share.user_id,
                created=share.created,
            )
        )

    def shares_of_file(self, team_id: str, file_id: str) -> list[FileShare]:
        rows = self.conn.execute(
            select(file_shares)
            .where(file_shares.c.team_id == team_id, file_shares.c.file_id == file_id)
            .order_by(file_shares.c.created, file_shares.c.ts)
        ).all()
        return [_share(r) for r in rows]

    def files_page(
        self,
        team_id: str,
        *,
        user_id: str | None,
        channel: tuple[str, str] | None,
        filetypes: frozenset[str] | None,
        ts_from: int | None,
        ts_to: int | None,
        before: tuple[int, str] | None,
        limit: int,
    ) -> list[File]:
        """Ready files of the workspace, newest first (created, then id, descending), after the
        position `before`; of one uploader, of those shared in one (team, channel), of these
        filetypes, created between ts_from and ts_to (seconds, inclusive)."""
        c = files.c
        query = select(files).where(c.team_id == team_id, c.state == "ready")
        if user_id:
            query = query.where(c.user_id == user_id)
        if channel is not None:
            shared = select(file_shares.c.file_id).where(
                file_shares.c.team_id == team_id,
                file_shares.c.channel_team_id == channel[0],
                file_shares.c.channel_id == channel[1],
            )
            query = query.where(c.file_id.in_(shared))
        if filetypes is not None:
            query = query.where(c.filetype.in_(sorted(filetypes)))
        if ts_from is not None:
            query = query.where(c.created >= ts_from)
        if ts_to is not None:
            query = query.where(c.created <= ts_to)
        if before is not None:
            created, file_id = before
            query = query.where(
                or_(c.created < created, and_(c.created == created, c.file_id < file_id))
            )
        rows = self.conn.execute(
            query.order_by(c.created.desc(), c.file_id.desc()).limit(limit)
        ).all()
        return [_file(r) for r in rows]
