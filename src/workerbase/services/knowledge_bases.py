"""Knowledge bases: a user's named collections that retrieval searches (issue 14). Create, list, read,
update, delete; each is one D1 round trip, and another user's knowledge base is "not found", never
"forbidden". Sources and their ingestion build on these rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from workerbase.clock import iso
from workerbase.errors import WorkerbaseError
from workerbase.pagination import page_of, position_after
from workerbase.ports import Database, Row, run
from workerbase.records import KnowledgeBaseRecord
from workerbase.repositories import knowledge_bases

# Each one will hold sources, chunks and vectors: a cap keeps one account from growing without bound
# (like API keys). Deleting one makes room.
MAX_KNOWLEDGE_BASES_PER_USER = 100


class KnowledgeBaseNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such knowledge base"


class TooManyKnowledgeBases(WorkerbaseError):
    status = 409
    code = "too_many_knowledge_bases"
    title = f"A user can have at most {MAX_KNOWLEDGE_BASES_PER_USER} knowledge bases"
    public_detail = True

    def problem_extras(self) -> dict[str, Any]:
        return {"max_knowledge_bases": MAX_KNOWLEDGE_BASES_PER_USER}


class KnowledgeBaseService:
    def __init__(self, db: Database, now: datetime) -> None:
        self._db = db
        self._now = now

    async def create(self, user_id: str, *, name: str, description: str) -> KnowledgeBaseRecord:
        """One round trip: the insert checks the cap itself."""
        created = iso(self._now)
        record = KnowledgeBaseRecord(
            id=str(uuid.uuid4()),
            user_id=user_id,
            name=name,
            description=description,
            created_at=created,
            updated_at=created,
        )
        insert = knowledge_bases.insert_unless_at_limit(record, MAX_KNOWLEDGE_BASES_PER_USER)
        if (await run(self._db, insert)).meta.changes == 0:
            raise TooManyKnowledgeBases("delete a knowledge base before creating another")
        return record

    async def get(self, user_id: str, knowledge_base_id: str) -> KnowledgeBaseRecord:
        select = knowledge_bases.select_owned(knowledge_base_id, user_id)
        return _found((await run(self._db, select)).first())

    async def page(
        self, user_id: str, cursor: str | None, limit: int
    ) -> tuple[list[KnowledgeBaseRecord], str | None]:
        """Newest first."""
        select = knowledge_bases.select_page(user_id, position_after(cursor), limit + 1)
        found = knowledge_bases.KNOWLEDGE_BASE.decode_all((await run(self._db, select)).rows)
        return page_of(found, limit, lambda kb: (kb.created_at, kb.id))

    async def update(
        self, user_id: str, knowledge_base_id: str, *, name: str | None = None, description: str | None = None
    ) -> KnowledgeBaseRecord:
        """Only the fields given change."""
        update = knowledge_bases.update_owned(
            knowledge_base_id, user_id, now=self._now, name=name, description=description
        )
        return _found((await run(self._db, update)).first())

    async def delete(self, user_id: str, knowledge_base_id: str) -> None:
        delete = knowledge_bases.delete_owned(knowledge_base_id, user_id)
        if (await run(self._db, delete)).meta.changes == 0:
            raise KnowledgeBaseNotFound("no such knowledge base")


def _found(row: Row | None) -> KnowledgeBaseRecord:
    if row is None:
        raise KnowledgeBaseNotFound("no such knowledge base")
    return knowledge_bases.KNOWLEDGE_BASE.decode(row)
