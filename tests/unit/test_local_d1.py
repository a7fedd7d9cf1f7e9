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


async def test_last_row_id_is_sqlites_last_insert_rowid_after_every_kind_of_statement(tmp_path: Path) -> None:
    # The adapter reads it from `cursor.lastrowid`, which CPython's sqlite3 sets after every execute.
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    await db.query("CREATE TABLE log (id INTEGER PRIMARY KEY)")
    await db.query("CREATE TRIGGER logged AFTER UPDATE ON t BEGIN INSERT INTO log (id) VALUES (NULL); END")
    statements = [
        "INSERT INTO t (v) VALUES ('a')",
        "INSERT INTO t (v) VALUES ('b'), ('c')",
        "SELECT * FROM t",
        "UPDATE t SET v = 'z'",
        "INSERT INTO t (v) SELECT v FROM t RETURNING id",
        "DELETE FROM t WHERE id = 1",
        "INSERT INTO t (id, v) VALUES (2, 'again') ON CONFLICT DO NOTHING",
    ]
    for sql in statements:
        (result,) = await db.batch([Statement(sql)])
        expected = db.connection.execute("SELECT last_insert_rowid()").fetchone()[0]
        assert result.meta.last_row_id == expected, sql


async def test_numbers_read_back_as_d1_reads_them_in_columns_of_mixed_types(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (n, label TEXT)")
    await db.batch([Statement("INSERT INTO t VALUES (?, ?)", [value, "x"]) for value in (1, "a", None, b"b")])
    await db.query("INSERT INTO t VALUES (2.5, NULL), (3.0, 'y')")
    rows = (await db.query("SELECT n, label FROM t ORDER BY rowid")).rows
    assert [row["n"] for row in rows] == [1, "a", None, b"b", 2.5, 3]
    assert [type(row["n"]) for row in rows][::5] == [int, int]
    assert (await db.query("SELECT 7 AS n, 'x' AS s UNION ALL SELECT 'eight', NULL")).rows == [
        {"n": 7, "s": "x"},
        {"n": "eight", "s": None},
    ]
    with pytest.raises(UnsupportedValue, match="2\\^53"):
        await db.query("SELECT 'a' AS n UNION ALL SELECT 9007199254740993")
    assert (await db.query("SELECT 1 AS n WHERE 0")).rows == []
