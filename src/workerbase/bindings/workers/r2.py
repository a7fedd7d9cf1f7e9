"""R2 through the Workers JS FFI.

We call the JS R2Bucket inside the SDK's wrapper (`binding._binding`) directly: the wrapper would hand
back R2Object still wrapped and turn its `uploaded` Date into a naive datetime in the isolate's time
zone, and we need both converted exactly. Arguments: option dicts become JS objects
(`Object.fromEntries`, not a Map), datetimes JS Dates of whole milliseconds, bytes a Uint8Array; bodies
come back through `arrayBuffer()` (`get`), or stay a JS ReadableStream (`open`) that a response can take
unread, so a download never has to fit in the Worker's 128 MB twice. Everything workerd would refuse is
refused first by `r2_limits`, with the exception the local store raises; what R2 still refuses is mapped
by its error code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from js import Date, Object
from pyodide.ffi import JsException, jsnull, to_js

from workerbase.bindings import r2_limits
from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.errors import BindingUnavailable, InvalidArgument, LimitExceeded, WorkerbaseError
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

# R2's httpMetadata names, to ours.
_HTTP_FIELDS = {
    "contentType": "content_type",
    "contentLanguage": "content_language",
    "contentDisposition": "content_disposition",
    "contentEncoding": "content_encoding",
    "cacheControl": "cache_control",
}
# workerd ends R2 errors with R2's numeric code: "get: The requested range is not satisfiable (10039)".
_R2_ERROR_CODE = re.compile(r"\((\d+)\)\s*$")
_CALLER_ERRORS = {10020: "invalid object name", 10022: "invalid list limit", 10029: "invalid argument"}
_CALLER_ERRORS[10039] = "the requested range is not satisfiable"
_SIZE_ERRORS = {10012: "custom_metadata_bytes", 100100: "object_bytes"}


class WorkersObjectStore:
    def __init__(self, binding: Any) -> None:
        self._r2 = getattr(binding, "_binding", binding)

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
        options: dict[str, Any] = {}
        if http_metadata is not None:
            options["httpMetadata"] = _js_http_metadata(http_metadata)
        if custom_metadata:
            options["customMetadata"] = dict(custom_metadata)
        if only_if is not None:
            r2_limits.check_conditions(only_if)
            options["onlyIf"] = _js_conditions(only_if)
        result = await self._call("put", key, to_js(data), _js_object(options))
        return _info(result) if result is not None else None  # None: `onlyIf` failed

    async def get(
        self, key: str, *, byte_range: ByteRange | None = None, only_if: Conditions | None = None
    ) -> ObjectBody | None:
        r2_limits.check_key(key)
        options = _get_options(byte_range)
        if only_if is not None:
            r2_limits.check_conditions(only_if)
            options["onlyIf"] = _js_conditions(only_if)
        result = await self._call("get", key, _js_object(options))
        if result is None:
            return None
        info = _info(result)
        if not hasattr(result, "arrayBuffer"):  # R2 answers a failed `onlyIf` with the object, no body
            raise PreconditionFailed(info)
        body = bytes((await result.arrayBuffer()).to_bytes())
        offset = r2_limits.resolve_range(byte_range, info.size)[0]
        return ObjectBody(info=info, body=body, range=(offset, len(body)))

    async def open(self, key: str, *, byte_range: ByteRange | None = None) -> ObjectStream | None:
        r2_limits.check_key(key)
        options = _get_options(byte_range)
        result = await self._call("get", key, _js_object(options))
        if result is None:
            return None
        info = _info(result)
        try:
            served = r2_limits.resolve_range(byte_range, info.size)
        except InvalidArgument:
            await JsBodyStream(result.body, r2_limits.BINDING).aclose()  # release what R2 served first
            raise
        return _R2Stream(info, served, result.body)

    async def head(self, key: str) -> ObjectInfo | None:
        r2_limits.check_key(key)
        result = await self._call("head", key)
        return _info(result) if result is not None else None

    async def delete(self, keys: str | Sequence[str]) -> None:
        names = [keys] if isinstance(keys, str) else list(keys)
        for name in names:
            r2_limits.check_key(name)
        for start in range(0, len(names), r2_limits.MAX_DELETE_KEYS):  # R2's per-call maximum
            await self._call("delete", to_js(names[start : start + r2_limits.MAX_DELETE_KEYS]))

    async def list(
        self,
        *,
        prefix: str = "",
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> ObjectPage:
        r2_limits.check_list_limit(limit)
        options: dict[str, Any] = {
            "prefix": prefix,
            "limit": limit,
            "include": ["httpMetadata", "customMetadata"],
        }
        if delimiter:
            options["delimiter"] = delimiter
        if cursor:
            options["cursor"] = cursor
        listing = await self._call("list", _js_object(options))
        truncated = bool(listing.truncated)
        return ObjectPage(
            objects=[_info(obj) for obj in listing.objects],
            delimited_prefixes=list(listing.delimitedPrefixes.to_py()),
            truncated=truncated,
            cursor=str(listing.cursor) if truncated else None,
        )

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            result = await getattr(self._r2, method)(*args)
        except JsException as exc:
            raise _our_error(exc) from exc
        return None if result is None or result is jsnull else result


class _R2Stream(JsBodyStream):
    """An R2ObjectBody's `body`: the bytes of `range` (offset, length) of the object `info`."""

    def __init__(self, info: ObjectInfo, byte_range: tuple[int, int], native: Any) -> None:
        super().__init__(native, r2_limits.BINDING, length=byte_range[1])
        self.info = info
        self.range = byte_range


