"""An R2 bucket on the local filesystem.

Layout under `root`: `index.sqlite3` holds each object's metadata and the name of its content file in
`blobs/`. A put writes the body to a fresh file (temp name, fsync, `os.replace`), then points the index
row at it in one SQLite transaction, then removes the file it replaced. So an object is never seen
half-written and its metadata always describes its body: a crash before the index commit leaves only an
unreferenced file, which the next open deletes. Keys never become paths (content files are named by
random ids), so no key (`../x`, `/etc`, unicode) can escape `root`. SQLite compares TEXT as UTF-8
bytes, which is R2's list order.

File and SQLite I/O happen synchronously on the event loop, like the other local adapters: nothing
awaits between reading and writing, so one process needs no locks; writes run in immediate
transactions, so processes sharing a root do not interleave either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import BinaryIO

from workerbase.bindings import r2_limits
from workerbase.bindings.local.failures import storage_failures_are_unavailable
from workerbase.bindings.local.r2_rules import Position, Row, conditions_hold, list_page
from workerbase.errors import InvalidArgument
from workerbase.ports import (
    ByteRange,
    Conditions,
    HttpMetadata,
    ObjectBody,
    ObjectInfo,
    ObjectPage,
    ObjectStream,
    PreconditionFailed,
)

_unavailable_on_failure = storage_failures_are_unavailable("R2")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    uploaded_ms INTEGER NOT NULL,
    http_metadata TEXT NOT NULL,
    custom_metadata TEXT NOT NULL
) WITHOUT ROWID
"""
_SELECT = "SELECT key, blob, size, etag, uploaded_ms, http_metadata, custom_metadata FROM objects"
_SCAN_FROM = {
    inclusive: f"{_SELECT} WHERE key {'>=' if inclusive else '>'} ? AND key >= ? ORDER BY key LIMIT ?"
    for inclusive in (False, True)
}
_UPSERT = (
    "INSERT OR REPLACE INTO objects (key, blob, size, etag, uploaded_ms, http_metadata, custom_metadata)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class FileObjectStore:
    def __init__(self, root: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self._root = Path(root)
        self._blobs = self._root / "blobs"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._index = sqlite3.connect(
            self._root / "index.sqlite3", isolation_level=None, check_same_thread=False
        )
        self._index.execute("PRAGMA journal_mode = WAL")
        self._index.execute(_SCHEMA)
        self._clock = clock
        self._remove_unreferenced_blobs()

    def close(self) -> None:
        self._index.close()

    @_unavailable_on_failure
    async def put(
        self,
        key: str,
        data: bytes,
        *,
        http_metadata: HttpMetadata | None = None,
        custom_metadata: Mapping[str, str] | None = None,
        only_if: Conditions | None = None,
    ) -> ObjectInfo | None:
        r2_limits.check_put(key, len(data), custom_metadata)
        if only_if is not None:
            r2_limits.check_conditions(only_if)
            if not conditions_hold(only_if, self._info(key)):
                return None  # decided before writing the body, so a refused put costs no disk I/O
        # R2 keeps whole milliseconds. Rounding to nanoseconds first drops float noise, so a clock
        # reading of 1.001 s is 1001 ms, not 1000.
        uploaded_ms = math.floor(round(self._clock() * 1000, 6))
        info = ObjectInfo(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            uploaded=r2_limits.from_epoch_ms(uploaded_ms),
            http_metadata=http_metadata or HttpMetadata(),
            custom_metadata=dict(custom_metadata or {}),
        )
        blob = self._write_blob(data)
        try:
            self._index.execute("BEGIN IMMEDIATE")
            replaced = self._row(key)
            # Decided again inside the transaction: another process may have written the key meanwhile.
            if only_if is not None and not conditions_hold(only_if, _maybe_info(replaced)):
                self._index.execute("ROLLBACK")
                (self._blobs / blob).unlink(missing_ok=True)
                return None
            self._index.execute(
                _UPSERT,
                (
                    key,
                    blob,
                    info.size,
                    info.etag,
                    uploaded_ms,
                    json.dumps(asdict(info.http_metadata)),
                    json.dumps(info.custom_metadata),
                ),
            )
            self._index.execute("COMMIT")
        except BaseException:
            if self._index.in_transaction:
                self._index.execute("ROLLBACK")
            (self._blobs / blob).unlink(missing_ok=True)
            raise
        if replaced is not None:
            (self._blobs / replaced[1]).unlink(missing_ok=True)
        return info

    @_unavailable_on_failure
    async def get(
        self, key: str, *, byte_range: ByteRange | None = None, only_if: Conditions | None = None
    ) -> ObjectBody | None:
        if only_if is not None:
            r2_limits.check_conditions(only_if)
        found = self._open_range(key, byte_range, only_if)
        if found is None:
            return None
        info, (offset, length), content = found
        with content:
            return ObjectBody(info=info, body=content.read(length), range=(offset, length))

    @_unavailable_on_failure
    async def open(self, key: str, *, byte_range: ByteRange | None = None) -> ObjectStream | None:
        found = self._open_range(key, byte_range, None)
        return _FileStream(*found) if found is not None else None

    @_unavailable_on_failure
    async def head(self, key: str) -> ObjectInfo | None:
        r2_limits.check_key(key)
        return self._info(key)

    @_unavailable_on_failure
    async def delete(self, keys: str | Sequence[str]) -> None:
        names = [keys] if isinstance(keys, str) else list(keys)
        for name in names:
            r2_limits.check_key(name)
        removed: list[str] = []
        self._index.execute("BEGIN IMMEDIATE")
        try:
            for name in names:
                deleted = self._index.execute("DELETE FROM objects WHERE key = ? RETURNING blob", (name,))
                removed.extend(blob for (blob,) in deleted.fetchall())
            self._index.execute("COMMIT")
        except BaseException:
            self._index.execute("ROLLBACK")
            raise
        for blob in removed:  # after the commit: a crash here leaves files that the next open sweeps
            (self._blobs / blob).unlink(missing_ok=True)

    @_unavailable_on_failure
    async def list(
        self,
        *,
        prefix: str = "",
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> ObjectPage:
        r2_limits.check_list_limit(limit)
        start = _decode_cursor(cursor) if cursor else ("", False)
        page_size = min(limit, r2_limits.MAX_LIST_PAGE_WITH_METADATA)
        listing, resume = list_page(self._scan, prefix, delimiter, start, page_size)
        infos = [_info_from_row(row) for row in listing.objects]
        if resume is None:
            return ObjectPage(infos, listing.delimited_prefixes, truncated=False)
        return ObjectPage(infos, listing.delimited_prefixes, truncated=True, cursor=_encode_cursor(resume))

    def _scan(self, start: str, inclusive: bool, prefix: str, count: int) -> Sequence[Row]:
        """Up to `count` rows in key order from `start` whose keys begin with `prefix`."""
        matching: list[Row] = []
        for row in self._index.execute(_SCAN_FROM[inclusive], (start, prefix, count)):
            if not row[0].startswith(prefix):
                break  # keys sharing a prefix are contiguous in key order: no later key matches
            matching.append(row)
        return matching

    def _row(self, key: str) -> Row | None:
        row: Row | None = self._index.execute(f"{_SELECT} WHERE key = ?", (key,)).fetchone()
        return row

    def _info(self, key: str) -> ObjectInfo | None:
        return _maybe_info(self._row(key))

    def _open_range(
        self, key: str, byte_range: ByteRange | None, only_if: Conditions | None
    ) -> tuple[ObjectInfo, tuple[int, int], BinaryIO] | None:
        """The object's metadata, the (offset, length) asked for, and its content file open at the offset.
        An open file keeps its content even if a put replaces the object meanwhile."""
        r2_limits.check_key(key)
        if byte_range is not None:
            r2_limits.check_range(byte_range)
        for _attempt in range(3):
            row = self._row(key)
            if row is None:
                return None
            info = _info_from_row(row)
            if only_if is not None and not conditions_hold(only_if, info):
                raise PreconditionFailed(info)
            offset, length = r2_limits.resolve_range(byte_range, info.size)
            try:
                content = self._open_blob(row[1])
            except FileNotFoundError:
                continue  # another process replaced the object between our two reads: read it again
            content.seek(offset)
            return info, (offset, length), content
        raise FileNotFoundError(f"the content of R2 object {key!r} keeps disappearing")

    def _open_blob(self, blob: str) -> BinaryIO:
        return open(self._blobs / blob, "rb")  # the caller closes it

    def _write_blob(self, data: bytes) -> str:
        name = uuid.uuid4().hex
        temporary = self._blobs / f"{name}.tmp"
        try:
            with open(temporary, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._blobs / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return name

    def _remove_unreferenced_blobs(self) -> None:
        referenced = {row[0] for row in self._index.execute("SELECT blob FROM objects")}
        for path in self._blobs.iterdir():
            if path.name not in referenced:
                path.unlink(missing_ok=True)


class _FileStream:
    """A range of a content file, read in chunks: memory stays at one chunk whatever the object's size."""

    CHUNK_BYTES = 64 * 1024
    native = None

    def __init__(self, info: ObjectInfo, byte_range: tuple[int, int], content: BinaryIO) -> None:
        self.info = info
        self.range = byte_range
        self._content = content

    async def chunks(self) -> AsyncIterator[bytes]:
        remaining = self.range[1]
        try:
            while remaining > 0:
                chunk = self._content.read(min(self.CHUNK_BYTES, remaining))
                if not chunk:
                    raise OSError("the content file is shorter than its index entry")
                remaining -= len(chunk)
                yield chunk
        finally:
            self._content.close()

    async def aclose(self) -> None:
        self._content.close()


def _maybe_info(row: Row | None) -> ObjectInfo | None:
    return _info_from_row(row) if row is not None else None


def _info_from_row(row: Row) -> ObjectInfo:
    key, _blob, size, etag, uploaded_ms, http_metadata, custom_metadata = row
    return ObjectInfo(
        key=key,
        size=size,
        etag=etag,
        uploaded=r2_limits.from_epoch_ms(uploaded_ms),
        http_metadata=HttpMetadata(**json.loads(http_metadata)),
        custom_metadata=json.loads(custom_metadata),
    )


def _encode_cursor(position: Position) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def _decode_cursor(cursor: str) -> Position:
    try:
        start, inclusive = json.loads(base64.b64decode(cursor.encode(), altchars=b"-_", validate=True))
    except (ValueError, TypeError):  # not base64, not JSON, or not a pair
        raise InvalidArgument("invalid R2 list cursor") from None
    if not isinstance(start, str) or not isinstance(inclusive, bool):
        raise InvalidArgument("invalid R2 list cursor")
    return start, inclusive
