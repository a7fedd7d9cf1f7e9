"""Local-only D1 behaviour the contract suite cannot pin in both runtimes."""

from __future__ import annotations

from pathlib import Path

import pytest

from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.errors import LimitExceeded, QueryError, UnsupportedValue
from workerbase.ports import Statement


async def test_reading_an_integer_past_2_53_fails_loudly(tmp_path: Path) -> None:
    # D1 would hand Python a rounded float here (Pyodide cannot tell it from a REAL); locally we fail so
    # the bug is found before deploy.
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    with pytest.raises(UnsupportedValue, match="2\\^53"):
        await db.query("SELECT 9007199254740993 AS big")


async def test_rows_over_2_mb_are_refused_like_production(tmp_path: Path) -> None:
    # Production D1 caps a row at 2 MB; Miniflare does not, so this is pinned locally only.
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (a BLOB, b BLOB)")
    with pytest.raises(LimitExceeded):
        await db.query("INSERT INTO t VALUES (?, ?)", [b"1" * 1_500_000, b"2" * 1_500_000])


async def test_a_failed_batch_leaves_the_connection_usable(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with pytest.raises(QueryError, match="no such table"):
        await db.batch([Statement("INSERT INTO t VALUES (1)"), Statement("INSERT INTO nope VALUES (1)")])
    await db.batch([Statement("INSERT INTO t VALUES (2)")])
    assert (await db.query("SELECT id FROM t")).rows == [{"id": 2}]


async def test_state_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite3"
    db = SqliteDatabase(path)
    await db.query("CREATE TABLE t (v TEXT)")
    await db.query("INSERT INTO t VALUES (?)", ["kept"])
    db.close()
    assert (await SqliteDatabase(path).query("SELECT v FROM t")).rows == [{"v": "kept"}]


async def test_the_query_time_limit_does_not_interrupt_migrations(tmp_path: Path) -> None:
    # The local runtime migrates through the raw connection; a migration indexing a table of some size
    # runs far more than the progress handler's 10,000 steps, before any query and after one.
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    long_work = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
        " SELECT count(*) FROM n"
    )
    assert db.connection.execute(long_work).fetchone() == (100000,)
    await db.query("SELECT 1")
    assert db.connection.execute(long_work).fetchone() == (100000,)
