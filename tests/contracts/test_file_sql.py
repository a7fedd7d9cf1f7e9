"""The files SQL on both databases (local SQLite and D1 in Pyodide): migration 0010's triggers (upserts
inside triggers, an AFTER UPDATE OF trigger, the queueing of deleted files' objects) and the statements
`services/files.py` batches for uploads, deletes and the clean-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.contracts.schema import migrate
from workerbase.clock import iso
from workerbase.ports import Database, QueryResult, Row, run
from workerbase.records import FileRecord, UserRecord
from workerbase.repositories import accounts, files

T0 = datetime(2026, 11, 23, 12, 0, 0, 123000, tzinfo=UTC)
QUOTA = 1000
# What the trigger's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes.
TRIGGER_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def moment(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def at(seconds: float) -> str:
    return iso(moment(seconds))


async def setup(db: Database, *user_ids: str) -> None:
    await migrate(db)
    for user_id in user_ids or ("u1",):
        user = UserRecord(user_id, f"{user_id}@example.com", None, "user", "h", at(0), at(0))
        results = await db.batch([accounts.insert_user_unless_throttled(user, "signup:ip:x", moment(0))])
        assert results[0].meta.changes == 1


def record(file_id: str, size: int = 100, user_id: str = "u1", created_at: float = 0) -> FileRecord:
    return FileRecord(
        id=file_id,
        user_id=user_id,
        object_key=f"users/{user_id}/files/{file_id}",
        filename=f"{file_id}.txt",
        content_type="text/plain",
        size=size,
        sha256="ab" * 32,
        created_at=at(created_at),
    )


async def reserve(db: Database, file: FileRecord, quota: int = QUOTA) -> tuple[QueryResult, QueryResult]:
    """The upload's first round trip, as `FileService._reserve` sends it."""
    reserved, usage = await db.batch(
        [
            files.reserve_upload(file, quota),
            files.select_usage(file.user_id),
        ]
    )
    return reserved, usage


async def file_it(db: Database, file: FileRecord) -> list[int]:
    """The upload's second round trip, as `FileService.upload` sends it; the changes of each statement."""
    results = await db.batch(
        [
            files.file_from_pending(file),
            files.release_filed(file.object_key),
            files.requeue_unfiled(file.object_key, file.user_id),
        ]
    )
    return [result.meta.changes for result in results]


async def upload(db: Database, file: FileRecord) -> None:
    reserved, _ = await reserve(db, file)
    assert reserved.meta.changes > 0
    assert (await file_it(db, file))[0] > 0


async def usage(db: Database, user_id: str = "u1") -> tuple[int, int] | None:
    row = (await run(db, files.select_usage(user_id))).first()
    return None if row is None else (int(row["stored_bytes"] or 0), int(row["reserved_bytes"] or 0))


async def pending(db: Database) -> list[tuple[str, str, str, int]]:
    result = await db.query(
        "SELECT object_key, user_id, reason, bytes FROM pending_objects ORDER BY object_key"
    )
    return [
        (str(row["object_key"]), str(row["user_id"]), str(row["reason"]), int(row["bytes"] or 0))
        for row in result.rows
    ]


async def file_ids(db: Database) -> list[str]:
    return [str(row["id"]) for row in (await db.query("SELECT id FROM files ORDER BY id")).rows]


async def test_a_reservation_within_the_quota_counts_its_bytes(db: Database) -> None:
    await setup(db)
    first, seen = await reserve(db, record("f1", size=400))
    assert first.meta.changes == 2  # the pending row, and the trigger's upsert of storage_usage
    assert seen.rows == [{"stored_bytes": 0, "reserved_bytes": 400}]  # the batch sees its own insert
    exactly, _ = await reserve(db, record("f2", size=600))  # 400 + 600 is the quota: still fits
    assert exactly.meta.changes == 2
    assert await usage(db) == (0, 1000)
    assert await pending(db) == [
        ("users/u1/files/f1", "u1", "upload", 400),
        ("users/u1/files/f2", "u1", "upload", 600),
    ]


