"""SQL for knowledge sources and their chunks. Every statement names the owner: another user's source or
chunk is simply not found."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import KnowledgeChunkRecord, KnowledgeSourceRecord
from workerbase.repositories.rows import RecordRows

SOURCE = RecordRows(KnowledgeSourceRecord)
CHUNK = RecordRows(KnowledgeChunkRecord)

# The f-strings below only put the records' column lists into SQL (hence the noqa on S608).
_SOURCE_COLUMNS = SOURCE.columns()
_SELECT_SOURCE = f"SELECT {_SOURCE_COLUMNS} FROM knowledge_sources"  # noqa: S608
# Adds the source unless the knowledge base has it (its kind and ref) already: then nothing changes.
_INSERT_SOURCE = (
    f"INSERT INTO knowledge_sources ({_SOURCE_COLUMNS})"  # noqa: S608
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', NULL, 0, 0, 1, NULL, ?7, ?7"
    " WHERE EXISTS (SELECT 1 FROM knowledge_bases WHERE id = ?3 AND user_id = ?2)"
    " ON CONFLICT (knowledge_base_id, kind, ref_id) DO NOTHING"
)
# ?1 base, ?2 user, ?3/?4 position after (created_at, id) or NULLs, ?5 limit. Newest first.
_SELECT_PAGE = (
    _SELECT_SOURCE + " WHERE knowledge_base_id = ?1 AND user_id = ?2"
    " AND (?3 IS NULL OR (created_at, id) < (?3, ?4)) ORDER BY created_at DESC, id DESC LIMIT ?5"
)
_CHUNK_COLUMNS = CHUNK.columns()
# Each user's chunks have their own range of rowids, as their messages do (migration 0016): users.rowid *
# CHUNK_ROWID_SPAN + n. The full-text index keeps a word's list in rowid order, so a search reads only
# the caller's part of it, never other users' matches. ?1 is the owner. SQLite evaluates these
# uncorrelated subqueries once per statement, before the rows it inserts.
CHUNK_ROWID_SPAN = 1 << 24
_CHUNK_BASE = f"(SELECT rowid * {CHUNK_ROWID_SPAN} FROM users WHERE id = ?1)"  # noqa: S608
_NEXT_CHUNK_ROWID = (
    f"(coalesce((SELECT rowid FROM knowledge_chunks WHERE rowid BETWEEN {_CHUNK_BASE}"  # noqa: S608
    f" AND {_CHUNK_BASE} + {CHUNK_ROWID_SPAN - 1} ORDER BY rowid DESC LIMIT 1), {_CHUNK_BASE}) + 1)"
)


def insert_source(source: KnowledgeSourceRecord) -> Statement:
    s = source
    return Statement(
        _INSERT_SOURCE, [s.id, s.user_id, s.knowledge_base_id, s.kind, s.ref_id, s.title, s.created_at]
    )


def select_source(source_id: str, user_id: str) -> Statement:
    return Statement(_SELECT_SOURCE + " WHERE id = ? AND user_id = ?", [source_id, user_id])


def select_by_ref(knowledge_base_id: str, user_id: str, kind: str, ref_id: str) -> Statement:
    return Statement(
        _SELECT_SOURCE + " WHERE knowledge_base_id = ? AND user_id = ? AND kind = ? AND ref_id = ?",
        [knowledge_base_id, user_id, kind, ref_id],
    )


def select_page(knowledge_base_id: str, user_id: str, after: tuple[str, str] | None, limit: int) -> Statement:
    created_at, source_id = after if after is not None else (None, None)
    return Statement(_SELECT_PAGE, [knowledge_base_id, user_id, created_at, source_id, limit])


def queue_again(source_id: str, user_id: str, knowledge_base_id: str, now: datetime) -> Statement:
    """A new generation of the source, queued; returns it (nothing if not the caller's, in that base)."""
    return Statement(
        "UPDATE knowledge_sources SET generation = generation + 1, status = 'queued', progress = 0,"  # noqa: S608
        " error = NULL, updated_at = ? WHERE id = ? AND user_id = ? AND knowledge_base_id = ?"
        f" RETURNING {_SOURCE_COLUMNS}",
        [iso(now), source_id, user_id, knowledge_base_id],
    )


def delete_source(source_id: str, user_id: str, knowledge_base_id: str) -> Statement:
    """Nothing changes (`changes` 0) unless the source is the user's, in that knowledge base."""
    return Statement(
        "DELETE FROM knowledge_sources WHERE id = ? AND user_id = ? AND knowledge_base_id = ?",
        [source_id, user_id, knowledge_base_id],
    )


def start_processing(source_id: str, user_id: str, generation: int, now: datetime) -> Statement:
    """Marks the source's ingestion begun, if `generation` is still its current one (returns it then)."""
    return Statement(
        "UPDATE knowledge_sources SET status = 'processing', progress = 0, error = NULL,"  # noqa: S608
        f" updated_at = ? WHERE id = ? AND user_id = ? AND generation = ? RETURNING {_SOURCE_COLUMNS}",
        [iso(now), source_id, user_id, generation],
    )


def set_progress(source_id: str, user_id: str, generation: int, progress: float, now: datetime) -> Statement:
    return Statement(
        "UPDATE knowledge_sources SET progress = ?, updated_at = ?"
        " WHERE id = ? AND user_id = ? AND generation = ? AND status = 'processing'",
        [progress, iso(now), source_id, user_id, generation],
    )


def finish(
    source_id: str, user_id: str, generation: int, chunk_count: int, model: str, now: datetime
) -> Statement:
    return Statement(
        "UPDATE knowledge_sources SET status = 'ready', progress = 1, chunk_count = ?, embedding_model = ?,"
        " error = NULL, updated_at = ? WHERE id = ? AND user_id = ? AND generation = ?",
        [chunk_count, model, iso(now), source_id, user_id, generation],
    )


def fail(source_id: str, user_id: str, generation: int, error: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE knowledge_sources SET status = 'failed', error = ?, updated_at = ?"
        " WHERE id = ? AND user_id = ? AND generation = ?",
        [error[:500], iso(now), source_id, user_id, generation],
    )


def delete_chunks(source_id: str, user_id: str) -> Statement:
    """The source's chunks, before it is written again (their ids go to the vector clean-up)."""
    return Statement("DELETE FROM knowledge_chunks WHERE source_id = ? AND user_id = ?", [source_id, user_id])


def insert_chunks(chunks: Sequence[KnowledgeChunkRecord]) -> Statement:
    """One source's chunks (one owner's) in one statement, as one JSON parameter (D1 binds at most 100
    parameters per statement). A new chunk's rowid is the next ones of its owner's range (migration 0018);
    a chunk already there (a redelivery) keeps its row and takes the new text."""
    (user_id,) = {c.user_id for c in chunks}
    rows = [[c.id, c.source_id, c.knowledge_base_id, c.position, c.text, c.created_at] for c in chunks]
    return Statement(
        f"INSERT INTO knowledge_chunks (rowid, {_CHUNK_COLUMNS})"  # noqa: S608
        f" SELECT {_NEXT_CHUNK_ROWID} + key, value ->> 0, ?1, value ->> 1, value ->> 2, value ->> 3,"
        " value ->> 4, value ->> 5 FROM json_each(?2) WHERE true"
        " ON CONFLICT (id) DO UPDATE SET text = excluded.text",
        [user_id, json.dumps(rows, ensure_ascii=False)],
    )


def select_vector_deletions(limit: int) -> Statement:
    """Deleted chunks' ids, oldest first, but those written again since under their id (re-ingested)."""
    return Statement(
        "SELECT chunk_id FROM vector_deletions WHERE chunk_id NOT IN (SELECT id FROM knowledge_chunks)"
        " ORDER BY queued_at LIMIT ?",
        [limit],
    )


def forget_vector_deletions(chunk_ids: Sequence[str]) -> Statement:
    return Statement(
        "DELETE FROM vector_deletions WHERE chunk_id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(chunk_ids))],
    )


# Retrieval's reads: chunks of the caller's ready sources with their source, in ?3 knowledge bases (a JSON
# array; NULL: all of the caller's).
_PASSAGE = "c.id, c.source_id, c.knowledge_base_id, c.position, c.text, s.title, s.kind, s.ref_id"
_RANKED = (
    f"SELECT {_PASSAGE} FROM knowledge_chunks_fts"  # noqa: S608
    " JOIN knowledge_chunks AS c ON c.rowid = knowledge_chunks_fts.rowid"
    " JOIN knowledge_sources AS s ON s.id = c.source_id"
    " WHERE knowledge_chunks_fts MATCH ?2"
    f" AND knowledge_chunks_fts.rowid BETWEEN {_CHUNK_BASE} AND {_CHUNK_BASE} + {CHUNK_ROWID_SPAN - 1}"
    " AND c.user_id = ?1 AND s.status = 'ready'"
    " AND (?3 IS NULL OR c.knowledge_base_id IN (SELECT value FROM json_each(?3)))"
    " ORDER BY bm25(knowledge_chunks_fts) LIMIT ?4"
)
_READY_BY_IDS = (
    f"SELECT {_PASSAGE} FROM knowledge_chunks AS c JOIN knowledge_sources AS s ON s.id = c.source_id"  # noqa: S608
    " WHERE c.user_id = ?1 AND c.id IN (SELECT value FROM json_each(?2)) AND s.status = 'ready'"
    " AND (?3 IS NULL OR c.knowledge_base_id IN (SELECT value FROM json_each(?3)))"
)


def _bases(knowledge_base_ids: Sequence[str] | None) -> str | None:
    return None if knowledge_base_ids is None else json.dumps(list(knowledge_base_ids))


def select_ranked_chunks(
    user_id: str, fts_query: str, knowledge_base_ids: Sequence[str] | None, limit: int
) -> Statement:
    """The chunks matching an FTS5 query, best first (BM25)."""
    return Statement(_RANKED, [user_id, fts_query, _bases(knowledge_base_ids), limit])


def select_ready_chunks(
    user_id: str, chunk_ids: Sequence[str], knowledge_base_ids: Sequence[str] | None
) -> Statement:
    """Those of the chunks that exist, with their ready sources (the check of a vector query's matches)."""
    return Statement(_READY_BY_IDS, [user_id, json.dumps(list(chunk_ids)), _bases(knowledge_base_ids)])
