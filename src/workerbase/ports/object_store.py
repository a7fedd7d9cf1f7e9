"""The object store port (R2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import Protocol

from workerbase.frozen import Frozen
from workerbase.ports.streams import BodyStream


class HttpMetadata(Frozen):
    content_type: str | None = None
    content_language: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    cache_control: str | None = None


class ObjectInfo(Frozen):
    key: str
    size: int
    etag: str  # MD5 hex for single-part uploads, as R2 computes it
    uploaded: datetime  # timezone-aware UTC
    http_metadata: HttpMetadata = field(default_factory=HttpMetadata)
    custom_metadata: dict[str, str] = field(default_factory=dict)

    @property
    def http_etag(self) -> str:
        return f'"{self.etag}"'


class ObjectBody(Frozen):
    info: ObjectInfo
    body: bytes
    # The byte range `body` holds, as (offset, length); the whole object when no range was asked for.
    range: tuple[int, int]


class ObjectStream(BodyStream, Protocol):
    """An R2 object's body (or a range of it)."""

    info: ObjectInfo
    range: tuple[int, int]  # (offset, length) of the bytes the stream yields


class ByteRange(Frozen):
    """One of: offset (+ optional length), or suffix (the last `suffix` bytes)."""

    offset: int | None = None
    length: int | None = None
    suffix: int | None = None


class Conditions(Frozen):
    """R2 `onlyIf`: an operation whose conditions fail does nothing (put returns None, get no body)."""

    etag_matches: str | None = None
    etag_does_not_match: str | None = None
    uploaded_before: datetime | None = None
    uploaded_after: datetime | None = None


class ObjectPage(Frozen):
    objects: list[ObjectInfo]
    delimited_prefixes: list[str]
    truncated: bool
    cursor: str | None = None


class PreconditionFailed(Exception):
    """Raised by `ObjectStore.get` when `only_if` fails; carries the object's current metadata."""

    def __init__(self, info: ObjectInfo) -> None:
        super().__init__(info.key)
        self.info = info


class ObjectStore(Protocol):
    """An R2 bucket: strongly consistent."""

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        http_metadata: HttpMetadata | None = None,
        custom_metadata: Mapping[str, str] | None = None,
        only_if: Conditions | None = None,
    ) -> ObjectInfo | None: ...

    async def get(
        self, key: str, *, byte_range: ByteRange | None = None, only_if: Conditions | None = None
    ) -> ObjectBody | None: ...

    async def open(self, key: str, *, byte_range: ByteRange | None = None) -> ObjectStream | None:
        """Like `get`, but the body stays where it is until it is read (`None`: no such object)."""
        ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def delete(self, keys: str | Sequence[str]) -> None: ...

    async def list(
        self,
        *,
        prefix: str = "",
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> ObjectPage: ...
