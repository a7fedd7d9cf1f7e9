"""The key-value port (KV)."""

from __future__ import annotations

from typing import Any, Protocol

from workerbase.frozen import Frozen

JsonValue = Any  # what json.dumps accepts


class KvEntry(Frozen):
    value: bytes
    metadata: JsonValue | None = None


class KvKey(Frozen):
    name: str
    expiration: int | None = None  # seconds since the epoch
    metadata: JsonValue | None = None


class KvPage(Frozen):
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
