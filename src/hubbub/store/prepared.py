"""Statements built once with SQLAlchemy Core, compiled once per dialect, run on the driver.

Building a Core statement and sending it through the engine costs ~100-400 µs of Python per call
here; the driver itself runs a point query in ~15 µs. The write path runs a handful of statements
per message, so its statements are built at import time and executed straight on the DB-API cursor
(with named parameters, which both sqlite3 and psycopg take), inside the transaction the
SQLAlchemy connection opened.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import ClauseElement

_NAMED_SQLITE = sqlite.dialect(paramstyle="named")


class Prepared:
    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}
        self._row: Any = None

    def compiled(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """The SQL text, and the values of literals Core turned into parameters (`x + 1`)."""
        found = self._compiled.get(dialect.name)
        if found is None:
            target = _NAMED_SQLITE if dialect.name == "sqlite" else dialect
            compiled: Any = self.stmt.compile(dialect=target)
            literals = {
                name: bind.value
                for name, bind in ((compiled.bind_names[b], b) for b in compiled.binds.values())
                if not bind.required
            }
            found = (str(compiled), literals)
            self._compiled[dialect.name] = found
        return found

    def row_type(self, description: Any) -> Any:
        """The row class, made from the first result's column names (the SQL never changes)."""
        if self._row is None:
            self._row = namedtuple("Row", [d[0] for d in description])  # type: ignore[misc]
        return self._row


# A positional parameter, per dialect: sqlite3 and psycopg's own placeholders.
_MARKS = {"sqlite": "?", "postgresql": "%s"}


class PositionalInsert:
    """An INSERT of the given columns bound by position, for rows given as tuples: no dict per
    row to build, nor for the driver to look each parameter's name up in (the bulk writes of an
    import, where that was a tenth of the writer's time). ON CONFLICT DO NOTHING if asked,
    which SQLite and PostgreSQL both spell so."""

    def __init__(self, table: Table, columns: tuple[str, ...], *, or_nothing: bool = False) -> None:
        self.columns = columns
        self._head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        self._tail = " ON CONFLICT DO NOTHING" if or_nothing else ""
        self._sql = {dialect: self.sql_of(mark, 1) for dialect, mark in _MARKS.items()}

    def sql(self, dialect: Dialect) -> str:
        """The statement of one row."""
        return self._sql[dialect.name]

    def sql_of(self, mark: str, rows: int) -> str:
        """The statement of this many rows, each its own VALUES tuple."""
        one = f"({', '.join(mark for _ in self.columns)})"
        return self._head + ", ".join(one for _ in range(rows)) + self._tail


def insert_all(table: Table) -> Prepared:
    """An INSERT of every column of the table, each bound by its own name."""
    return Prepared(insert(table).values({c.name: bindparam(c.name) for c in table.columns}))


class Runner:
    """Runs prepared statements on one connection's driver."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.raw: Any = conn.connection.driver_connection

    def execute(self, q: Prepared, params: Mapping[str, Any]) -> Any:
        sql, literals = q.compiled(self.dialect)
        cur = self.raw.cursor()
        cur.execute(sql, {**literals, **params} if literals else params)
        return cur

    def execute_many(self, q: Prepared, params: list[Mapping[str, Any]]) -> None:
        """One statement for many rows of parameters, looped over in the driver."""
        sql, literals = q.compiled(self.dialect)
        cur = self.raw.cursor()
        cur.executemany(sql, [{**literals, **p} for p in params] if literals else params)

    def insert_rows(self, q: PositionalInsert, rows: Sequence[Sequence[Any]]) -> None:
        """Many rows of q's columns, each a tuple in their order.

        On SQLite, as few statements as its limit on parameters allows, each of many rows: an
        executemany steps once per row, and sqlite3 gives up the GIL around every step, so
        while another thread of the process runs Python (an import reads the next batch) each
        row waited for the GIL again, up to the switch interval (5 ms). A 5,000-row batch is
        bound in one go and written without the GIL. PostgreSQL's driver pipelines an
        executemany on its own."""
        if self.dialect.name != "sqlite":
            self.raw.cursor().executemany(q.sql(self.dialect), rows)
            return
        per = max(1, self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(q.columns))
        cur = self.raw.cursor()
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            cur.execute(q.sql_of("?", len(chunk)), [value for row in chunk for value in row])

    def rows(self, q: Prepared, params: Mapping[str, Any]) -> list[Any]:
        cur = self.execute(q, params)
        found = cur.fetchall()
        if not found:
            return []
        make = q.row_type(cur.description)._make
        return [make(r) for r in found]

    def first(self, q: Prepared, params: Mapping[str, Any]) -> Any:
        cur = self.execute(q, params)
        row = cur.fetchone()
        return None if row is None else q.row_type(cur.description)._make(row)
