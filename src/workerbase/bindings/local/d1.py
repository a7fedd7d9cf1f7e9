"""D1 on a local SQLite file, behaving like D1 as seen from Python Workers.

What we copy from D1 (each pinned by tests/contracts/test_database.py against Miniflare):
* foreign keys on; `batch()` is one transaction; statements that open transactions are refused;
* D1's size limits (checked in `d1_rules`, and set as SQLite limits as a second guard);
* numbers: D1 binds every JS number as REAL (`SELECT typeof(?)` with 5 is 'real'), and Pyodide turns any
  integral JS number back into a Python int. So we bind int and bool as float and read integral floats
  back as int: `SELECT ? || ''` with 5 gives '5.0' here as on D1, and a bug that relies on it shows up
  locally instead of after deploy.
* `meta`: `changes` and `last_row_id` exactly; `rows_read`/`rows_written` are estimates (rows returned,
  rows changed), where D1 counts rows scanned and index entries written.
"""

from __future__ import annotations

import functools
import math
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from workerbase.bindings import d1_rules
from workerbase.errors import UnsupportedValue, WorkerbaseError
from workerbase.ports import QueryMeta, QueryResult, Row, SqlParam, SqlValue, Statement

_NUMBERED_PLACEHOLDER = re.compile(r"\?\d")
_READ_AS_IS = frozenset({str, bytes, type(None)})


class SqliteDatabase:
    def __init__(self, path: Path | str) -> None:
        # One connection used from the event loop only; check_same_thread is off because test clients run
        # the app on a worker thread.
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA foreign_keys = ON")
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA busy_timeout = 5000")
        for limit, value in (
            (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, d1_rules.MAX_BOUND_PARAMETERS),
            (sqlite3.SQLITE_LIMIT_SQL_LENGTH, d1_rules.MAX_STATEMENT_BYTES),
            (sqlite3.SQLITE_LIMIT_LENGTH, d1_rules.MAX_VALUE_BYTES),
            (sqlite3.SQLITE_LIMIT_COLUMN, d1_rules.MAX_COLUMNS),
        ):
            self._connection.setlimit(limit, value)
        # D1's 30 s limit applies to query() and batch() only: the local runtime's migrations use the raw
        # connection, and one that indexes a table of some size would be interrupted.
        self._deadline = math.inf
        self._connection.set_progress_handler(self._past_deadline, 10_000)

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for the local runtime's migrations only."""
        return self._connection

    def close(self) -> None:
        self._connection.close()

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult:
        d1_rules.check_statement(sql, params)
        return self._run(Statement(sql, params))

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        for statement in statements:
            d1_rules.check_statement(statement.sql, statement.params)
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            results = [self._run(statement) for statement in statements]
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")
        return results

    def _run(self, statement: Statement) -> QueryResult:
        self._deadline = time.monotonic() + d1_rules.QUERY_TIMEOUT_SECONDS
        changes_before = self._connection.total_changes
        try:
            cursor = self._connection.execute(statement.sql, _bound(statement))
            rows = _readable_rows([column[0] for column in cursor.description or ()], cursor.fetchall())
            # Like D1, count every row changed, including by cascades and triggers.
            changes = self._connection.total_changes - changes_before
            # sqlite3 sets `lastrowid` from sqlite3_last_insert_rowid() after every execute (3.11-3.13;
            # pinned by tests/unit/test_local_d1.py), which is what D1 reports.
            last_row_id = cursor.lastrowid or 0
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        finally:
            self._deadline = math.inf
        meta = QueryMeta(changes=changes, last_row_id=last_row_id, rows_read=len(rows), rows_written=changes)
        return QueryResult(rows=rows, meta=meta)

    def _past_deadline(self) -> int:
        return 1 if time.monotonic() > self._deadline else 0


def _readable_rows(names: list[str], records: list[tuple[SqlValue, ...]]) -> list[Row]:
    """Rows as dicts, with numbers as D1 reads them (see `readable`). Numbers are looked at a column at
    a time, where `zip(*records)` and `map(type, ...)` run in C: a `readable` call for every value was
    most of this adapter's cost on a page of messages."""
    columns = list(zip(*records, strict=True))
    converted = False
    for index, column in enumerate(columns):
        kinds = set(map(type, column))
        if kinds <= _READ_AS_IS:
            continue
        if float not in kinds:  # integers as SQLite returned them: only their range needs a look
            integers = column if len(kinds) == 1 else [value for value in column if type(value) is int]
            if max(integers) <= d1_rules.MAX_SAFE_INTEGER and min(integers) >= -d1_rules.MAX_SAFE_INTEGER:
                continue
        columns[index] = tuple(map(readable, column))
        converted = True
    return [
        dict(zip(names, values, strict=True))
        for values in (zip(*columns, strict=True) if converted else records)
    ]


def _bound(statement: Statement) -> list[SqlValue] | dict[str, SqlValue]:
    values = [bindable(param) for param in statement.params]
    # Python's sqlite3 wants numbered placeholders (`?1`, as D1 allows) bound by name (deprecated by
    # position since 3.12, an error from 3.14).
    if _numbered(statement.sql):
        return {str(position): value for position, value in enumerate(values, start=1)}
    return values


@functools.lru_cache(maxsize=1024)  # statements are mostly constants of the repositories
def _numbered(sql: str) -> bool:
    return _NUMBERED_PLACEHOLDER.search(sql) is not None


def bindable(value: SqlParam) -> SqlValue:
    # bool is an int subclass: both become REAL, as JS numbers and booleans do in D1.
    return float(value) if isinstance(value, int) else value


def readable(value: SqlValue) -> SqlValue:
    if type(value) is float and value.is_integer() and abs(value) <= d1_rules.MAX_SAFE_INTEGER:
        return int(value)
    if type(value) is int and abs(value) > d1_rules.MAX_SAFE_INTEGER:
        # D1 would hand Python a rounded float here; failing loudly beats silent corruption.
        raise UnsupportedValue(f"integer {value} read from the database is outside +-(2^53 - 1)")
    return value


def translate(exc: sqlite3.Error) -> WorkerbaseError:
    code_name = getattr(exc, "sqlite_errorname", None) or "SQLITE_ERROR"
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError):
        code_name = "SQLITE_ERROR"  # misuse such as two statements in one string
    return d1_rules.error_from_sqlite(code_name, str(exc))
