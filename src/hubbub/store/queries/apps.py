"""Apps, their slash commands, and the response URLs of commands and of presses on blocks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update

from hubbub.domain.apps import App, Command, Shortcut
from hubbub.store.queries.base import TxBase
from hubbub.store.tables_apps import app_commands, apps, command_responses


def shortcuts_json(shortcuts: tuple[Shortcut, ...]) -> str:
    return orjson.dumps([asdict(s) for s in shortcuts]).decode()


def _split(text: str) -> frozenset[str]:
    return frozenset(s for s in text.split(",") if s)


def _app(row: Any, commands: tuple[Command, ...]) -> App:
    return App(
        team_id=row.team_id,
        id=row.app_id,
        name=row.name,
        bot_user_id=row.bot_user_id,
        bot_id=row.bot_id,
        scopes=_split(row.scopes),
        signing_secret=row.signing_secret,
        verification_token=row.verification_token,
        events=_split(row.events),
        request_url=row.request_url,
        socket_mode=bool(row.socket_mode),
        created=int(row.created),
        commands=commands,
        interactivity_url=row.interactivity_url,
        shortcuts=tuple(Shortcut(**s) for s in orjson.loads(row.shortcuts or "[]")),
    )


class AppQueries(TxBase):
    def insert_app(self, app: App) -> None:
        self.conn.execute(
            insert(apps).values(
                team_id=app.team_id,
                app_id=app.id,
                name=app.name,
                bot_user_id=app.bot_user_id,
                bot_id=app.bot_id,
                scopes=",".join(sorted(app.scopes)),
                signing_secret=app.signing_secret,
                verification_token=app.verification_token,
                events=",".join(sorted(app.events)),
                request_url=app.request_url,
                socket_mode=app.socket_mode,
                created=app.created,
                interactivity_url=app.interactivity_url,
                shortcuts=shortcuts_json(app.shortcuts),
            )
        )
        for command in app.commands:
            self.put_command(app.team_id, app.id, command)

    def update_app(self, team_id: str, app_id: str, **values: Any) -> None:
        for name in ("scopes", "events"):
            if name in values:
                values[name] = ",".join(sorted(values[name]))
        if "shortcuts" in values:
            values["shortcuts"] = shortcuts_json(values["shortcuts"])
        self.conn.execute(
            update(apps).where(apps.c.team_id == team_id, apps.c.app_id == app_id).values(**values)
        )

    def put_command(self, team_id: str, app_id: str, command: Command) -> bool:
        """False if another app of the workspace has this command already."""
        held = self.conn.execute(
            select(app_commands.c.app_id).where(
                app_commands.c.team_id == team_id, app_commands.c.command == command.command
            )
        ).scalar()
        if held is not None and held != app_id:
            return False
        self.conn.execute(
            delete(app_commands).where(
                app_commands.c.team_id == team_id, app_commands.c.command == command.command
            )
        )
        self.conn.execute(
            insert(app_commands).values(
                team_id=team_id,
                command=command.command,
                app_id=app_id,
                url=command.url,
                description=command.description,
            )
        )
        return True

    def _commands(self, team_id: str, app_id: str) -> tuple[Command, ...]:
        rows = self.conn.execute(
            select(app_commands)
            .where(app_commands.c.team_id == team_id, app_commands.c.app_id == app_id)
            .order_by(app_commands.c.command)
        )
        return tuple(Command(r.command, r.url, r.description) for r in rows)

    def get_app(self, team_id: str, app_id: str) -> App | None:
        row = self.conn.execute(
            select(apps).where(apps.c.team_id == team_id, apps.c.app_id == app_id)
        ).first()
        return None if row is None else _app(row, self._commands(team_id, app_id))

    def list_apps(self, team_id: str) -> list[App]:
        rows = self.conn.execute(
            select(apps).where(apps.c.team_id == team_id).order_by(apps.c.app_id)
        ).all()
        return [_app(r, ()) for r in rows]

    def app_of_bot(self, team_id: str, bot_id: str) -> App | None:
        """The workspace's app whose bot has this bot id, without its commands."""
        row = self.conn.execute(
            select(apps).where(apps.c.team_id == team_id, apps.c.bot_id == bot_id)
        ).first()
        return None if row is None else _app(row, ())

    def command_app(self, team_id: str, command: str) -> tuple[App, Command] | None:
        row = self.conn.execute(
            select(app_commands).where(
                app_commands.c.team_id == team_id, app_commands.c.command == command
            )
        ).first()
        if row is None:
            return None
        app = self.get_app(team_id, row.app_id)
        return None if app is None else (app, Command(row.command, row.url, row.description))

    # -- response URLs ---------------------------------------------------------------------

    def insert_command_response(
        self,
        team_id: str,
        code_hash: str,
        *,
        app_id: str,
        channel_id: str,
        user_id: str,
        expires: int,
        uses: int,
        invocation: str | None,
        source_ts: str | None = None,
    ) -> None:
        self.conn.execute(
            insert(command_responses).values(
                team_id=team_id,
                code_hash=code_hash,
                app_id=app_id,
                channel_id=channel_id,
                user_id=user_id,
                expires=expires,
                uses_left=uses,
                invocation=invocation,
                source_ts=source_ts,
            )
        )

    def command_invocation(self, team_id: str, code_hash: str) -> str | None:
        """The person's `/cmd text` while no answer in the channel has shown it."""
        found: str | None = self.conn.execute(
            select(command_responses.c.invocation).where(
                command_responses.c.team_id == team_id,
                command_responses.c.code_hash == code_hash,
            )
        ).scalar()
        return found

    def take_command_invocation(self, team_id: str, code_hash: str) -> str | None:
        """The person's `/cmd text`, the first time it is asked for; None after."""
        row = (command_responses.c.team_id == team_id, command_responses.c.code_hash == code_hash)
        found: str | None = self.conn.execute(
            select(command_responses.c.invocation).where(*row)
        ).scalar()
        if found is not None:
            self.conn.execute(update(command_responses).where(*row).values(invocation=None))
        return found

    def use_command_response(
        self, team_id: str, code_hash: str, *, pressed: bool = False
    ) -> dict[str, Any] | None:
        """The response URL's target, counting one use; None if unknown, used up or expired,
        or of the other kind (pressed: a press on a message's block, else a slash command)."""
        row = self.conn.execute(
            select(command_responses).where(
                command_responses.c.team_id == team_id,
                command_responses.c.code_hash == code_hash,
            )
        ).first()
        if row is None or row.uses_left <= 0 or row.expires <= self.now:
            return None
        if (row.source_ts is not None) != pressed:
            return None
        self.conn.execute(
            update(command_responses)
            .where(
                command_responses.c.team_id == team_id,
                command_responses.c.code_hash == code_hash,
            )
            .values(uses_left=row.uses_left - 1)
        )
        return dict(row._mapping)

    def command_response_ts(self, team_id: str, code_hash: str) -> str | None:
        value: str | None = self.conn.execute(
            select(command_responses.c.last_ts).where(
                command_responses.c.team_id == team_id,
                command_responses.c.code_hash == code_hash,
            )
        ).scalar()
        return value

    def set_command_response_ts(self, team_id: str, code_hash: str, ts: str | None) -> None:
        self.conn.execute(
            update(command_responses)
            .where(
                command_responses.c.team_id == team_id,
                command_responses.c.code_hash == code_hash,
            )
            .values(last_ts=ts)
        )
