"""The knowledge-base SQL on both databases (local SQLite and D1 in Pyodide): the insert that checks the
per-user cap itself, owner-scoped reads, pages, updates with RETURNING, deletes, and the cascade from the
user (migration 0014)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contracts.schema import migrate
from workerbase.clock import iso
from workerbase.ports import Database, run
from workerbase.records import KnowledgeBaseRecord, UserRecord
from workerbase.repositories import accounts
from workerbase.repositories.knowledge_bases import (
    KNOWLEDGE_BASE,
    delete_owned,
    insert_unless_at_limit,
    select_owned,
    select_page,
    update_owned,
)

T0 = datetime(2026, 11, 23, 12, 0, 0, 123000, tzinfo=UTC)


def moment(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def setup(db: Database, *user_ids: str) -> None:
    await migrate(db)
    for user_id in user_ids:
        stamp = iso(T0)
        user = UserRecord(user_id, f"{user_id}@example.com", None, "user", "h", stamp, stamp)
        results = await db.batch([accounts.insert_user_unless_throttled(user, f"signup:ip:{user_id}", T0)])
        assert results[0].meta.changes == 1


def record(
    kb_id: str, user_id: str = "u1", at: float = 0, name: str = "", description: str = ""
) -> KnowledgeBaseRecord:
    stamp = iso(moment(at))
    return KnowledgeBaseRecord(kb_id, user_id, name or f"kb {kb_id}", description, stamp, stamp)


async def insert(db: Database, kb: KnowledgeBaseRecord, limit: int = 100) -> int:
    """The rows the creation inserted: 1, or 0 at the cap."""
    return (await run(db, insert_unless_at_limit(kb, limit))).meta.changes


async def owned(db: Database, kb_id: str, user_id: str = "u1") -> KnowledgeBaseRecord | None:
    row = (await run(db, select_owned(kb_id, user_id))).first()
    return None if row is None else KNOWLEDGE_BASE.decode(row)


async def test_an_insert_stores_the_record_as_given(db: Database) -> None:
    await setup(db, "u1")
    kb = record("k1", name="Recettes · 菜谱 📚", description="line one\nline 'two' \"quoted\"")
    assert await insert(db, kb) == 1
    assert await owned(db, "k1") == kb


async def test_the_insert_refuses_past_the_cap_per_user(db: Database) -> None:
    await setup(db, "u1", "u2")
    assert [await insert(db, record(f"a{n}", at=n), limit=3) for n in range(3)] == [1, 1, 1]
    assert await insert(db, record("a3", at=3), limit=3) == 0
    assert await owned(db, "a3") is None
    assert await insert(db, record("b0", user_id="u2"), limit=3) == 1  # u1's count is not u2's
    assert (await run(db, delete_owned("a0", "u1"))).meta.changes == 1
    assert await insert(db, record("a3", at=3), limit=3) == 1  # deleting one makes room
    assert await insert(db, record("a4", at=4), limit=4) == 1  # the cap is the statement's parameter


async def test_reads_are_scoped_to_the_owner(db: Database) -> None:
    await setup(db, "u1", "u2")
    await insert(db, record("k1"))
    assert await owned(db, "k1", "u2") is None
    assert await owned(db, "missing") is None
    assert await owned(db, "k1") == record("k1")


async def test_pages_are_newest_first_with_a_created_at_and_id_cursor(db: Database) -> None:
    await setup(db, "u1", "u2")
    a, b = record("a", at=0), record("b", at=0)  # same time: the id breaks the tie
    c, d = record("c", at=10), record("d", at=5)
    for kb in (a, b, c, d, record("x", user_id="u2", at=20)):
        assert await insert(db, kb) == 1

    async def page(after: KnowledgeBaseRecord | None, limit: int) -> list[KnowledgeBaseRecord]:
        position = None if after is None else (after.created_at, after.id)
        return KNOWLEDGE_BASE.decode_all((await run(db, select_page("u1", position, limit))).rows)

    assert await page(None, 2) == [c, d]
    assert await page(d, 2) == [b, a]
    assert await page(b, 2) == [a]
    assert await page(a, 2) == []
    assert await page(None, 10) == [c, d, b, a]


async def test_an_update_changes_only_the_fields_given_and_returns_the_row(db: Database) -> None:
    await setup(db, "u1", "u2")
    kb = record("k1", name="Old", description="kept")
    await insert(db, kb)
    stranger = await run(db, update_owned("k1", "u2", now=moment(5), name="B was here"))
    assert (stranger.rows, stranger.meta.changes) == ([], 0)
    renamed = (await run(db, update_owned("k1", "u1", now=moment(10), name="New"))).first()
    assert renamed is not None
    after_rename = KNOWLEDGE_BASE.decode(renamed)
    assert after_rename == KnowledgeBaseRecord("k1", "u1", "New", "kept", kb.created_at, iso(moment(10)))
    cleared = (await run(db, update_owned("k1", "u1", now=moment(20), description=""))).first()
    assert cleared is not None
    assert (KNOWLEDGE_BASE.decode(cleared).name, KNOWLEDGE_BASE.decode(cleared).description) == ("New", "")
    assert await owned(db, "k1") == KNOWLEDGE_BASE.decode(cleared)
    missing = await run(db, update_owned("missing", "u1", now=moment(30), name="x"))
    assert missing.rows == []


async def test_a_delete_removes_only_the_owners_row(db: Database) -> None:
    await setup(db, "u1", "u2")
    await insert(db, record("k1"))
    await insert(db, record("k2"))
    assert (await run(db, delete_owned("k1", "u2"))).meta.changes == 0
    assert (await run(db, delete_owned("k1", "u1"))).meta.changes == 1
    assert (await run(db, delete_owned("k1", "u1"))).meta.changes == 0
    assert await owned(db, "k1") is None
    assert await owned(db, "k2") == record("k2")


async def test_deleting_the_user_deletes_their_knowledge_bases(db: Database) -> None:
    await setup(db, "u1", "u2")
    for kb in (record("k1"), record("k2"), record("j1", user_id="u2")):
        await insert(db, kb)
    await run(db, accounts.delete_user("u1"))
    left = await db.query("SELECT id, user_id FROM knowledge_bases ORDER BY id")
    assert left.rows == [{"id": "j1", "user_id": "u2"}]
