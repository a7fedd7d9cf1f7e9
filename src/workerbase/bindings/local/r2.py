"""An R2 bucket on the local filesystem.

Layout under `root`: `index.sqlite3` holds each object's metadata and the name of its content file in
`blobs/`. A put writes a new content file under a fresh name (temp file, fsync, rename), then points
the index row at it in one SQLite transaction, then removes the file it replaced. So an object is never
seen half-written: a crash before the index update leaves only an unreferenced file, which the next
open deletes. Keys never become paths, so no key (`../x`, `/etc`, unicode) can escape `root`.

File and SQLite I/O happen synchronously on the event loop, like the other local adapters: this is a
single-developer runtime, and the simplicity is worth more than concurrency here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workerbase.bindings import r2_rules
from workerbase.bindings.local.failures import storage_failures_are_unavailable
from workerbase.errors import InvalidArgument
from workerbase.ports import (
    ByteRange,
    Conditions,
    HttpMetadata,
    ObjectBody,
    ObjectInfo,
    ObjectPage,
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
_SELECT_ONE = _SELECT + " WHERE key = ?"
_SELECT_PAGE = _SELECT + " WHERE substr(key, 1, ?) = ? AND key > ? ORDER BY key"
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
        r2_rules.check_put(key, len(data), custom_metadata)
        if only_if is not None and not r2_rules.conditions_hold(only_if, self._info(key)):
            return None
        blob = self._write_blob(data)
        info = ObjectInfo(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            uploaded=datetime.fromtimestamp(int(self._clock() * 1000) / 1000, UTC),
            http_metadata=http_metadata or HttpMetadata(),
            custom_metadata=dict(custom_metadata or {}),
        )
        try:
            self._index.execute("BEGIN IMMEDIATE")
            replaced = self._index.execute("SELECT blob FROM objects WHERE key = ?", (key,)).fetchone()
            self._index.execute(
                _UPSERT,
                (
                    key,
                    blob,
                    info.size,
                    info.etag,
                    int(info.uploaded.timestamp() * 1000),
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
            (self._blobs / replaced[0]).unlink(missing_ok=True)
        return info

    @_unavailable_on_failure
    async def get(
        self, key: str, *, byte_range: ByteRange | None = None, only_if: Conditions | None = None
    ) -> ObjectBody | None:
        r2_rules.check_key(key)
        if byte_range is not None:
            r2_rules.check_range(byte_range)
        row = self._row(key)
        if row is None:
            return None
        info = _info_from_row(row)
        if only_if is not None and not r2_rules.conditions_hold(only_if, info):
            raise PreconditionFailed(info)
        offset, length = r2_rules.resolve_range(byte_range, info.size)
        return ObjectBody(info=info, body=self._read_blob(row[1], offset, length), range=(offset, length))

    @_unavailable_on_failure
    async def head(self, key: str) -> ObjectInfo | None:
        r2_rules.check_key(key)
        return self._info(key)

    @_unavailable_on_failure
    async def delete(self, keys: str | Sequence[str]) -> None:
        names = [keys] if isinstance(keys, str) else list(keys)
        for name in names:
            r2_rules.check_key(name)
        for name in names:
            row = self._index.execute("DELETE FROM objects WHERE key = ? RETURNING blob", (name,)).fetchone()
            if row is not None:
                (self._blobs / row[0]).unlink(missing_ok=True)

    @_unavailable_on_failure
    async def list(
        self,
        *,
        prefix: str = "",
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> ObjectPage:
        r2_rules.check_list_limit(limit)
        after, skip_prefix = _decode_cursor(cursor) if cursor else ("", None)
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        last_key = after
        for row in self._rows_after(prefix, after):
            key = row[0]
            if skip_prefix is not None and key.startswith(skip_prefix):
                continue
            if len(objects) + len(prefixes) == limit:
                group = prefixes[-1] if prefixes and last_key.startswith(prefixes[-1]) else None
                return ObjectPage(objects, prefixes, truncated=True, cursor=_encode_cursor(last_key, group))
            last_key = key
            remainder = key[len(prefix) :]
            if delimiter and delimiter in remainder:
                group = prefix + remainder[: remainder.index(delimiter) + len(delimiter)]
                skip_prefix = group
                prefixes.append(group)
            else:
                objects.append(_info_from_row(row))
        return ObjectPage(objects, prefixes, truncated=False)

    def _rows_after(self, prefix: str, after: str) -> Iterator[tuple[Any, ...]]:
        return iter(self._index.execute(_SELECT_PAGE, (len(prefix), prefix, after)))

    def _row(self, key: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._index.execute(_SELECT_ONE, (key,)).fetchone()
        return row

    def _info(self, key: str) -> ObjectInfo | None:
        row = self._row(key)
        return _info_from_row(row) if row is not None else None

    def _read_blob(self, blob: str, offset: int, length: int) -> bytes:
        with open(self._blobs / blob, "rb") as content:
            content.seek(offset)
            return content.read(length)

    def _write_blob(self, data: bytes) -> str:
        name = uuid.uuid4().hex
        temporary = self._blobs / f"{name}.tmp"
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._blobs / name)
        return name

    def _remove_unreferenced_blobs(self) -> None:
        referenced = {row[0] for row in self._index.execute("SELECT blob FROM objects")}
        for path in self._blobs.iterdir():
            if path.name not in referenced:
                path.unlink(missing_ok=True)


def _info_from_row(row: tuple[Any, ...]) -> ObjectInfo:
    key, _blob, size, etag, uploaded_ms, http_metadata, custom_metadata = row
    return ObjectInfo(
        key=key,
        size=size,
        etag=etag,
        uploaded=datetime.fromtimestamp(uploaded_ms / 1000, UTC),
        http_metadata=HttpMetadata(**json.loads(http_metadata)),
        custom_metadata=json.loads(custom_metadata),
    )


def _encode_cursor(after: str, skip_prefix: str | None) -> str:
    return base64.urlsafe_b64encode(json.dumps([after, skip_prefix]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[str, str | None]:
    try:
        after, skip_prefix = json.loads(base64.b64decode(cursor.encode(), altchars=b"-_", validate=True))
    except ValueError:
        raise InvalidArgument("invalid R2 list cursor") from None
    return str(after), skip_prefix
