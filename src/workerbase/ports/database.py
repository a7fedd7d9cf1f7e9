"""The database port (D1): statements, results, and one round trip per `query` or `batch`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from workerbase.frozen import Frozen

# What a statement may bind and a row may hold. `bool` binds as 1/0 and reads back as int (SQLite has no
# boolean type); BLOBs are bytes both ways; integers must stay within +-(2^53 - 1) (JS numbers).
SqlValue = None | int | float | str | bytes
SqlParam = SqlValue | bool
Row = dict[str, SqlValue]


class Statement(Frozen):
    sql: str
    params: Sequence[SqlParam] = ()


class QueryMeta(Frozen):
    changes: int = 0
    last_row_id: int = 0
    rows_read: int = 0
    rows_written: int = 0


class QueryResult(Frozen):
    rows: list[Row]
    meta: QueryMeta

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None


class Database(Protocol):
    """A D1 database. Each call is one round trip; `batch` runs its statements in one transaction."""

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult: ...

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]: ...


async def run(db: Database, statement: Statement) -> QueryResult:
    """Run one prepared `Statement` (what repositories return) as one round trip."""
    return await db.query(statement.sql, statement.params)
