"""User groups and their members (domain/usergroups.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from hubbub.domain.usergroups import Usergroup, name_key
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import usergroup_members, usergroups, users


def _group(row: Any) -> Usergroup:
    return Usergroup(
        team_id=row.team_id,
        id=row.usergroup_id,
        name=row.name,
        handle=row.handle,
        description=row.description,
        channels=tuple(c for c in row.channels.split(",") if c),
        created=int(row.created),
        created_by=row.created_by,
        updated=int(row.updated),
        updated_by=row.updated_by,
        deleted=int(row.deleted),
        deleted_by=row.deleted_by,
    )


def _values(group: Usergroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "name_key": name_key(group.name),
        "handle": group.handle,
        "description": group.description,
        "channels": ",".join(group.channels),
        "updated": group.updated,
        "updated_by": group.updated_by,
        "deleted": group.deleted,
        "deleted_by": group.deleted_by,
    }


class UsergroupQueries(TxBase):
    def insert_usergroup(self, group: Usergroup) -> bool:
        """False (nothing written) if its name or handle is taken meanwhile."""
        return self._try(
            insert(usergroups).values(
                team_id=group.team_id,
                usergroup_id=group.id,
                created=group.created,
                created_by=group.created_by,
                **_values(group),
            )
        )

    def update_usergroup(self, group: Usergroup) -> bool:
        """False (nothing written) if its new name or handle is taken meanwhile."""
        return self._try(
            update(usergroups)
            .where(usergroups.c.team_id == group.team_id, usergroups.c.usergroup_id == group.id)
            .values(**_values(group))
        )

    def get_usergroup(self, team_id: str, usergroup_id: str) -> Usergroup | None:
        row = self.conn.execute(
            select(usergroups).where(
                usergroups.c.team_id == team_id, usergroups.c.usergroup_id == usergroup_id
            )
        ).first()
        return _group(row) if row else None

    def usergroup_taken(
        self, team_id: str, name: str | None, handle: str | None, other_than: str = ""
    ) -> str | None:
        """Slack's error if another group has this name or handle, or a person the handle
        as their name."""
        if name is not None:
            found = self.conn.execute(
                select(usergroups.c.usergroup_id).where(
                    usergroups.c.team_id == team_id,
                    usergroups.c.name_key == name_key(name),
                    usergroups.c.usergroup_id != other_than,
                )
            ).first()
            if found:
                return "name_already_exists"
        if handle is not None:
            found = self.conn.execute(
                select(usergroups.c.usergroup_id).where(
                    usergroups.c.team_id == team_id,
                    usergroups.c.handle == handle,
                    usergroups.c.usergroup_id != other_than,
                )
            ).first()
            person = self.conn.execute(
                select(users.c.user_id).where(users.c.team_id == team_id, users.c.name == handle)
            ).first()
            if found or person:
                return "handle_already_exists"
        return None

    def list_usergroups(self, team_id: str, *, disabled: bool) -> list[Usergroup]:
        query = select(usergroups).where(usergroups.c.team_id == team_id)
        if not disabled:
            query = query.where(usergroups.c.deleted == 0)
        rows = self.conn.execute(query.order_by(usergroups.c.name_key))
        return [_group(r) for r in rows]

    def usergroup_member_ids(self, team_id: str, usergroup_id: str) -> list[str]:
        rows = self.conn.execute(
            select(usergroup_members.c.user_id)
            .where(
                usergroup_members.c.team_id == team_id,
                usergroup_members.c.usergroup_id == usergroup_id,
            )
            .order_by(usergroup_members.c.user_id)
        )
        return [r.user_id for r in rows]

    def usergroup_members_of(
        self, team_id: str, usergroup_ids: Iterable[str]
    ) -> dict[str, list[str]]:
        """Each group's members, for these groups (all of them, enabled or not)."""
        ids = sorted(set(usergroup_ids))
        out: dict[str, list[str]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self.conn.execute(
            select(usergroup_members.c.usergroup_id, usergroup_members.c.user_id)
            .where(
                usergroup_members.c.team_id == team_id,
                usergroup_members.c.usergroup_id.in_(ids),
            )
            .order_by(usergroup_members.c.usergroup_id, usergroup_members.c.user_id)
        )
        for row in rows:
            out[row.usergroup_id].append(row.user_id)
        return out

    def usergroups_of(self, team_id: str, user_id: str) -> list[str]:
        """The enabled groups user_id is a member of."""
        rows = self.conn.execute(
            select(usergroup_members.c.usergroup_id)
            .join(
                usergroups,
                (usergroups.c.team_id == usergroup_members.c.team_id)
                & (usergroups.c.usergroup_id == usergroup_members.c.usergroup_id),
            )
            .where(
                usergroup_members.c.team_id == team_id,
                usergroup_members.c.user_id == user_id,
                usergroups.c.deleted == 0,
            )
        )
        return [r.usergroup_id for r in rows]

    def usergroup_counts(self, team_id: str) -> dict[str, int]:
        """Members per group of the workspace (groups without members absent)."""
        rows = self.conn.execute(
            select(usergroup_members.c.usergroup_id, func.count())
            .where(usergroup_members.c.team_id == team_id)
            .group_by(usergroup_members.c.usergroup_id)
        )
        return {r[0]: int(r[1]) for r in rows}

    def set_usergroup_members(
        self, team_id: str, usergroup_id: str, user_ids: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """Makes the group's members exactly these; answers who was added and who removed."""
        wanted = set(user_ids)
        now = set(self.usergroup_member_ids(team_id, usergroup_id))
        added, removed = sorted(wanted - now), sorted(now - wanted)
        if removed:
            self.conn.execute(
                delete(usergroup_members).where(
                    usergroup_members.c.team_id == team_id,
                    usergroup_members.c.usergroup_id == usergroup_id,
                    usergroup_members.c.user_id.in_(removed),
                )
            )
        if added:
            self.conn.execute(
                insert(usergroup_members),
                [{"team_id": team_id, "usergroup_id": usergroup_id, "user_id": u} for u in added],
            )
        return added, removed
