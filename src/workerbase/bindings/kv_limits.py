"""Workers KV's limits, checked by both KV adapters before every call, so a call over a limit fails
with the same exception in both runtimes (Miniflare checks some of these with its own messages,
production all of them).

https://developers.cloudflare.com/kv/platform/limits/ and the `put` options of the KV API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import JsonValue

BINDING = "KV"
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 25 * 1024 * 1024
MAX_METADATA_BYTES = 1024
MIN_EXPIRATION_TTL_SECONDS = 60
MAX_LIST_LIMIT = 1000


def check_key(key: str) -> None:
    if key in ("", ".", ".."):
        raise InvalidArgument(f"KV key {key!r} is not allowed (empty, '.' and '..' are reserved)")
    size = len(key.encode())
    if size > MAX_KEY_BYTES:
        raise LimitExceeded(BINDING, "key_bytes", f"KV key is {size} bytes; the limit is {MAX_KEY_BYTES}")


def encode_value(value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    if not isinstance(data, bytes):
        raise InvalidArgument(f"KV values are bytes or str, not {type(value).__name__}")
    if len(data) > MAX_VALUE_BYTES:
        raise LimitExceeded(
            BINDING, "value_bytes", f"KV value is {len(data)} bytes; the limit is {MAX_VALUE_BYTES}"
        )
    return data


def encode_metadata(metadata: JsonValue | None) -> str | None:
    """Metadata as the JSON KV stores; None when absent."""
    if metadata is None:
        return None
    try:
        encoded = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"KV metadata must be JSON-serialisable: {exc}") from None
    size = len(encoded.encode())
    if size > MAX_METADATA_BYTES:
        raise LimitExceeded(
            BINDING,
            "metadata_bytes",
            f"KV metadata is {size} bytes serialised; the limit is {MAX_METADATA_BYTES}",
        )
    return encoded


def expiration_time(now: float, expiration_ttl: int | None, expiration: int | None) -> int | None:
    """The absolute expiry (seconds since the epoch) a put asks for, refusing what KV refuses."""
    if expiration_ttl is not None and expiration is not None:
        raise InvalidArgument("pass expiration_ttl or expiration, not both")
    if expiration_ttl is not None:
        if expiration_ttl < MIN_EXPIRATION_TTL_SECONDS:
            raise InvalidArgument(
                f"expiration_ttl must be at least {MIN_EXPIRATION_TTL_SECONDS} seconds (got {expiration_ttl})"
            )
        return int(now) + expiration_ttl
    if expiration is not None:
        if expiration < now + MIN_EXPIRATION_TTL_SECONDS:
            raise InvalidArgument(
                f"expiration must be at least {MIN_EXPIRATION_TTL_SECONDS} seconds in the future"
                f" (got {expiration})"
            )
        return expiration
    return None


@dataclass(frozen=True, slots=True)
class CheckedPut:
    data: bytes
    metadata_json: str | None
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
    return CheckedPut(
        data=encode_value(value),
        metadata_json=encode_metadata(metadata),
        expires_at=expiration_time(now, expiration_ttl, expiration),
    )


def check_list_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(f"KV list limit must be 1..{MAX_LIST_LIMIT} (got {limit})")
