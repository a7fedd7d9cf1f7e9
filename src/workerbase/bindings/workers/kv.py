"""Workers KV through the SDK's binding wrapper.

The wrapper converts arguments for us (None -> JS null, dict metadata -> a JS object rather than a
Map, keyword arguments -> the options object) and plain-object results to dicts. Values are read as
`arrayBuffer` so binary values survive; the ArrayBuffer arrives as a memoryview (or a JS object) we
copy into bytes. Every argument is checked by `kv_limits` first, so both runtimes refuse the same calls
with the same exceptions; what workerd still refuses is classified by `kv_limits.error_from_kv`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from pyodide.ffi import JsException

from workerbase.bindings import kv_limits
from workerbase.errors import BindingUnavailable, WorkerbaseError
from workerbase.ports import JsonValue, KvEntry, KvKey, KvPage

P = ParamSpec("P")
T = TypeVar("T")


def _kv_failures_are_ours(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """workerd's errors become our exceptions; anything unexpected (a result of an unknown shape, a
    conversion the SDK refuses) is a failing binding, as the API's 503 says."""

    @functools.wraps(method)
    async def translated(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except WorkerbaseError:
            raise
        except JsException as exc:
            raise kv_limits.error_from_kv(str(exc)) from exc
        except Exception as exc:
            raise BindingUnavailable(kv_limits.BINDING, f"{type(exc).__name__}: {exc}") from exc

    return translated


class WorkersKeyValue:
    def __init__(self, binding: Any) -> None:
        self._kv = binding

    @_kv_failures_are_ours
    async def get(self, key: str) -> bytes | None:
        kv_limits.check_key(key)
        return _to_bytes(await self._kv.get(key, "arrayBuffer"))

    @_kv_failures_are_ours
    async def get_with_metadata(self, key: str) -> KvEntry | None:
        kv_limits.check_key(key)
        result = await self._kv.getWithMetadata(key, "arrayBuffer")
        value = _to_bytes(result["value"])
        if value is None:
            return None
        return KvEntry(value=value, metadata=result.get("metadata"))

    @_kv_failures_are_ours
    async def put(
        self,
        key: str,
        value: bytes | str,
        *,
        expiration_ttl: int | None = None,
        expiration: int | None = None,
        metadata: JsonValue | None = None,
    ) -> None:
        # time.time() in a Worker is the time of the request's last I/O, close enough for a >= 60 s rule.
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
        if put.metadata is not None:
            # The normalised form: the SDK refuses tuples, and we promised KV's JSON, not Python's.
            options["metadata"] = put.metadata
        await self._kv.put(key, put.data, **options)

    @_kv_failures_are_ours
    async def delete(self, key: str) -> None:
        kv_limits.check_key(key)
        await self._kv.delete(key)

    @_kv_failures_are_ours
    async def list(self, *, prefix: str = "", limit: int = 1000, cursor: str | None = None) -> KvPage:
        kv_limits.check_list(prefix, limit)
        options: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if cursor:
            options["cursor"] = cursor
        page = await self._kv.list(**options)
        keys = [
            KvKey(name=key["name"], expiration=key.get("expiration"), metadata=key.get("metadata"))
            for key in page["keys"]
        ]
        # KV may send an empty cursor with a complete page; the port promises None then.
        complete = bool(page["list_complete"])
        return KvPage(keys=keys, list_complete=complete, cursor=None if complete else page["cursor"])


def _to_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return bytes(value.to_bytes())  # a JS ArrayBuffer the SDK left unconverted
