"""Workers KV on a local SQLite file.

Like KV: keys list in UTF-8 byte order (SQLite's BINARY collation compares UTF-8 bytes, which is also
code-point order, unlike JS's UTF-16 order), expired keys are invisible at once and purged lazily,
metadata is stored as the JSON KV would store. Unlike KV, reads see writes at once everywhere;
production KV may serve a stale value for up to 60 s, which is why nothing in workerbase uses KV for
state that must be consistent.
"""

from __future__ import annotations

import base64
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
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiration ON kv (expiration) WHERE expiration IS NOT NULL;
"""

_PAGE_FROM = "SELECT key, expiration, metadata FROM kv WHERE key >= ? ORDER BY key LIMIT ?"
_PAGE_BETWEEN = "SELECT key, expiration, metadata FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?"

_LAST_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


class SqliteKeyValue:
    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.executescript(_SCHEMA)
        self._clock = clock

    def close(self) -> None:
        self._connection.close()

    async def get(self, key: str) -> bytes | None:
        entry = await self.get_with_metadata(key)
        return entry.value if entry is not None else None

    @_unavailable_on_failure
    async def get_with_metadata(self, key: str) -> KvEntry | None:
        kv_limits.check_key(key)
        row = self._connection.execute(
            "SELECT value, metadata, expiration FROM kv WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        value, metadata, expiration = row
        if expiration is not None and expiration <= self._clock():
            self._connection.execute("DELETE FROM kv WHERE key = ? AND expiration = ?", (key, expiration))
            return None
        return KvEntry(value=bytes(value), metadata=kv_limits.decode_metadata(metadata))

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
        # A put replaces the whole entry, as in KV: no expiration or metadata survives from before.
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
        kv_limits.check_list(prefix, limit)
        self._connection.execute("DELETE FROM kv WHERE expiration <= ?", (self._clock(),))
        # A key range rather than a substr() test, so the primary key index finds the page. The
        # smallest key after the cursor's is that key + U+0000.
        start = prefix
        if cursor:
            start = max(start, _decode_cursor(cursor) + "\0")
        end = _prefix_end(prefix)
        if end is None:
            rows = self._connection.execute(_PAGE_FROM, (start, limit + 1)).fetchall()
        else:
            rows = self._connection.execute(_PAGE_BETWEEN, (start, end, limit + 1)).fetchall()
        keys = [
            KvKey(name=name, expiration=expiration, metadata=kv_limits.decode_metadata(metadata))
            for name, expiration, metadata in rows[:limit]
        ]
        if len(rows) <= limit:
            return KvPage(keys=keys, list_complete=True)
        return KvPage(keys=keys, list_complete=False, cursor=_encode_cursor(keys[-1].name))


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (code-point order, which is
    UTF-8 byte order); None when there is none (an empty prefix, or one of only U+10FFFF)."""
    kept = prefix
    while kept:
        last = ord(kept[-1])
        kept = kept[:-1]
        if last < _LAST_CODE_POINT:
            following = last + 1
            # Keys are valid UTF-8, so no key holds a surrogate: skip straight past them.
            return kept + chr(_SURROGATES.stop if following in _SURROGATES else following)
    return None


def _encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except ValueError:
        raise InvalidArgument("invalid KV list cursor") from None
