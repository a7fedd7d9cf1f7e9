"""SQL for knowledge bases. Every statement names the owner: another user's knowledge base is simply not
found."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import QueryResult, Statement
from workerbase.records import KnowledgeBaseRecord
from workerbase.repositories.rows import RecordRows

KNOWLEDGE_BASE = RecordRows(KnowledgeBaseRecord)

# The f-strings below only put the record's column list into SQL (hence the noqa on S608).
_COLUMNS = KNOWLEDGE_BASE.columns()
# Inserts nothing once the user (?2) has ?7 knowledge bases: the check and the insert are one statement,
# so two creations at once cannot both pass it.
_INSERT_UNLESS_AT_LIMIT = (
    f"INSERT INTO knowledge_bases ({_COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6"  # noqa: S608
    " WHERE (SELECT count(*) FROM knowledge_bases WHERE user_id = ?2) < ?7"
)
_SELECT_OWNED = f"SELECT {_COLUMNS} FROM knowledge_bases WHERE id = ? AND user_id = ?"  # noqa: S608
# ?1 user, ?2/?3 position after (created_at, id) or NULLs, ?4 limit. Newest first.
_SELECT_PAGE = (
    f"SELECT {_COLUMNS} FROM knowledge_bases WHERE user_id = ?1"  # noqa: S608
    " AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) ORDER BY created_at DESC, id DESC LIMIT ?4"
)
# Only the fields given change (COALESCE keeps the others); returns the knowledge base, or nothing if the
# caller does not own it.
_UPDATE = (
    "UPDATE knowledge_bases SET name = coalesce(?1, name), description = coalesce(?2, description),"  # noqa: S608
    f" updated_at = ?3 WHERE id = ?4 AND user_id = ?5 RETURNING {_COLUMNS}"
)


def insert_unless_at_limit(knowledge_base: KnowledgeBaseRecord, limit: int) -> Statement:
    kb = knowledge_base
    return Statement(
        _INSERT_UNLESS_AT_LIMIT,
        [kb.id, kb.user_id, kb.name, kb.description, kb.created_at, kb.updated_at, limit],
    )


def select_owned(knowledge_base_id: str, user_id: str) -> Statement:
    return Statement(_SELECT_OWNED, [knowledge_base_id, user_id])


def select_page(user_id: str, after: tuple[str, str] | None, limit: int) -> Statement:
    created_at, knowledge_base_id = after if after is not None else (None, None)
    return Statement(_SELECT_PAGE, [user_id, created_at, knowledge_base_id, limit])


def update_owned(
    knowledge_base_id: str,
    user_id: str,
    *,
    now: datetime,
    name: str | None = None,
    description: str | None = None,
) -> Statement:
    return Statement(_UPDATE, [name, description, iso(now), knowledge_base_id, user_id])


def delete_owned(knowledge_base_id: str, user_id: str) -> Statement:
    return Statement("DELETE FROM knowledge_bases WHERE id = ? AND user_id = ?", [knowledge_base_id, user_id])


def count_owned(user_id: str, knowledge_base_ids: Sequence[str]) -> Statement:
    """How many of these knowledge bases (`n`) are the user's: run it in the batch of the work that
    needs them, and check its result with `owns_all`."""
    return Statement(
        "SELECT count(*) AS n FROM knowledge_bases"
        " WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))",
        [user_id, json.dumps(list(knowledge_base_ids))],
    )


def owns_all(counted: QueryResult, knowledge_base_ids: Sequence[str]) -> bool:
    """Whether `count_owned`'s result says every one of these knowledge bases is the user's."""
    return int(counted.rows[0]["n"] or 0) == len(set(knowledge_base_ids))
