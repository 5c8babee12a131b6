"""Modals open for people: each view of a stack, found by id or by the app's external_id."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update

from hubbub.domain.views import View, home_view_id
from hubbub.store.queries.base import TxBase
from hubbub.store.tables_apps import views


def _view(row: Any) -> View:
    return View(
        team_id=row.team_id,
        id=row.view_id,
        app_id=row.app_id,
        bot_id=row.bot_id,
        user_id=row.user_id,
        root_view_id=row.root_view_id,
        previous_view_id=row.previous_view_id,
        hash=row.hash,
        body=orjson.loads(row.body),
        state=orjson.loads(row.state),
    )


class ViewQueries(TxBase):
    def insert_view(self, view: View) -> bool:
        """False (nothing written) when the workspace has a view of this external_id."""
        return self._try(
            insert(views).values(
                team_id=view.team_id,
                view_id=view.id,
                app_id=view.app_id,
                bot_id=view.bot_id,
                user_id=view.user_id,
                root_view_id=view.root_view_id,
                previous_view_id=view.previous_view_id,
                external_id=view.external_id or None,
                hash=view.hash,
                body=orjson.dumps(view.body).decode(),
                state=orjson.dumps(view.state).decode(),
                created=self.now,
            )
        )

    def get_view(self, team_id: str, view_id: str) -> View | None:
        row = self.conn.execute(
            select(views).where(views.c.team_id == team_id, views.c.view_id == view_id)
        ).first()
        return None if row is None else _view(row)

    def view_by_external_id(self, team_id: str, external_id: str) -> View | None:
        row = self.conn.execute(
            select(views).where(views.c.team_id == team_id, views.c.external_id == external_id)
        ).first()
        return None if row is None else _view(row)

    def stack(self, team_id: str, root_view_id: str) -> list[View]:
        """The views of a modal's stack, the root first."""
        rows = self.conn.execute(
            select(views)
            .where(views.c.team_id == team_id, views.c.root_view_id == root_view_id)
            .order_by(views.c.created, views.c.view_id)
        ).all()
        found = {r.view_id: _view(r) for r in rows}
        out: list[View] = []
        at: str | None = root_view_id
        while at is not None and at in found:
            out.append(found.pop(at))
            at = next((v.id for v in found.values() if v.previous_view_id == out[-1].id), None)
        return out

    def replace_view(self, view: View) -> bool:
        """Writes the view's body, state and hash over the stored one's; False (nothing
        written) when its external_id is another view's."""
        return self._try(
            update(views)
            .where(views.c.team_id == view.team_id, views.c.view_id == view.id)
            .values(
                external_id=view.external_id or None,
                hash=view.hash,
                body=orjson.dumps(view.body).decode(),
                state=orjson.dumps(view.state).decode(),
            )
        )

    def delete_views(self, team_id: str, view_ids: list[str]) -> None:
        self.conn.execute(
            delete(views).where(views.c.team_id == team_id, views.c.view_id.in_(view_ids))
        )

    def open_root(self, team_id: str, app_id: str, user_id: str) -> str | None:
        """The root of the person's newest modal of this app, if one is open (its Home tab is
        no modal)."""
        found: str | None = self.conn.execute(
            select(views.c.root_view_id)
            .where(
                views.c.team_id == team_id,
                views.c.app_id == app_id,
                views.c.user_id == user_id,
                views.c.view_id != home_view_id(app_id, user_id),
            )
            .order_by(views.c.created.desc(), views.c.view_id.desc())
            .limit(1)
        ).scalar()
        return found
