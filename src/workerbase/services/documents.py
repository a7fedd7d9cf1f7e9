"""Versioned documents (artifacts) and suggestions on them. One D1 round trip per method."""

from __future__ import annotations

import uuid
from datetime import datetime

from workerbase.errors import WorkerbaseError
from workerbase.ports import Database, Row, Statement, run
from workerbase.records import DocumentRecord, SuggestionRecord
from workerbase.repositories import documents


class DocumentNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such document, version or suggestion"


class DocumentService:
    def __init__(self, db: Database, now: datetime) -> None:
        self._db = db
        self._now = now

    async def add_version(
        self, user_id: str, doc_id: str | None, kind: str, title: str, content: str | None
    ) -> DocumentRecord:
        row = await self._first(
            documents.insert_version(doc_id or str(uuid.uuid4()), user_id, kind, title, content, self._now)
        )
        assert row is not None  # the insert returns the version it made
        return documents.DOCUMENT.decode(row)

    async def get(self, user_id: str, doc_id: str, version: int | None) -> DocumentRecord:
        statement = (
            documents.select_latest(doc_id, user_id)
            if version is None
            else documents.select_version(doc_id, user_id, version)
        )
        return documents.DOCUMENT.decode(self._found(await self._first(statement)))

    async def versions(
        self, user_id: str, doc_id: str, after_version: int, limit: int
    ) -> tuple[list[DocumentRecord], int | None]:
        select = documents.select_versions(doc_id, user_id, after_version, limit + 1)
        rows = (await run(self._db, select)).rows
        found = documents.DOCUMENT.decode_all(rows)
        if not found and after_version == 0:
            raise DocumentNotFound("no such document")
        if len(found) <= limit:
            return found, None
        return found[:limit], found[limit - 1].version

    async def delete_versions_after(self, user_id: str, doc_id: str, version: int) -> int:
        """Drop the versions after `version` (undo); returns how many. 404 if the document is not the
        caller's. One batch: the check and the delete."""
        check, deleted = await self._db.batch(
            [
                documents.select_latest(doc_id, user_id),
                documents.delete_versions_after(doc_id, user_id, version),
            ]
        )
        self._found(check.first())
        return deleted.meta.changes

    async def suggest(
        self,
        user_id: str,
        doc_id: str,
        version: int | None,
        original: str,
        suggested: str,
        description: str | None,
    ) -> SuggestionRecord:
        statement = documents.insert_suggestion(
            str(uuid.uuid4()), doc_id, version, user_id, original, suggested, description, self._now
        )
        return documents.SUGGESTION.decode(self._found(await self._first(statement)))

    async def suggestions(self, user_id: str, doc_id: str, version: int | None) -> list[SuggestionRecord]:
        check, found = await self._db.batch(
            [
                documents.select_latest(doc_id, user_id)
                if version is None
                else documents.select_version(doc_id, user_id, version),
                documents.select_suggestions(doc_id, user_id, version),
            ]
        )
        self._found(check.first())
        return documents.SUGGESTION.decode_all(found.rows)

    async def resolve(self, user_id: str, doc_id: str, suggestion_id: str) -> SuggestionRecord:
        row = await self._first(documents.resolve_suggestion(suggestion_id, doc_id, user_id))
        return documents.SUGGESTION.decode(self._found(row))

    async def _first(self, statement: Statement) -> Row | None:
        return (await run(self._db, statement)).first()

    @staticmethod
    def _found(row: Row | None) -> Row:
        if row is None:
            raise DocumentNotFound("not found")
        return row