async def test_a_reservation_over_the_quota_inserts_nothing(db: Database) -> None:
    await setup(db)
    alone, seen = await reserve(db, record("big", size=QUOTA + 1))  # no storage_usage row yet
    assert alone.meta.changes == 0
    assert seen.rows == []
    await upload(db, record("f1", size=300))
    await reserve(db, record("f2", size=600))
    refused, seen = await reserve(db, record("f3", size=101))
    assert refused.meta.changes == 0
    assert seen.rows == [{"stored_bytes": 300, "reserved_bytes": 600}]
    fits, _ = await reserve(db, record("f4", size=100))
    assert fits.meta.changes == 2
    assert [key for key, *_ in await pending(db)] == ["users/u1/files/f2", "users/u1/files/f4"]
    assert await usage(db) == (300, 700)


async def test_filing_moves_the_bytes_from_reserved_to_stored(db: Database) -> None:
    await setup(db)
    file = record("f1", size=250)
    await reserve(db, file)
    # file row + stored upsert; pending row + reserved release; nothing to requeue
    assert await file_it(db, file) == [2, 2, 0]
    assert await usage(db) == (250, 0)
    assert await pending(db) == []
    row = (await run(db, files.select_owned("f1", "u1"))).first()
    assert row is not None
    assert files.FILE.decode(row) == file


async def test_filing_an_abandoned_reservation_files_nothing(db: Database) -> None:
    await setup(db)
    late = record("late", size=100, created_at=0)
    recent = record("recent", size=50, created_at=7200)
    await reserve(db, late)
    await reserve(db, recent)
    assert await usage(db) == (0, 150)
    abandoned = await run(db, files.abandon_uploads(moment(3600)))
    assert abandoned.meta.changes == 2  # the row, and the AFTER UPDATE OF trigger releasing its bytes
    assert await usage(db) == (0, 50)
    assert await file_it(db, late) == [0, 0, 1]  # its 'delete' row is queued again (a fresh created_at)
    assert "late" not in await file_ids(db)
    assert await pending(db) == [
        ("users/u1/files/late", "u1", "delete", 0),
        ("users/u1/files/recent", "u1", "upload", 50),
    ]
    assert await usage(db) == (0, 50)
    assert await file_it(db, recent) == [2, 2, 0]
    assert await usage(db) == (50, 0)


async def test_an_unfiled_object_is_queued_again_after_it_was_forgotten(db: Database) -> None:
    await setup(db)
    file = record("f1", size=100)
    await reserve(db, file)
    clean_up = await db.batch([files.abandon_uploads(moment(60)), files.select_garbage(1000)])
    listed = listed_rows(clean_up[1].rows)
    assert [key for key, _ in listed] == [file.object_key]
    assert (await run(db, files.forget_pending(listed))).meta.changes == 1
    assert await pending(db) == []
    # The put finishes after the clean-up deleted and forgot the object: it must be deleted again.
    assert await file_it(db, file) == [0, 0, 1]
    assert await pending(db) == [(file.object_key, "u1", "delete", 0)]
    assert await file_ids(db) == []
    assert await usage(db) == (0, 0)


async def test_a_clean_up_that_listed_a_row_before_it_was_queued_again_does_not_forget_it(
    db: Database,
) -> None:
    await setup(db)
    file = record("f1", size=100)
    await reserve(db, file)
    clean_up = await db.batch([files.abandon_uploads(moment(60)), files.select_garbage(1000)])
    listed = listed_rows(clean_up[1].rows)
    # The late put lands and its filing queues the object again, before the clean-up forgets it.
    assert await file_it(db, file) == [0, 0, 1]
    assert (await run(db, files.forget_pending(listed))).meta.changes == 0
    assert await pending(db) == [(file.object_key, "u1", "delete", 0)]


def listed_rows(rows: list[Row]) -> list[tuple[str, str]]:
    return [(str(row["object_key"]), str(row["created_at"])) for row in rows]


async def test_delete_owned_returns_the_key_and_queues_the_object(db: Database) -> None:
    await setup(db, "u1", "u2")
    await upload(db, record("f1", size=100))
    await upload(db, record("f2", size=30))
    stranger = await run(db, files.delete_owned("f1", "u2"))
    assert (stranger.rows, stranger.meta.changes) == ([], 0)
    deleted = await run(db, files.delete_owned("f1", "u1"))
    assert deleted.rows == [{"object_key": "users/u1/files/f1"}]
    assert await usage(db) == (30, 0)
    assert await pending(db) == [("users/u1/files/f1", "u1", "delete", 0)]
    queued = (await db.query("SELECT created_at FROM pending_objects")).rows
    assert TRIGGER_TIME.fullmatch(str(queued[0]["created_at"]))
    again = await run(db, files.delete_owned("f1", "u1"))
    assert (again.rows, again.meta.changes) == ([], 0)
    assert await file_ids(db) == ["f2"]


