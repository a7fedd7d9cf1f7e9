"""R2 through the Workers JS FFI.

We call the JS R2Bucket inside the SDK's wrapper directly: the wrapper would hand back R2Object as a
wrapped JS object and turn its `uploaded` Date into a naive datetime in the isolate's local time zone,
and we need both converted exactly. Arguments: option dicts become JS objects (`Object.fromEntries`,
not a Map), datetimes JS Dates, bytes a Uint8Array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from js import Date, Object
from pyodide.ffi import JsException, jsnull, to_js

from workerbase.bindings import r2_rules
from workerbase.errors import BindingUnavailable, InvalidArgument
from workerbase.ports import (
    ByteRange,
    Conditions,
    HttpMetadata,
    ObjectBody,
    ObjectInfo,
    ObjectPage,
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
        r2_rules.check_put(key, len(data), custom_metadata)
        options: dict[str, Any] = {}
        if http_metadata is not None:
            options["httpMetadata"] = _js_http_metadata(http_metadata)
        if custom_metadata:
            options["customMetadata"] = dict(custom_metadata)
        if only_if is not None:
            options["onlyIf"] = _js_conditions(only_if)
        result = await self._call("put", key, to_js(data), _js_object(options))
        return _info(result) if result is not None else None

    async def get(
        self, key: str, *, byte_range: ByteRange | None = None, only_if: Conditions | None = None
    ) -> ObjectBody | None:
        r2_rules.check_key(key)
        options: dict[str, Any] = {}
        if byte_range is not None:
            r2_rules.check_range(byte_range)
            options["range"] = {
                name: value for name, value in asdict(byte_range).items() if value is not None
            }
        if only_if is not None:
            options["onlyIf"] = _js_conditions(only_if)
        result = await self._call("get", key, _js_object(options))
        if result is None:
            return None
        info = _info(result)
        if not hasattr(result, "arrayBuffer"):  # R2 answers a failed onlyIf with the object but no body
            raise PreconditionFailed(info)
        body = bytes((await result.arrayBuffer()).to_bytes())
        offset = r2_rules.resolve_range(byte_range, info.size)[0]
        return ObjectBody(info=info, body=body, range=(offset, len(body)))

    async def head(self, key: str) -> ObjectInfo | None:
        r2_rules.check_key(key)
        result = await self._call("head", key)
        return _info(result) if result is not None else None

    async def delete(self, keys: str | Sequence[str]) -> None:
        names = [keys] if isinstance(keys, str) else list(keys)
        for name in names:
            r2_rules.check_key(name)
        if names:
            await self._call("delete", to_js(names))

    async def list(
        self,
        *,
        prefix: str = "",
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> ObjectPage:
        r2_rules.check_list_limit(limit)
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
            cursor=listing.cursor if truncated else None,
        )

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            result = await getattr(self._r2, method)(*args)
        except JsException as exc:
            message = str(exc)
            if "range" in message.lower():
                raise InvalidArgument(f"R2 refused the range: {message}") from exc
            if "cursor" in message.lower():
                raise InvalidArgument("invalid R2 list cursor") from exc
            raise BindingUnavailable(r2_rules.BINDING, message) from exc
        return None if result is None or result is jsnull else result


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
        options["uploadedBefore"] = Date.new(conditions.uploaded_before.timestamp() * 1000)
    if conditions.uploaded_after is not None:
        options["uploadedAfter"] = Date.new(conditions.uploaded_after.timestamp() * 1000)
    return options


def _info(obj: Any) -> ObjectInfo:
    http = obj.httpMetadata
    custom = obj.customMetadata
    return ObjectInfo(
        key=obj.key,
        size=int(obj.size),
        etag=obj.etag,
        uploaded=datetime.fromtimestamp(obj.uploaded.getTime() / 1000, UTC),
        http_metadata=HttpMetadata(
            **{
                py: getattr(http, js)
                for js, py in _HTTP_FIELDS.items()
                if getattr(http, js, None) is not None
            }
        )
        if http is not None
        else HttpMetadata(),
        custom_metadata=dict(custom.to_py()) if custom is not None else {},
    )
