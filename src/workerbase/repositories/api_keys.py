"""SQL for API keys."""

from __future__ import annotations

from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import ApiKeyRecord, KeyPrincipal
from workerbase.repositories.accounts import role_column
from workerbase.repositories.rows import RecordRows


def _scope_words(stored: str) -> tuple[str, ...]:
    return tuple(stored.split())


# The scopes are stored as one space-separated column.
API_KEY = RecordRows(ApiKeyRecord, scopes=_scope_words)
PRINCIPAL = RecordRows(KeyPrincipal, scopes=_scope_words)
# Inserts nothing once the user has ?9 keys.
_INSERT_UNLESS_AT_LIMIT = (
    "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, scopes, created_at, expires_at)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE (SELECT count(*) FROM api_keys WHERE user_id = ?2) < ?9"
)
# The principal behind a presented key: the key's scopes and its owner's role, if the key is live.
_SELECT_PRINCIPAL = (
    f"SELECT {PRINCIPAL.columns('api_keys.', role=role_column('users.'))} FROM api_keys"  # noqa: S608
    " JOIN users ON users.id = api_keys.user_id"
    " WHERE api_keys.key_hash = ? AND (api_keys.expires_at IS NULL OR api_keys.expires_at > ?)"
)
_SELECT_PAGE = (
    f"SELECT {API_KEY.columns()} FROM api_keys WHERE user_id = ?1"  # noqa: S608 (the record's columns)
    " AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) ORDER BY created_at DESC, id DESC LIMIT ?4"
)


def insert_key_unless_at_limit(key: ApiKeyRecord, key_hash: str, limit: int) -> Statement:
    scopes = " ".join(key.scopes)  # as _scope_words reads them
    return Statement(
        _INSERT_UNLESS_AT_LIMIT,
        [key.id, key.user_id, key.name, key_hash, key.prefix, scopes, key.created_at, key.expires_at, limit],
    )


def select_principal(key_hash: str, now: datetime) -> Statement:
    return Statement(_SELECT_PRINCIPAL, [key_hash, iso(now)])


def select_page(user_id: str, after: tuple[str, str] | None, limit: int) -> Statement:
    created_at, key_id = after if after is not None else (None, None)
    return Statement(_SELECT_PAGE, [user_id, created_at, key_id, limit])


def delete_key(user_id: str, key_id: str) -> Statement:
    return Statement("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [key_id, user_id])