def _get_options(byte_range: ByteRange | None) -> dict[str, Any]:
    if byte_range is None:
        return {}
    r2_limits.check_range(byte_range)
    return {"range": {name: value for name, value in asdict(byte_range).items() if value is not None}}


def _our_error(exc: JsException) -> WorkerbaseError:
    message = str(exc)
    if message.startswith(("TypeError", "RangeError")):  # workerd refused the arguments before calling R2
        return InvalidArgument(f"R2 refused the arguments: {message}")
    code_match = _R2_ERROR_CODE.search(message)
    code = int(code_match.group(1)) if code_match else None
    if code in _SIZE_ERRORS:
        return LimitExceeded(r2_limits.BINDING, _SIZE_ERRORS[code], message)
    if code in _CALLER_ERRORS:
        return InvalidArgument(f"R2: {_CALLER_ERRORS[code]} ({message})")
    if "cursor" in message.lower():  # a cursor R2 cannot read: the caller's, not the bucket's, fault
        return InvalidArgument("invalid R2 list cursor")
    return BindingUnavailable(r2_limits.BINDING, message)


def _js_object(options: dict[str, Any]) -> Any:
    return to_js(options, dict_converter=Object.fromEntries)


def _js_http_metadata(metadata: HttpMetadata) -> dict[str, str]:
    return {js: getattr(metadata, py) for js, py in _HTTP_FIELDS.items() if getattr(metadata, py) is not None}


def _js_conditions(conditions: Conditions) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if conditions.etag_matches is not None:
        options["etagMatches"] = conditions.etag_matches
    if conditions.etag_does_not_match is not None:
        options["etagDoesNotMatch"] = conditions.etag_does_not_match
    if conditions.uploaded_before is not None:
        options["uploadedBefore"] = Date.new(r2_limits.epoch_ms(conditions.uploaded_before))
    if conditions.uploaded_after is not None:
        options["uploadedAfter"] = Date.new(r2_limits.epoch_ms(conditions.uploaded_after))
    return options


def _info(obj: Any) -> ObjectInfo:
    http = obj.httpMetadata
    custom = obj.customMetadata
    http_fields = {py: getattr(http, js, None) for js, py in _HTTP_FIELDS.items()} if http else {}
    return ObjectInfo(
        key=str(obj.key),
        size=int(obj.size),
        etag=str(obj.etag),
        uploaded=r2_limits.from_epoch_ms(int(obj.uploaded.getTime())),
        http_metadata=HttpMetadata(
            **{py: str(value) for py, value in http_fields.items() if value is not None}
        ),
        custom_metadata={str(name): str(value) for name, value in custom.to_py().items()} if custom else {},
    )
