"""Ports: the storage and crypto interfaces services depend on.

Two sets of adapters implement each port: `workerbase.bindings.workers` (Cloudflare bindings through the
Workers SDK) and `workerbase.bindings.local` (CPython: SQLite, files). The contract suites in
`tests/contracts` run the same tests against both. Adapters accept and return only the plain Python
types declared here and raise only `workerbase.errors` exceptions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# --- Database (D1) ---------------------------------------------------------------------------------------

# What a statement may bind and a row may hold. `bool` binds as 1/0 and reads back as int (SQLite has no
# boolean type); BLOBs are bytes both ways; integers must stay within +-(2^53 - 1) (JS numbers).
SqlValue = None | int | float | str | bytes
SqlParam = SqlValue | bool
Row = dict[str, SqlValue]


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    params: Sequence[SqlParam] = ()


@dataclass(frozen=True, slots=True)
class QueryMeta:
    changes: int = 0
    last_row_id: int = 0
    rows_read: int = 0
    rows_written: int = 0


@dataclass(frozen=True, slots=True)
class QueryResult:
    rows: list[Row]
    meta: QueryMeta

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None


class Database(Protocol):
    """A D1 database. Each call is one round trip; `batch` runs its statements in one transaction."""

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult: ...

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]: ...


async def run(db: Database, statement: Statement) -> QueryResult:
    """Run one prepared `Statement` (what repositories return) as one round trip."""
    return await db.query(statement.sql, statement.params)


# --- Key-value store (KV) --------------------------------------------------------------------------------

JsonValue = Any  # what json.dumps accepts


@dataclass(frozen=True, slots=True)
class KvEntry:
    value: bytes
    metadata: JsonValue | None = None


@dataclass(frozen=True, slots=True)
class KvKey:
    name: str
    expiration: int | None = None  # seconds since the epoch
    metadata: JsonValue | None = None


@dataclass(frozen=True, slots=True)
class KvPage:
    keys: list[KvKey]
    list_complete: bool
    cursor: str | None = None


class KeyValue(Protocol):
    """A KV namespace: eventually consistent on Cloudflare, so never use it for counters or locks."""

    async def get(self, key: str) -> bytes | None: ...

    async def get_with_metadata(self, key: str) -> KvEntry | None: ...

    async def put(
        self,
        key: str,
        value: bytes | str,
        *,
        expiration_ttl: int | None = None,
        expiration: int | None = None,
        metadata: JsonValue | None = None,
    ) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, *, prefix: str = "", limit: int = 1000, cursor: str | None = None) -> KvPage: ...


# --- Object store (R2) -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpMetadata:
    content_type: str | None = None
    content_language: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    cache_control: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # MD5 hex for single-part uploads, as R2 computes it
    uploaded: datetime  # timezone-aware UTC
    http_metadata: HttpMetadata = field(default_factory=HttpMetadata)
    custom_metadata: dict[str, str] = field(default_factory=dict)

    @property
    def http_etag(self) -> str:
        return f'"{self.etag}"'


@dataclass(frozen=True, slots=True)
class ObjectBody:
    info: ObjectInfo
    body: bytes
    # The byte range `body` holds, as (offset, length); the whole object when no range was asked for.
    range: tuple[int, int]


class BodyStream(Protocol):
    """A body read a chunk at a time, for responses that must not hold it in memory whole.

    `native` is the runtime's own body (a JS ReadableStream on Workers, None locally): an HTTP layer that
    can hand it to the response unread does so, and never calls `chunks()`. Whoever opened the stream
    reads it to the end or calls `aclose()`."""

    native: Any

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class ObjectStream(BodyStream, Protocol):
    """An R2 object's body (or a range of it)."""

    info: ObjectInfo
    range: tuple[int, int]  # (offset, length) of the bytes the stream yields


@dataclass(frozen=True, slots=True)
class ByteRange:
    """One of: offset (+ optional length), or suffix (the last `suffix` bytes)."""

    offset: int | None = None
    length: int | None = None
    suffix: int | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """R2 `onlyIf`: an operation whose conditions fail does nothing (put returns None, get no body)."""

    etag_matches: str | None = None
    etag_does_not_match: str | None = None
    uploaded_before: datetime | None = None
    uploaded_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class ObjectPage:
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


# --- Crypto ----------------------------------------------------------------------------------------------

# Production WebCrypto refuses PBKDF2 above this many iterations; both adapters refuse it too.
PBKDF2_MAX_ITERATIONS = 100_000


class Crypto(Protocol):
    async def pbkdf2_sha256(
        self, password: bytes, salt: bytes, iterations: int, length: int = 32
    ) -> bytes: ...

    def hmac_sha256(self, key: bytes, message: bytes) -> bytes: ...

    def random_bytes(self, n: int) -> bytes: ...


# --- Outbound HTTP (the Workers `fetch`; httpx locally) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class HttpResponseStream(Protocol):
    """A response whose body is read as it arrives. Read it to the end or `aclose()` it."""

    status: int

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class HttpClient(Protocol):
    async def open(self, request: HttpRequest) -> HttpResponseStream:
        """Send the request and return once the status and headers are in; a failure to connect raises
        BindingUnavailable("HTTP", ...). Timeouts are the caller's (asyncio.wait_for)."""
        ...


# --- Chat models ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelMessage:
    role: str  # system | user | assistant
    content: str


class ChatModel(Protocol):
    """A language model that streams a reply: OpenAI-compatible `chat/completions` over HTTP, or the
    Workers AI binding. Yields text deltas; raises `workerbase.models.ModelFailed` (or its timeout
    subclass) when the provider fails, possibly after some text."""

    def reply(self, model: str, messages: Sequence[ModelMessage]) -> AsyncIterator[str]: ...


# --- Durable Object storage ------------------------------------------------------------------------------


class DurableStorage(Protocol):
    """A SQLite-backed Durable Object's own storage (`ctx.storage`): private to one object, strongly
    consistent, synchronous SQL like the Workers API (nothing can interleave with a statement), D1's SQL
    limits. Alarms: one per object; `alarm()` is called on the object when it is due."""

    def exec(self, sql: str, *params: SqlParam) -> list[Row]: ...

    def transaction(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: it cannot await) as one transaction: all its writes or none."""
        ...

    async def set_alarm(self, at: datetime) -> None: ...

    async def get_alarm(self) -> datetime | None: ...

    async def delete_alarm(self) -> None: ...


class RoomSocket(Protocol):
    """One accepted WebSocket of a Durable Object. `send` is synchronous, as in workerd."""

    def send(self, text: str) -> None: ...


class RoomSockets(Protocol):
    """A Durable Object's open WebSockets (on Workers `ctx.getWebSockets()`: they survive hibernation)."""

    def all(self) -> Sequence[RoomSocket]: ...
