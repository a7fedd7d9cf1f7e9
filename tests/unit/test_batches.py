"""`run_batch`: one round trip, results read by the statement that produced them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.ports import QueryResult, Statement
from workerbase.repositories.batches import run_batch


class CountingBatches(SqliteDatabase):
    batches = 0

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        self.batches += 1
        return await super().batch(statements)


async def test_results_are_read_by_their_statements_in_one_round_trip(tmp_path: Path) -> None:
    db = CountingBatches(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (a INTEGER)")
    insert = Statement("INSERT INTO t VALUES (1), (2)")
    same_insert = Statement("INSERT INTO t VALUES (1), (2)")  # equal, but a statement of its own
    count = Statement("SELECT count(*) AS n FROM t")
    done = await run_batch(db, [insert, same_insert, count])
    assert db.batches == 1
    assert done[insert].meta.changes == 2
    assert done[same_insert].meta.changes == 2
    assert done[count].first() == {"n": 4}
    with pytest.raises(KeyError, match="not in this batch"):
        done[Statement("SELECT count(*) AS n FROM t")]


async def test_the_same_statement_twice_is_refused_before_anything_runs(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "d1.sqlite3")
    await db.query("CREATE TABLE t (a INTEGER)")
    insert = Statement("INSERT INTO t VALUES (1)")
    with pytest.raises(ValueError, match="twice"):
        await run_batch(db, [insert, insert])
    assert (await db.query("SELECT count(*) AS n FROM t")).first() == {"n": 0}
