"""Workers KV through the SDK's binding wrapper.

The wrapper converts arguments for us (None -> JS null, dict metadata -> a JS object rather than a
Map) and plain-object results to dicts. Values are read as `arrayBuffer` so binary values survive; the
ArrayBuffer arrives as a JS object we copy into bytes.
"""

from __future__ import annotations

import time
from typing import Any

from pyodide.ffi import JsException

from workerbase.bindings import kv_limits
from workerbase.errors import BindingUnavailable, InvalidArgument
from workerbase.ports import JsonValue, KvEntry, KvKey, KvPage


class WorkersKeyValue:
    def __init__(self, binding: Any) -> None:
        self._kv = binding

    async def get(self, key: str) -> bytes | None:
        kv_limits.check_key(key)
        return _to_bytes(await self._call("get", key, "arrayBuffer"))

    async def get_with_metadata(self, key: str) -> KvEntry | None:
        kv_limits.check_key(key)
        result = await self._call("getWithMetadata", key, "arrayBuffer")
        value = _to_bytes(result["value"])
        if value is None:
            return None
        return KvEntry(value=value, metadata=result.get("metadata"))

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
            now=time.time(),
            expiration_ttl=expiration_ttl,
            expiration=expiration,
            metadata=metadata,
        )
        options: dict[str, Any] = {}
        if expiration_ttl is not None:
            options["expirationTtl"] = expiration_ttl
        if expiration is not None:
            options["expiration"] = expiration
        if metadata is not None:
            options["metadata"] = metadata
        await self._call("put", key, put.data, **options)

    async def delete(self, key: str) -> None:
        kv_limits.check_key(key)
        await self._call("delete", key)

    async def list(self, *, prefix: str = "", limit: int = 1000, cursor: str | None = None) -> KvPage:
        kv_limits.check_list_limit(limit)
        options: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if cursor:
            options["cursor"] = cursor
        page = await self._call("list", **options)
        keys = [
            KvKey(name=key["name"], expiration=key.get("expiration"), metadata=key.get("metadata"))
            for key in page["keys"]
        ]
        complete = bool(page["list_complete"])
        return KvPage(keys=keys, list_complete=complete, cursor=None if complete else page.get("cursor"))

    async def _call(self, method: str, *args: Any, **options: Any) -> Any:
        try:
            return await getattr(self._kv, method)(*args, **options)
        except JsException as exc:
            if "cursor" in str(exc).lower():
                raise InvalidArgument("invalid KV list cursor") from exc
            raise BindingUnavailable(kv_limits.BINDING, str(exc)) from exc


def _to_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return bytes(value.to_bytes())  # a JS ArrayBuffer
