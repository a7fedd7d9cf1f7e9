"""SQL for versioned documents and their suggestions. A document's id is its owner's (migration 0015: two
users may use one id); every statement names the owner."""

from __future__ import annotations

from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import DocumentRecord, SuggestionRecord
from workerbase.repositories.rows import RecordRows

DOCUMENT = RecordRows(DocumentRecord)
SUGGESTION = RecordRows(SuggestionRecord)

# The f-strings below only put the records' column lists into SQL (hence the noqa on S608).
_DOC = f"SELECT {DOCUMENT.columns()} FROM documents"  # noqa: S608
# A new version: one more than the owner's latest under this id (the first if there is none).
_INSERT_VERSION = (
    "INSERT INTO documents (id, version, user_id, kind, title, content, created_at)"  # noqa: S608
    " SELECT ?1, coalesce((SELECT max(version) FROM documents WHERE user_id = ?2 AND id = ?1), 0) + 1,"
    f" ?2, ?3, ?4, ?5, ?6 RETURNING {DOCUMENT.columns()}"
)
_LATEST = _DOC + " WHERE user_id = ?2 AND id = ?1 ORDER BY version DESC LIMIT 1"
_VERSION = _DOC + " WHERE user_id = ?2 AND id = ?1 AND version = ?3"
_VERSIONS = _DOC + " WHERE user_id = ?2 AND id = ?1 AND version > ?3 ORDER BY version LIMIT ?4"
# On the given version, or the latest when ?3 is NULL; nothing unless the caller owns the document.
_INSERT_SUGGESTION = (
    "INSERT INTO suggestions (id, document_id, document_version, user_id, original_text, suggested_text,"  # noqa: S608
    " description, created_at) SELECT ?1, ?2, version, ?4, ?5, ?6, ?7, ?8 FROM documents"
    " WHERE user_id = ?4 AND id = ?2"
    " AND version = coalesce(?3, (SELECT max(version) FROM documents WHERE user_id = ?4 AND id = ?2))"
    f" RETURNING {SUGGESTION.columns()}"
)
_SUGGESTIONS = (
    f"SELECT {SUGGESTION.columns()} FROM suggestions"  # noqa: S608
    " WHERE user_id = ?2 AND document_id = ?1"
    " AND document_version"
    " = coalesce(?3, (SELECT max(version) FROM documents WHERE user_id = ?2 AND id = ?1))"
    " ORDER BY created_at, id"
)
_RESOLVE = (
    "UPDATE suggestions SET resolved = 1 WHERE id = ?1 AND user_id = ?3 AND document_id = ?2"  # noqa: S608
    f" RETURNING {SUGGESTION.columns()}"
)


def insert_version(
    doc_id: str, user_id: str, kind: str, title: str, content: str | None, now: datetime
) -> Statement:
    return Statement(_INSERT_VERSION, [doc_id, user_id, kind, title, content, iso(now)])


def select_latest(doc_id: str, user_id: str) -> Statement:
    return Statement(_LATEST, [doc_id, user_id])


def select_version(doc_id: str, user_id: str, version: int) -> Statement:
    return Statement(_VERSION, [doc_id, user_id, version])


def select_versions(doc_id: str, user_id: str, after_version: int, limit: int) -> Statement:
    return Statement(_VERSIONS, [doc_id, user_id, after_version, limit])


def delete_versions_after(doc_id: str, user_id: str, version: int) -> Statement:
    return Statement(
        "DELETE FROM documents WHERE user_id = ? AND id = ? AND version > ?", [user_id, doc_id, version]
    )


def insert_suggestion(
    suggestion_id: str,
    doc_id: str,
    version: int | None,
    user_id: str,
    original: str,
    suggested: str,
    description: str | None,
    now: datetime,
) -> Statement:
    return Statement(
        _INSERT_SUGGESTION,
        [suggestion_id, doc_id, version, user_id, original, suggested, description, iso(now)],
    )


def select_suggestions(doc_id: str, user_id: str, version: int | None) -> Statement:
    return Statement(_SUGGESTIONS, [doc_id, user_id, version])


def resolve_suggestion(suggestion_id: str, doc_id: str, user_id: str) -> Statement:
    return Statement(_RESOLVE, [suggestion_id, doc_id, user_id])
