"""Workers KV's limits, checked by both KV adapters before every call, so a call over a limit fails
with the same exception in both runtimes (Miniflare checks some of these with its own messages,
production all of them).

https://developers.cloudflare.com/kv/platform/limits/ and the `put` options of the KV API. Metadata is
normalised here to what KV hands back (workerd stores `JSON.stringify(metadata)`), so both adapters
store, count and return the same JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from workerbase.errors import (
    BindingUnavailable,
    InvalidArgument,
    LimitExceeded,
    UnsupportedValue,
    WorkerbaseError,
)
from workerbase.frozen import Frozen
from workerbase.ports import JsonValue

BINDING = "KV"
MAX_KEY_BYTES = 512  # also the limit on a list prefix (workerd answers 414 for either)
MAX_VALUE_BYTES = 25 * 1024 * 1024
MAX_METADATA_BYTES = 1024
MIN_EXPIRATION_TTL_SECONDS = 60
MAX_LIST_LIMIT = 1000
# Metadata crosses the JS FFI as JS numbers: larger integers become BigInt, which JSON.stringify refuses.
MAX_SAFE_INTEGER = 2**53 - 1


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        # Python strings may hold lone surrogates; workerd would silently turn them into U+FFFD.
        raise InvalidArgument(f"KV {what} is not valid Unicode (it contains a lone surrogate)") from None


def check_key(key: str) -> None:
    if key in ("", ".", ".."):
        raise InvalidArgument(f"KV key {key!r} is not allowed (empty, '.' and '..' are reserved)")
    size = len(_utf8(key, "key"))
    if size > MAX_KEY_BYTES:
        raise LimitExceeded(BINDING, "key_bytes", f"KV key is {size} bytes; the limit is {MAX_KEY_BYTES}")


def check_list(prefix: str, limit: int) -> None:
    size = len(_utf8(prefix, "list prefix"))
    if size > MAX_KEY_BYTES:
        raise LimitExceeded(
            BINDING, "key_bytes", f"KV list prefix is {size} bytes; the limit is {MAX_KEY_BYTES}"
        )
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(f"KV list limit must be 1..{MAX_LIST_LIMIT} (got {limit})")


def encode_value(value: bytes | str) -> bytes:
    data = _utf8(value, "value") if isinstance(value, str) else value
    if not isinstance(data, bytes):
        raise InvalidArgument(f"KV values are bytes or str, not {type(value).__name__}")
    if len(data) > MAX_VALUE_BYTES:
        raise LimitExceeded(
            BINDING, "value_bytes", f"KV value is {len(data)} bytes; the limit is {MAX_VALUE_BYTES}"
        )
    return data


def _js_number(text: str) -> int | float:
    """A JSON number as it comes back from JS: integral values within 2^53 are ints (1.0 -> 1)."""
    number = float(text)
    return int(number) if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER else number


def _safe_integer(text: str) -> int:
    number = int(text)
    if abs(number) > MAX_SAFE_INTEGER:
        raise UnsupportedValue(f"KV metadata integer {number} is outside +-(2^53 - 1); JS cannot hold it")
    return number


def decode_metadata(encoded: str | None) -> JsonValue | None:
    return json.loads(encoded, parse_float=_js_number) if encoded is not None else None


def normalise_metadata(metadata: JsonValue | None) -> tuple[str | None, JsonValue | None]:
    """Metadata as KV stores it (compact JSON, as `JSON.stringify` writes it) and as KV returns it
    (tuples are lists, dict keys strings, 1.0 is 1); (None, None) when absent."""
    if metadata is None:
        return None, None
    try:
        plain = json.loads(_dumps(metadata), parse_float=_js_number, parse_int=_safe_integer)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"KV metadata must be JSON-serialisable: {exc}") from None
    encoded = _dumps(plain)
    size = len(_utf8(encoded, "metadata"))
    if size > MAX_METADATA_BYTES:
        raise LimitExceeded(
            BINDING,
            "metadata_bytes",
            f"KV metadata is {size} bytes serialised; the limit is {MAX_METADATA_BYTES}",
        )
    return encoded, plain


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def expiration_time(now: float, expiration_ttl: int | None, expiration: int | None) -> int | None:
    """The absolute expiry (seconds since the epoch) a put asks for, refusing what KV refuses.
    KV counts in whole seconds (Miniflare floors `now`), so we do too."""
    whole_now = int(now)
    if expiration_ttl is not None and expiration is not None:
        raise InvalidArgument("pass expiration_ttl or expiration, not both")
    if expiration_ttl is not None:
        if expiration_ttl < MIN_EXPIRATION_TTL_SECONDS:
            raise InvalidArgument(
                f"expiration_ttl must be at least {MIN_EXPIRATION_TTL_SECONDS} seconds (got {expiration_ttl})"
            )
        return whole_now + expiration_ttl
    if expiration is not None:
        if expiration < whole_now + MIN_EXPIRATION_TTL_SECONDS:
            past = " (it is in the past)" if expiration <= whole_now else ""
            raise InvalidArgument(
                f"expiration must be at least {MIN_EXPIRATION_TTL_SECONDS} seconds in the future"
                f" (got {expiration}, now is {whole_now}){past}"
            )
        return expiration
    return None


class CheckedPut(Frozen):
    data: bytes
    metadata_json: str | None  # what KV stores
    metadata: JsonValue | None  # the same, as plain Python (what KV will return)
    expires_at: int | None  # seconds since the epoch


def check_put(
    key: str,
    value: bytes | str,
    *,
    now: float,
    expiration_ttl: int | None,
    expiration: int | None,
    metadata: JsonValue | None,
) -> CheckedPut:
    """Everything KV checks on a put, and the values to store."""
    check_key(key)
    metadata_json, plain_metadata = normalise_metadata(metadata)
    return CheckedPut(
        data=encode_value(value),
        metadata_json=metadata_json,
        metadata=plain_metadata,
        expires_at=expiration_time(now, expiration_ttl, expiration),
    )


# workerd reports a refused KV call as `Error: KV PUT failed: 413 Value length of ... exceeds limit`
# (Miniflare copies production's wording), and a refused argument as a JS TypeError.
_KV_REFUSAL = re.compile(r"KV \w+ failed: (\d{3})")


def error_from_kv(message: str) -> WorkerbaseError:
    """Our exception for a KV failure the checks above did not catch in advance."""
    match = _KV_REFUSAL.search(message)
    status = int(match.group(1)) if match else None
    if status in (413, 414):
        return LimitExceeded(BINDING, "key_bytes" if status == 414 else "size", message)
    if status == 400 or message.startswith("TypeError"):
        return InvalidArgument(f"KV refused the call: {message}")
    return BindingUnavailable(BINDING, message)
