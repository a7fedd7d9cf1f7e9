"""SQL for API keys."""

from __future__ import annotations

from dataclasses import dataclass

from workerbase.ports import Row, Statement
from workerbase.repositories.accounts import role_column

_COLUMNS = "id, user_id, name, prefix, scopes, created_at, expires_at"
# Inserts nothing once the user has ?9 keys.
_INSERT_UNLESS_AT_LIMIT = (
    "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, scopes, created_at, expires_at)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE (SELECT count(*) FROM api_keys WHERE user_id = ?2) < ?9"
)
# The principal behind a presented key: the key's scopes and its owner's role, if the key is live.
_SELECT_PRINCIPAL = (
    f"SELECT api_keys.user_id AS user_id, api_keys.scopes AS scopes, {role_column('users.')}"  # noqa: S608
    " FROM api_keys"
    " JOIN users ON users.id = api_keys.user_id"
    " WHERE api_keys.key_hash = ? AND (api_keys.expires_at IS NULL OR api_keys.expires_at > ?)"
)
_SELECT_PAGE = (
    "SELECT id, user_id, name, prefix, scopes, created_at, expires_at FROM api_keys WHERE user_id = ?1"
    " AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) ORDER BY created_at DESC, id DESC LIMIT ?4"
)


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: str
    user_id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: str
    expires_at: str | None


def key_from_row(row: Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=str(row["id"]),
        user_id=str(row["user_id"]),
        name=str(row["name"]),
        prefix=str(row["prefix"]),
        scopes=tuple(str(row["scopes"]).split()),
        created_at=str(row["created_at"]),
        expires_at=None if row["expires_at"] is None else str(row["expires_at"]),
    )


def insert_key_unless_at_limit(key: ApiKeyRecord, key_hash: str, limit: int) -> Statement:
    scopes = " ".join(key.scopes)
    return Statement(
        _INSERT_UNLESS_AT_LIMIT,
        [key.id, key.user_id, key.name, key_hash, key.prefix, scopes, key.created_at, key.expires_at, limit],
    )


def select_principal(key_hash: str, now: str) -> Statement:
    return Statement(_SELECT_PRINCIPAL, [key_hash, now])


def select_page(user_id: str, after: tuple[str, str] | None, limit: int) -> Statement:
    created_at, key_id = after if after is not None else (None, None)
    return Statement(_SELECT_PAGE, [user_id, created_at, key_id, limit])


def delete_key(user_id: str, key_id: str) -> Statement:
    return Statement("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [key_id, user_id])
