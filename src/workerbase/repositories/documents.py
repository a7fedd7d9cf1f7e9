"""SQL for versioned documents and their suggestions. A document id belongs to the user who created its
first version; every statement names that owner."""

from __future__ import annotations

from dataclasses import dataclass

from workerbase.ports import Row, Statement

_DOC = "SELECT id, version, kind, title, content, created_at FROM documents"
# A new version: one more than the latest; nothing if the id belongs to someone else.
_INSERT_VERSION = (
    "INSERT INTO documents (id, version, user_id, kind, title, content, created_at)"
    " SELECT ?1, coalesce((SELECT max(version) FROM documents WHERE id = ?1), 0) + 1, ?2, ?3, ?4, ?5, ?6"
    " WHERE NOT EXISTS (SELECT 1 FROM documents WHERE id = ?1 AND user_id <> ?2)"
    " RETURNING id, version, kind, title, content, created_at"
)
_LATEST = _DOC + " WHERE id = ?1 AND user_id = ?2 ORDER BY version DESC LIMIT 1"
_VERSION = _DOC + " WHERE id = ?1 AND user_id = ?2 AND version = ?3"
_VERSIONS = _DOC + " WHERE id = ?1 AND user_id = ?2 AND version > ?3 ORDER BY version LIMIT ?4"
# On the given version, or the latest when ?3 is NULL; nothing unless the caller owns the document.
_INSERT_SUGGESTION = (
    "INSERT INTO suggestions (id, document_id, document_version, user_id, original_text, suggested_text,"
    " description, created_at) SELECT ?1, ?2, version, ?4, ?5, ?6, ?7, ?8 FROM documents"
    " WHERE id = ?2 AND user_id = ?4"
    " AND version = coalesce(?3, (SELECT max(version) FROM documents WHERE id = ?2))"
    " RETURNING id, document_id, document_version, original_text, suggested_text, description, resolved,"
    " created_at"
)
_SUGGESTIONS = (
    "SELECT id, document_id, document_version, original_text, suggested_text, description, resolved,"
    " created_at FROM suggestions WHERE document_id = ?1 AND user_id = ?2"
    " AND document_version = coalesce(?3, (SELECT max(version) FROM documents WHERE id = ?1))"
    " ORDER BY created_at, id"
)
_RESOLVE = (
    "UPDATE suggestions SET resolved = 1 WHERE id = ?1 AND document_id = ?2 AND user_id = ?3"
    " RETURNING id, document_id, document_version, original_text, suggested_text, description, resolved,"
    " created_at"
)


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    id: str
    version: int
    kind: str
    title: str
    content: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class SuggestionRecord:
    id: str
    document_id: str
    document_version: int
    original_text: str
    suggested_text: str
    description: str | None
    resolved: bool
    created_at: str


def document_from_row(row: Row) -> DocumentRecord:
    return DocumentRecord(
        id=str(row["id"]),
        version=int(row["version"] or 0),
        kind=str(row["kind"]),
        title=str(row["title"]),
        content=None if row["content"] is None else str(row["content"]),
        created_at=str(row["created_at"]),
    )


def suggestion_from_row(row: Row) -> SuggestionRecord:
    return SuggestionRecord(
        id=str(row["id"]),
        document_id=str(row["document_id"]),
        document_version=int(row["document_version"] or 0),
        original_text=str(row["original_text"]),
        suggested_text=str(row["suggested_text"]),
        description=None if row["description"] is None else str(row["description"]),
        resolved=bool(row["resolved"]),
        created_at=str(row["created_at"]),
    )


def insert_version(
    doc_id: str, user_id: str, kind: str, title: str, content: str | None, now: str
) -> Statement:
    return Statement(_INSERT_VERSION, [doc_id, user_id, kind, title, content, now])


def select_latest(doc_id: str, user_id: str) -> Statement:
    return Statement(_LATEST, [doc_id, user_id])


def select_version(doc_id: str, user_id: str, version: int) -> Statement:
    return Statement(_VERSION, [doc_id, user_id, version])


def select_versions(doc_id: str, user_id: str, after_version: int, limit: int) -> Statement:
    return Statement(_VERSIONS, [doc_id, user_id, after_version, limit])


def delete_versions_after(doc_id: str, user_id: str, version: int) -> Statement:
    return Statement(
        "DELETE FROM documents WHERE id = ? AND user_id = ? AND version > ?", [doc_id, user_id, version]
    )


def insert_suggestion(
    suggestion_id: str,
    doc_id: str,
    version: int | None,
    user_id: str,
    original: str,
    suggested: str,
    description: str | None,
    now: str,
) -> Statement:
    return Statement(
        _INSERT_SUGGESTION, [suggestion_id, doc_id, version, user_id, original, suggested, description, now]
    )


def select_suggestions(doc_id: str, user_id: str, version: int | None) -> Statement:
    return Statement(_SUGGESTIONS, [doc_id, user_id, version])


def resolve_suggestion(suggestion_id: str, doc_id: str, user_id: str) -> Statement:
    return Statement(_RESOLVE, [suggestion_id, doc_id, user_id])