async def test_owned_and_any_select_one_file(db: Database) -> None:
    await setup(db, "u1", "u2")
    file = record("f1", size=10)
    await upload(db, file)
    assert (await run(db, files.select_owned("f1", "u2"))).rows == []
    row = (await run(db, files.select_any("f1"))).first()
    assert row is not None
    assert files.FILE.decode(row) == file
    assert (await run(db, files.select_any("nope"))).rows == []


async def test_deleting_the_user_cascades_and_keeps_the_objects_queued(db: Database) -> None:
    await setup(db, "u1", "u2")
    await upload(db, record("f1", size=100))
    await upload(db, record("f2", size=200))
    await reserve(db, record("f3", size=50))
    theirs = record("g1", size=70, user_id="u2")
    await upload(db, theirs)
    await run(db, accounts.delete_user("u1"))
    assert await file_ids(db) == ["g1"]
    assert await usage(db, "u1") is None
    assert await usage(db, "u2") == (70, 0)
    assert await pending(db) == [  # no foreign key: the rows outlive the user
        ("users/u1/files/f1", "u1", "delete", 0),
        ("users/u1/files/f2", "u1", "delete", 0),
        ("users/u1/files/f3", "u1", "upload", 50),
    ]
    left = await run(db, files.select_deleted_objects_of("u1", 1000))
    assert sorted(str(row["object_key"]) for row in left.rows) == ["users/u1/files/f1", "users/u1/files/f2"]
    assert (await run(db, files.select_deleted_objects_of("u2", 1000))).rows == []


async def test_select_garbage_lists_only_objects_to_delete(db: Database) -> None:
    await setup(db)
    await upload(db, record("gone", size=10))
    await run(db, files.delete_owned("gone", "u1"))
    await reserve(db, record("old", size=20, created_at=0))
    await reserve(db, record("new", size=30, created_at=3000))
    await upload(db, record("kept", size=40))
    only_deletes = await run(db, files.select_garbage(1000))
    assert [row["object_key"] for row in only_deletes.rows] == ["users/u1/files/gone"]
    clean_up = await db.batch([files.abandon_uploads(moment(1800)), files.select_garbage(1000)])
    assert sorted(str(row["object_key"]) for row in clean_up[1].rows) == [
        "users/u1/files/gone",
        "users/u1/files/old",
    ]
    assert len((await run(db, files.select_garbage(1))).rows) == 1
    assert await usage(db) == (40, 30)


async def test_forget_pending_removes_exactly_the_listed_keys(db: Database) -> None:
    await setup(db)
    odd = 'users/u1/files/"quoted", ünïcode'
    for key in ("k1", "k2", "k3", odd):
        await run(db, files.requeue_unfiled(key, "u1"))  # no file row: a 'delete' row each
    await reserve(db, record("up", size=10))
    none = await run(db, files.forget_pending([]))
    assert none.meta.changes == 0
    queued = dict(listed_rows((await run(db, files.select_garbage(1000))).rows))
    chosen = [("k1", queued["k1"]), (odd, queued[odd]), ("k9", queued["k1"]), ("k2", "another time")]
    forgotten = await run(db, files.forget_pending(chosen))
    assert forgotten.meta.changes == 2
    assert await pending(db) == [
        ("k2", "u1", "delete", 0),
        ("k3", "u1", "delete", 0),
        ("users/u1/files/up", "u1", "upload", 10),
    ]
    assert await usage(db) == (0, 10)


async def test_pages_are_newest_first_with_a_created_at_and_id_cursor(db: Database) -> None:
    await setup(db, "u1", "u2")
    a, b = record("a", created_at=0), record("b", created_at=0)  # same time: the id breaks the tie
    c, d = record("c", created_at=10), record("d", created_at=5)
    for file in (a, b, c, d, record("x", user_id="u2", created_at=20)):
        await upload(db, file)

    async def page(after: FileRecord | None, limit: int) -> list[FileRecord]:
        position = None if after is None else (after.created_at, after.id)
        result = await run(db, files.select_page("u1", position, limit))
        return files.FILE.decode_all(result.rows)

    assert await page(None, 2) == [c, d]
    assert await page(d, 2) == [b, a]
    assert await page(b, 2) == [a]
    assert await page(a, 2) == []
    assert await page(None, 10) == [c, d, b, a]
