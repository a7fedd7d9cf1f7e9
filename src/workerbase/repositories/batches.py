"""Batches read by name: `run_batch` runs statements as one `Database.batch` (one D1 round trip, one
transaction) and hands back each statement's result under the statement itself, so a service reads
`done[insert].meta.changes` rather than counting positions (`results[2]`), and adding a statement to
a batch cannot shift what the others read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from workerbase.ports import Database, QueryResult, Statement


class BatchResults:
    """The results of one batch, looked up by the `Statement` object that produced each (by identity:
    two equal statements are two entries)."""

    __slots__ = ("_by_statement",)

    def __init__(self, statements: Sequence[Statement], results: Sequence[QueryResult]) -> None:
        if len(statements) != len(results):
            raise ValueError(f"{len(statements)} statements but {len(results)} results")
        # The statement is kept with its result, so its id cannot be reused while these results live.
        self._by_statement = {
            id(statement): (statement, result) for statement, result in zip(statements, results, strict=True)
        }

    def __getitem__(self, statement: Statement) -> QueryResult:
        found = self._by_statement.get(id(statement))
        if found is None or found[0] is not statement:
            raise KeyError(f"not in this batch: {statement.sql[:60]}")
        return found[1]


async def run_batch(db: Database, statements: Iterable[Statement]) -> BatchResults:
    """Run `statements` in order as one batch. The same `Statement` object may appear only once (its
    result would be ambiguous); that is checked before anything runs."""
    listed = list(statements)
    if len({id(statement) for statement in listed}) != len(listed):
        raise ValueError("the same Statement object appears twice in one batch: build one per use")
    return BatchResults(listed, await db.batch(listed))
