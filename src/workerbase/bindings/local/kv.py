"""Workers KV on a local SQLite file.

Like KV: keys list in UTF-8 byte order (SQLite's BINARY collation compares UTF-8 bytes), expired keys
are invisible at once and purged lazily, metadata is stored as JSON. Unlike KV, reads see writes at
once everywhere; production KV may serve a stale value for up to 60 s, which is why nothing in
workerbase uses KV for state that must be consistent.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from workerbase.bindings import kv_limits
from workerbase.bindings.local.failures import storage_failures_are_unavailable
from workerbase.errors import InvalidArgument
from workerbase.ports import JsonValue, KvEntry, KvKey, KvPage

_unavailable_on_failure = storage_failures_are_unavailable("KV")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    expiration INTEGER,
    metadata TEXT
) WITHOUT ROWID
"""


class SqliteKeyValue:
    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute(_SCHEMA)
        self._clock = clock

    def close(self) -> None:
        self._connection.close()

    @_unavailable_on_failure
    async def get(self, key: str) -> bytes | None:
        entry = await self.get_with_metadata(key)
        return entry.value if entry is not None else None

    @_unavailable_on_failure
    async def get_with_metadata(self, key: str) -> KvEntry | None:
        kv_limits.check_key(key)
        row = self._connection.execute(
            "SELECT value, metadata FROM kv WHERE key = ? AND (expiration IS NULL OR expiration > ?)",
            (key, self._clock()),
        ).fetchone()
        if row is None:
            return None
        return KvEntry(value=bytes(row[0]), metadata=_decode_metadata(row[1]))

    @_unavailable_on_failure
    async def put(
        self,
        key: str,
        value: bytes | str,
        *,
        expiration_ttl: int | None = None,
        expiration: int | None = None,
        metadata: JsonValue | None = None,
    ) -> None:
        put = kv_limits.check_put(
            key,
            value,
            now=self._clock(),
            expiration_ttl=expiration_ttl,
            expiration=expiration,
            metadata=metadata,
        )
        self._connection.execute(
            "INSERT OR REPLACE INTO kv (key, value, expiration, metadata) VALUES (?, ?, ?, ?)",
            (key, put.data, put.expires_at, put.metadata_json),
        )

    @_unavailable_on_failure
    async def delete(self, key: str) -> None:
        kv_limits.check_key(key)
        self._connection.execute("DELETE FROM kv WHERE key = ?", (key,))

    @_unavailable_on_failure
    async def list(self, *, prefix: str = "", limit: int = 1000, cursor: str | None = None) -> KvPage:
        kv_limits.check_list_limit(limit)
        now = self._clock()
        self._connection.execute("DELETE FROM kv WHERE expiration <= ?", (now,))
        after = _decode_cursor(cursor) if cursor else ""
        rows = self._connection.execute(
            "SELECT key, expiration, metadata FROM kv"
            " WHERE substr(key, 1, ?) = ? AND key > ? ORDER BY key LIMIT ?",
            (len(prefix), prefix, after, limit + 1),
        ).fetchall()
        keys = [
            KvKey(name=row[0], expiration=row[1], metadata=_decode_metadata(row[2])) for row in rows[:limit]
        ]
        if len(rows) <= limit:
            return KvPage(keys=keys, list_complete=True)
        return KvPage(keys=keys, list_complete=False, cursor=_encode_cursor(keys[-1].name))


def _decode_metadata(encoded: str | None) -> JsonValue | None:
    return json.loads(encoded) if encoded is not None else None


def _encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except ValueError:
        raise InvalidArgument("invalid KV list cursor") from None
