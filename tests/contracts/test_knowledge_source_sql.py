"""The knowledge sources' SQL on both databases (local SQLite and D1 in Pyodide): sources added once per
knowledge base, chunks written as one JSON parameter and found by full-text search, generations, and the
cascades and triggers that leave every deleted chunk's id for the vector purge (migration 0018)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.contracts.expect import raises
from tests.contracts.schema import migrate, user_and_chat
from workerbase.clock import iso
from workerbase.errors import ConstraintViolation
from workerbase.ports import Database, Statement, run
from workerbase.records import KnowledgeChunkRecord, KnowledgeSourceRecord
from workerbase.repositories import knowledge_sources as sources

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
STAMP = iso(NOW)


async def setup(db: Database) -> None:
    """User u1 with chat c1, file f1 and knowledge base k1; user u2 with chat c2."""
    await migrate(db)
    await db.batch(
        [
            *user_and_chat("u1", "c1", NOW),
            *user_and_chat("u2", "c2", NOW),
            Statement(
                "INSERT INTO files (id, user_id, object_key, filename, content_type, size, sha256,"
                " created_at) VALUES ('f1', 'u1', 'objects/f1', 'notes.md', 'text/markdown', 10, 'x', ?)",
                [STAMP],
            ),
            Statement(
                "INSERT INTO knowledge_bases (id, user_id, name, created_at, updated_at)"
                " VALUES ('k1', 'u1', 'K', ?, ?)",
                [STAMP, STAMP],
            ),
        ]
    )


def source(source_id: str, kind: str, ref_id: str, user_id: str = "u1") -> KnowledgeSourceRecord:
    return KnowledgeSourceRecord(
        source_id, user_id, "k1", kind, ref_id, ref_id, "queued", None, 0.0, 0, 1, None, STAMP, STAMP
    )


def chunk(chunk_id: str, source_id: str, position: int, text: str) -> KnowledgeChunkRecord:
    return KnowledgeChunkRecord(chunk_id, "u1", source_id, "k1", position, text, STAMP)


async def deletions(db: Database) -> list[str]:
    rows = (await run(db, Statement("SELECT chunk_id FROM vector_deletions ORDER BY chunk_id"))).rows
    return [str(row["chunk_id"]) for row in rows]


async def test_a_source_is_added_once_and_only_to_the_owners_knowledge_base(db: Database) -> None:
    await setup(db)
    assert (await run(db, sources.insert_source(source("s1", "file", "f1")))).meta.changes == 1
    assert (await run(db, sources.insert_source(source("s2", "file", "f1")))).meta.changes == 0  # has it
    assert (await run(db, sources.insert_source(source("s3", "chat", "c2", user_id="u2")))).meta.changes == 0
    found = (await run(db, sources.select_by_ref("k1", "u1", "file", "f1"))).first()
    assert found is not None
    assert sources.SOURCE.decode(found) == source("s1", "file", "f1")
    assert (await run(db, sources.select_source("s1", "u2"))).first() is None


async def test_chunks_are_written_in_one_statement_and_found_by_full_text_search(db: Database) -> None:
    await setup(db)
    await run(db, sources.insert_source(source("s1", "file", "f1")))
    texts = ["Harbors shelter ships", "Lighthouses mark the way — café", "Tides rise twice"]
    await db.batch([sources.insert_chunks([chunk(f"x{i}", "s1", i, t) for i, t in enumerate(texts)])])
    rows = (
        await run(db, Statement("SELECT id, position, text FROM knowledge_chunks ORDER BY position"))
    ).rows
    assert [(r["id"], r["position"], r["text"]) for r in rows] == [
        ("x0", 0, texts[0]),
        ("x1", 1, texts[1]),
        ("x2", 2, texts[2]),
    ]
    match = Statement(
        "SELECT c.id FROM knowledge_chunks_fts AS f JOIN knowledge_chunks AS c ON c.rowid = f.rowid"
        " WHERE knowledge_chunks_fts MATCH ? ORDER BY bm25(knowledge_chunks_fts)",
        ["cafe OR ships"],
    )
    assert sorted(str(r["id"]) for r in (await run(db, match)).rows) == ["x0", "x1"]  # diacritics folded
    # Written again under the same ids (a redelivery): the same rows, the index follows the new text.
    await db.batch([sources.insert_chunks([chunk("x0", "s1", 0, "Quays and piers")])])
    assert [str(r["id"]) for r in (await run(db, Statement(match.sql, ["ships"]))).rows] == []
    assert [str(r["id"]) for r in (await run(db, Statement(match.sql, ["quays"]))).rows] == ["x0"]


async def test_a_stale_generation_starts_nothing(db: Database) -> None:
    await setup(db)
    await run(db, sources.insert_source(source("s1", "file", "f1")))
    assert (await run(db, sources.start_processing("s1", "u1", 2, NOW))).first() is None
    started = (await run(db, sources.start_processing("s1", "u1", 1, NOW))).first()
    assert started is not None
    assert started["status"] == "processing"
    await run(db, sources.finish("s1", "u1", 1, 3, "model-a", NOW))
    ready = sources.SOURCE.decode((await run(db, sources.select_source("s1", "u1"))).first() or {})
    assert (ready.status, ready.chunk_count, ready.embedding_model, ready.progress) == (
        "ready",
        3,
        "model-a",
        1.0,
    )


async def test_every_path_that_deletes_chunks_leaves_their_ids_for_the_vector_purge(db: Database) -> None:
    await setup(db)
    await run(db, sources.insert_source(source("s1", "file", "f1")))
    await run(db, sources.insert_source(source("s2", "chat", "c1")))
    await db.batch(
        [
            sources.insert_chunks([chunk("a0", "s1", 0, "one"), chunk("a1", "s1", 1, "two")]),
            sources.insert_chunks([chunk("b0", "s2", 0, "three")]),
        ]
    )
    # A re-ingestion deletes the chunks and writes them again: only those not written again stay listed.
    await db.batch([sources.delete_chunks("s1", "u1"), sources.insert_chunks([chunk("a0", "s1", 0, "one")])])
    assert await deletions(db) == ["a1"]
    # The file's deletion takes its source, and so its chunks; the chat's likewise.
    await run(db, Statement("DELETE FROM files WHERE id = 'f1'"))
    await run(db, Statement("DELETE FROM chats WHERE id = 'c1' AND user_id = 'u1'"))
    assert (await run(db, Statement("SELECT count(*) AS n FROM knowledge_sources"))).rows[0]["n"] == 0
    assert await deletions(db) == ["a0", "a1", "b0"]
    match = Statement(
        "SELECT rowid FROM knowledge_chunks_fts WHERE knowledge_chunks_fts MATCH 'one OR three'"
    )
    assert (await run(db, match)).rows == []  # out of the index too
    await run(db, sources.forget_vector_deletions(["a0", "a1"]))
    assert await deletions(db) == ["b0"]


async def test_a_users_chunks_are_numbered_in_their_own_rowid_range(db: Database) -> None:
    await setup(db)
    await run(db, sources.insert_source(source("s1", "file", "f1")))
    await db.batch([sources.insert_chunks([chunk("a0", "s1", 0, "one"), chunk("a1", "s1", 1, "two")])])
    await db.batch(
        [sources.insert_chunks([chunk("a2", "s1", 2, "three"), chunk("a0", "s1", 0, "one again")])]
    )
    span = sources.CHUNK_ROWID_SPAN
    owner = (await run(db, Statement("SELECT rowid FROM users WHERE id = 'u1'"))).rows[0]["rowid"]
    rows = (await run(db, Statement("SELECT id, rowid FROM knowledge_chunks ORDER BY rowid"))).rows
    base = int(owner or 0) * span
    assert [(r["id"], int(r["rowid"] or 0) - base) for r in rows] == [("a0", 1), ("a1", 2), ("a2", 3)]
    outside = Statement(
        "INSERT INTO knowledge_chunks (rowid, id, user_id, source_id, knowledge_base_id, position, text,"
        " created_at) VALUES (5, 'x', 'u1', 's1', 'k1', 9, 'x', ?)",
        [STAMP],
    )
    with raises(ConstraintViolation, match="chunk_rowid_out_of_range"):
        await run(db, outside)
