"""Knowledge sources and their ingestion: a file, a document or a chat added to a knowledge base is queued
(the request answers at once), and the queue's consumer reads its text, splits it into chunks
(`services/chunking.py`), embeds them (at most MAX_TEXTS_PER_CALL per call), writes the chunks to D1 and
their vectors to the vector index, and marks the source ready.

* **Idempotent**: a chunk's id is derived from its source and position, so a redelivered message (Queues
  delivers at least once) or a retried ingestion writes the same rows and vectors again, never twice.
  A message of an older ingestion (the source was ingested again since) is ignored.
* **Nothing half-visible**: the chunks are written to D1 in one batch after every embedding succeeded,
  and retrieval reads only the chunks of `ready` sources; a failure before that (the embedding provider,
  the vector index) is retried by the queue, and after its retries the source is `failed` with why.
* **Deletion that holds**: a chunk deleted by any path (the source, its knowledge base, the file or chat,
  the account) leaves its id in `vector_deletions` (a trigger), and `purge_deleted_vectors` deletes
  those vectors, 100 ids per call. Until then a stale vector may match a query: retrieval checks every
  match against D1.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from workerbase.clock import iso
from workerbase.errors import WorkerbaseError
from workerbase.logs import get_logger
from workerbase.media_types import is_text
from workerbase.pagination import page_of, position_after
from workerbase.ports import (
    MAX_TEXTS_PER_CALL,
    Database,
    Embedder,
    MetadataValue,
    Queue,
    QueueMessage,
    Statement,
    Vector,
    VectorIndex,
    run,
)
from workerbase.records import KnowledgeChunkRecord, KnowledgeSourceRecord
from workerbase.repositories import chats, documents, files, knowledge_bases, messages
from workerbase.repositories import knowledge_sources as sources
from workerbase.repositories.batches import run_batch
from workerbase.services.chunking import split
from workerbase.services.files import FileService
from workerbase.services.knowledge_bases import KnowledgeBaseNotFound

SourceKind = str  # file | document | chat
# Text read of one source at most (about 1,300 chunks of 1,500 characters), and the files read for it.
MAX_SOURCE_CHARS = 2_000_000
MAX_SOURCE_FILE_BYTES = 10 * 1024 * 1024
MAX_CHAT_MESSAGES = 1_000
# D1 takes statements of at most 100 KB: the chunks' insert is split into statements of about this much.
_INSERT_BYTES = 80_000
_VECTOR_UPSERT = 1_000
_VECTOR_DELETE = 100


class SourceNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such source"


class SourceTooLarge(WorkerbaseError):
    status = 413
    code = "source_too_large"
    title = f"A source is at most {MAX_SOURCE_FILE_BYTES} bytes"
    public_detail = True


class _Unreadable(Exception):
    """A source whose text cannot be had: it fails at once, without retries."""


class IngestionService:
    def __init__(
        self,
        db: Database,
        queue: Queue,
        embedder: Embedder,
        vectors: VectorIndex,
        files: FileService,
        now: datetime,
        *,
        chunk_chars: int,
        overlap_chars: int,
    ) -> None:
        self._db = db
        self._queue = queue
        self._embedder = embedder
        self._vectors = vectors
        self._files = files
        self._now = now
        self._chunk_chars = chunk_chars
        self._overlap_chars = overlap_chars

    # --- sources --------------------------------------------------------------------------------------

    async def add(
        self, user_id: str, knowledge_base_id: str, kind: SourceKind, ref_id: str
    ) -> tuple[KnowledgeSourceRecord, bool]:
        """Add a source and queue its ingestion; returns it and whether it is new (a source the knowledge
        base has already is returned as it is). Two D1 round trips and a queue send."""
        base = knowledge_bases.select_owned(knowledge_base_id, user_id)
        ref = _select_ref(kind, ref_id, user_id)
        done = await run_batch(self._db, [base, ref])
        if done[base].first() is None:
            raise KnowledgeBaseNotFound("no such knowledge base")
        found = done[ref].first()
        if found is None:
            raise SourceNotFound(f"no such {kind}: {ref_id}")
        if kind == "file" and int(found["size"] or 0) > MAX_SOURCE_FILE_BYTES:
            raise SourceTooLarge(f"the file is {found['size']!s} bytes")
        created = iso(self._now)
        record = KnowledgeSourceRecord(
            str(uuid.uuid4()),
            user_id,
            knowledge_base_id,
            kind,
            ref_id,
            _title(kind, found),
            "queued",
            None,
            0.0,
            0,
            1,
            None,
            created,
            created,
        )
        insert = sources.insert_source(record)
        select = sources.select_by_ref(knowledge_base_id, user_id, kind, ref_id)
        added = await run_batch(self._db, [insert, select])
        stored = sources.SOURCE.decode(_first(added[select].first()))
        if added[insert].meta.changes == 0:
            return stored, False
        await self._queue_or_take_back(stored)
        return stored, True

    async def ingest_again(
        self, user_id: str, knowledge_base_id: str, source_id: str
    ) -> KnowledgeSourceRecord:
        """Ingest a source again (its file was replaced, the embedding model changed): a new generation,
        queued; a message of the old one still in the queue is ignored."""
        statement = sources.queue_again(source_id, user_id, knowledge_base_id, self._now)
        row = (await run(self._db, statement)).first()
        if row is None:
            raise SourceNotFound("no such source in this knowledge base")
        source = sources.SOURCE.decode(row)
        await self._queue.send(_message(source))
        return source

    async def get(self, user_id: str, knowledge_base_id: str, source_id: str) -> KnowledgeSourceRecord:
        row = (await run(self._db, sources.select_source(source_id, user_id))).first()
        if row is None or row["knowledge_base_id"] != knowledge_base_id:
            raise SourceNotFound("no such source in this knowledge base")
        return sources.SOURCE.decode(row)

    async def page(
        self, user_id: str, knowledge_base_id: str, cursor: str | None, limit: int
    ) -> tuple[list[KnowledgeSourceRecord], str | None]:
        base = knowledge_bases.select_owned(knowledge_base_id, user_id)
        select = sources.select_page(knowledge_base_id, user_id, position_after(cursor), limit + 1)
        done = await run_batch(self._db, [base, select])
        if done[base].first() is None:
            raise KnowledgeBaseNotFound("no such knowledge base")
        found = sources.SOURCE.decode_all(done[select].rows)
        return page_of(found, limit, lambda s: (s.created_at, s.id))

    async def remove(self, user_id: str, knowledge_base_id: str, source_id: str) -> None:
        """The source and its chunks go at once (D1), in one round trip; their vectors with the next
        purge."""
        deleted = await run(self._db, sources.delete_source(source_id, user_id, knowledge_base_id))
        if deleted.meta.changes == 0:
            raise SourceNotFound("no such source in this knowledge base")

    async def _queue_or_take_back(self, source: KnowledgeSourceRecord) -> None:
        try:
            await self._queue.send(_message(source))
        except Exception:
            # Never left queued forever.
            await run(self._db, sources.delete_source(source.id, source.user_id, source.knowledge_base_id))
            raise

    # --- the queue's consumer -------------------------------------------------------------------------

    async def consume(self, message: QueueMessage) -> None:
        """Ingest the source a message names. Raising has the queue deliver it again; a dead letter (it
        failed every retry) marks the source failed."""
        body = message.body if isinstance(message.body, dict) else {}
        source_id, user_id, generation = body.get("source_id"), body.get("user_id"), body.get("generation")
        if not (isinstance(source_id, str) and isinstance(user_id, str) and isinstance(generation, int)):
            get_logger().error(
                "a queue message that is not an ingestion", extra={"fields": {"id": message.id}}
            )
            return
        if message.dead_letter:
            failed = (
                "the ingestion failed on every retry (the embedding provider or the index was unavailable)"
            )
            await run(self._db, sources.fail(source_id, user_id, generation, failed, self._now))
            return
        row = (
            await run(self._db, sources.start_processing(source_id, user_id, generation, self._now))
        ).first()
        if row is None:
            return  # the source is gone, or was queued again since: this message is stale
        source = sources.SOURCE.decode(row)
        try:
            text = await self._text_of(source)
            chunks = split(text, self._chunk_chars, self._overlap_chars)
            if not chunks:
                raise _Unreadable("the source has no text")
        except _Unreadable as exc:
            await run(self._db, sources.fail(source_id, user_id, generation, str(exc), self._now))
            return
        vectors = await self._embedded(source, chunks)
        records = [
            KnowledgeChunkRecord(
                chunk_id(source.id, position),
                user_id,
                source.id,
                source.knowledge_base_id,
                position,
                text,
                iso(self._now),
            )
            for position, text in enumerate(chunks)
        ]
        await run_batch(self._db, [sources.delete_chunks(source.id, user_id), *_inserts(records)])
        metadata: dict[str, MetadataValue] = {
            "kb": source.knowledge_base_id,
            "source": source.id,
            "model": self._embedder.model,
        }
        for start in range(0, len(records), _VECTOR_UPSERT):
            batch = zip(
                records[start : start + _VECTOR_UPSERT], vectors[start : start + _VECTOR_UPSERT], strict=True
            )
            await self._vectors.upsert([Vector(r.id, v, user_id, metadata) for r, v in batch])
        model = self._embedder.model
        await run(self._db, sources.finish(source.id, user_id, generation, len(records), model, self._now))
        await self.purge_deleted_vectors()

    async def _embedded(self, source: KnowledgeSourceRecord, chunks: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(chunks), MAX_TEXTS_PER_CALL):
            vectors += await self._embedder.embed(chunks[start : start + MAX_TEXTS_PER_CALL])
            if start + MAX_TEXTS_PER_CALL < len(chunks):  # progress for the client polling the source
                done = len(vectors) / len(chunks)
                progress = sources.set_progress(source.id, source.user_id, source.generation, done, self._now)
                await run(self._db, progress)
        return vectors

    async def _text_of(self, source: KnowledgeSourceRecord) -> str:
        if source.kind == "file":
            found = await self._files.read(source.user_id, source.ref_id)
            if found is None:
                raise _Unreadable("the file was deleted")
            record, data = found
            if not is_text(record.content_type):
                raise _Unreadable(f"files of type {record.content_type} cannot be read as text yet")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _Unreadable("the file is not UTF-8 text") from None
        elif source.kind == "document":
            row = (await run(self._db, documents.select_latest(source.ref_id, source.user_id))).first()
            if row is None:
                raise _Unreadable("the document was deleted")
            text = f"{row['title']!s}\n\n{row['content'] or ''!s}"
        else:
            select = messages.select_older(source.ref_id, source.user_id, None, MAX_CHAT_MESSAGES)
            rows = messages.MESSAGE.decode_all(reversed((await run(self._db, select)).rows))
            text = "\n\n".join(
                f"{m.role}: {messages.text_of(m.parts)}" for m in rows if messages.text_of(m.parts)
            )
        if len(text) > MAX_SOURCE_CHARS:
            raise _Unreadable(f"the source has more than {MAX_SOURCE_CHARS} characters of text")
        return text

    async def purge_deleted_vectors(self, most: int = 1_000) -> int:
        """Delete the vectors of deleted chunks (up to `most`); returns how many. A chunk written again
        under its id since (a re-ingestion) keeps its vector."""
        select = sources.select_vector_deletions(most)
        ids = [str(row["chunk_id"]) for row in (await run(self._db, select)).rows]
        for start in range(0, len(ids), _VECTOR_DELETE):
            batch = ids[start : start + _VECTOR_DELETE]
            await self._vectors.delete(batch)
            await run(self._db, sources.forget_vector_deletions(batch))
        return len(ids)


def chunk_id(source_id: str, position: int) -> str:
    """The same for the same chunk of the same source, however often it is ingested (<= 64 bytes)."""
    return hashlib.sha256(f"{source_id}:{position}".encode()).hexdigest()[:40]


def _message(source: KnowledgeSourceRecord) -> dict[str, Any]:
    return {"source_id": source.id, "user_id": source.user_id, "generation": source.generation}


def _select_ref(kind: SourceKind, ref_id: str, user_id: str) -> Statement:
    if kind == "file":
        return files.select_owned(ref_id, user_id)
    if kind == "document":
        return documents.select_latest(ref_id, user_id)
    return chats.select_owned(ref_id, user_id)


def _title(kind: SourceKind, row: Any) -> str:
    if kind == "file":
        return str(row["filename"])
    return str(row["title"] or ("Untitled chat" if kind == "chat" else "Untitled"))


def _first(row: Any) -> Any:
    assert row is not None  # inserted now, or there before
    return row


def _inserts(records: list[KnowledgeChunkRecord]) -> list[Statement]:
    """The chunks' insert as statements of about _INSERT_BYTES each."""
    statements: list[Statement] = []
    group: list[KnowledgeChunkRecord] = []
    size = 0
    for record in records:
        if group and size + len(record.text.encode()) > _INSERT_BYTES:
            statements.append(sources.insert_chunks(group))
            group, size = [], 0
        group.append(record)
        size += len(record.text.encode()) + 200
    if group:
        statements.append(sources.insert_chunks(group))
    return statements
