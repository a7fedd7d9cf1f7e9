"""The daily message counts (migration 0011) on both databases (local SQLite and D1 in Pyodide): a count
stops at the limit, a limit of 0 allows no message at all, and giving one back never goes below 0."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.contracts.schema import migrate
from workerbase.clock import iso
from workerbase.ports import Database
from workerbase.records import UserRecord
from workerbase.repositories import daily_counts
from workerbase.repositories.accounts import insert_user_unless_throttled

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def counts(db: Database) -> list[tuple[str, int]]:
    result = await db.query("SELECT day, count FROM daily_message_counts ORDER BY day")
    return [(str(row["day"]), int(row["count"] or 0)) for row in result.rows]


async def test_a_day_counts_up_to_its_limit_and_a_limit_of_zero_allows_none(db: Database) -> None:
    await migrate(db)
    user = UserRecord("u1", "u1@example.com", None, "user", "h", iso(NOW), iso(NOW))
    await db.batch([insert_user_unless_throttled(user, "signup:ip:x", NOW)])
    taken = [
        (await db.batch([daily_counts.take_one("u1", "2026-11-23", 2)]))[0].meta.changes for _ in range(3)
    ]
    assert taken == [1, 1, 0]
    assert (await db.batch([daily_counts.take_one("u1", "2026-11-24", 0)]))[0].meta.changes == 0
    assert await counts(db) == [("2026-11-23", 2)]
    for _ in range(3):
        await db.batch([daily_counts.give_back("u1", "2026-11-23")])
    assert await counts(db) == [("2026-11-23", 0)]
    await db.batch([daily_counts.forget_before("2026-11-24")])
    assert await counts(db) == []
