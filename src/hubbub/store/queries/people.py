"""Teams, people and their tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, insert, select, update

from hubbub.domain.errors import SlackError
from hubbub.domain.model import Identity, Team, User
from hubbub.store.prepared import Prepared, insert_all
from hubbub.store.queries.base import TxBase
from hubbub.store.rows import key, team_row, user_row
from hubbub.store.tables import teams, tokens, users

# Auth runs on every call: its statement is built once (store/prepared.py).
_IDENTITY_SELECT = (
    select(
        tokens.c.team_id,
        tokens.c.user_id,
        tokens.c.kind,
        tokens.c.scopes,
        tokens.c.app_id,
        users.c.is_admin,
        users.c.bot_id,
        users.c.deleted,
    )
    .join(users, and_(users.c.team_id == tokens.c.team_id, users.c.user_id == tokens.c.user_id))
    .where(tokens.c.token_hash == bindparam("token_hash"), tokens.c.revoked.is_(False))
)
_IDENTITY = Prepared(_IDENTITY_SELECT)
# A change to any of these users columns changes what _IDENTITY answers for the person's tokens.
_IDENTITY_USER_COLUMNS = frozenset(
    c.name for c in _IDENTITY_SELECT.selected_columns if c.table is users
)
_GET_TEAM = Prepared(select(teams).where(key(teams, "team_id")))
_GET_USER = Prepared(select(users).where(key(users, "team_id", "user_id")))
_BY_EMAIL = Prepared(select(users).where(key(users, "team_id", "email")))
_INSERT_USER = insert_all(users)


class PeopleQueries(TxBase):
    # -- teams --------------------------------------------------------------------------------

    def insert_team(self, team: Team) -> None:
        if not self._try(
            insert(teams).values(
                team_id=team.id, name=team.name, domain=team.domain, created=team.created
            )
        ):
            raise SlackError("domain_taken")

    def get_team(self, team_id: str) -> Team | None:
        row = self.run.first(_GET_TEAM, {"team_id": team_id})
        return team_row(row) if row else None

    def get_team_by_domain(self, domain: str) -> Team | None:
        row = self.conn.execute(select(teams).where(teams.c.domain == domain)).first()
        return team_row(row) if row else None

    def list_teams(self) -> list[Team]:
        return [team_row(r) for r in self.conn.execute(select(teams).order_by(teams.c.team_id))]

    # -- users --------------------------------------------------------------------------------

    def insert_users(self, people: Sequence[User]) -> None:
        """Many people at once, none with a password yet (an import's, in one statement);
        already_exists if one's id, name or email is taken, as insert_user."""
        if not people:
            return
        try:
            self.run.execute_many(
                _INSERT_USER,
                [
                    {
                        "team_id": user.team_id,
                        "user_id": user.id,
                        "name": user.name,
                        "real_name": user.real_name,
                        "email": user.email,
                        "is_admin": user.is_admin,
                        "is_owner": user.is_owner,
                        "is_bot": user.is_bot,
                        "bot_id": user.bot_id,
                        "deleted": user.deleted,
                        "tz": user.tz,
                        "manual_away": user.manual_away,
                        "password_hash": None,
                        "profile": orjson.dumps(user.profile).decode(),
                        "created": self.now,
                        "updated": user.updated,
                    }
                    for user in people
                ],
            )
        except self.conn.dialect.loaded_dbapi.IntegrityError as exc:
            # The unit fails whole: what the statement wrote before the conflict goes with it.
            raise SlackError("already_exists") from exc

    def insert_user(self, user: User, password_hash: str | None = None) -> None:
        if not self._try(
            insert(users).values(
                team_id=user.team_id,
                user_id=user.id,
                name=user.name,
                real_name=user.real_name,
                email=user.email,
                is_admin=user.is_admin,
                is_owner=user.is_owner,
                is_bot=user.is_bot,
                bot_id=user.bot_id,
                deleted=user.deleted,
                tz=user.tz,
                manual_away=user.manual_away,
                password_hash=password_hash,
                profile=orjson.dumps(user.profile).decode(),
                created=self.now,
                updated=user.updated,
            )
        ):
            raise SlackError("already_exists")

    def get_user(self, team_id: str, user_id: str) -> User | None:
        row = self.run.first(_GET_USER, {"team_id": team_id, "user_id": user_id})
        return user_row(row) if row else None

    def get_bot_user(self, team_id: str, bot_id: str) -> User | None:
        """The bot user of a bot id (an app's, a legacy bot's or an incoming webhook's)."""
        row = self.conn.execute(
            select(users).where(users.c.team_id == team_id, users.c.bot_id == bot_id)
        ).first()
        return user_row(row) if row else None

    def get_user_by_email(self, team_id: str, email: str) -> User | None:
        row = self.run.first(_BY_EMAIL, {"team_id": team_id, "email": email})
        return user_row(row) if row else None

    def get_password_hash(self, team_id: str, user_id: str) -> str | None:
        value: str | None = self.conn.execute(
            select(users.c.password_hash).where(
                users.c.team_id == team_id, users.c.user_id == user_id
            )
        ).scalar()
        return value

    def get_users(self, team_id: str, user_ids: Iterable[str]) -> dict[str, User]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(users).where(users.c.team_id == team_id, users.c.user_id.in_(ids))
        )
        return {r.user_id: user_row(r) for r in rows}

    def list_users(self, team_id: str, after: str, limit: int) -> list[User]:
        rows = self.conn.execute(
            select(users)
            .where(users.c.team_id == team_id, users.c.user_id > after)
            .order_by(users.c.user_id)
            .limit(limit)
        )
        return [user_row(r) for r in rows]

    def update_user(self, team_id: str, user_id: str, **values: Any) -> None:
        if "profile" in values:
            values["profile"] = orjson.dumps(values["profile"]).decode()
        if not _IDENTITY_USER_COLUMNS.isdisjoint(values):
            self.identity_changed = True
        self.conn.execute(
            update(users)
            .where(users.c.team_id == team_id, users.c.user_id == user_id)
            .values(updated=self.now, **values)
        )

    # -- tokens -------------------------------------------------------------------------------

    def insert_token(
        self,
        token_hash: str,
        team_id: str,
        user_id: str,
        kind: str,
        scopes: str = "",
        app_id: str | None = None,
    ) -> None:
        self.conn.execute(
            insert(tokens).values(
                token_hash=token_hash,
                team_id=team_id,
                user_id=user_id,
                kind=kind,
                scopes=scopes,
                app_id=app_id,
                created=self.now,
            )
        )

    def identity(self, token_hash: str) -> tuple[Identity, bool] | None:
        """The caller behind a live token, and whether that user is deactivated."""
        row = self.run.first(_IDENTITY, {"token_hash": token_hash})
        if row is None:
            return None
        identity = Identity(
            team_id=row.team_id,
            user_id=row.user_id,
            token_kind=row.kind,
            token_hash=token_hash,
            is_admin=bool(row.is_admin),
            bot_id=row.bot_id,
            scopes=frozenset(s for s in row.scopes.split(",") if s),
            app_id=row.app_id,
        )
        return identity, bool(row.deleted)

    def update_token_scopes(self, team_id: str, app_id: str, kind: str, scopes: str) -> None:
        self.identity_changed = True
        self.conn.execute(
            update(tokens)
            .where(tokens.c.team_id == team_id, tokens.c.app_id == app_id, tokens.c.kind == kind)
            .values(scopes=scopes)
        )

    def revoke_app_tokens(self, team_id: str, app_id: str, kind: str) -> None:
        self.identity_changed = True
        self.conn.execute(
            update(tokens)
            .where(tokens.c.team_id == team_id, tokens.c.app_id == app_id, tokens.c.kind == kind)
            .values(revoked=True)
        )

    def revoke_token(self, token_hash: str) -> None:
        self.identity_changed = True
        self.conn.execute(
            update(tokens).where(tokens.c.token_hash == token_hash).values(revoked=True)
        )
