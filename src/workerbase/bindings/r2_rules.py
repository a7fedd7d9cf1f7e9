"""R2's limits and conditional-request rules, shared by both object-store adapters so they refuse and
decide exactly alike. https://developers.cloudflare.com/r2/platform/limits/ and the `onlyIf` option.

Custom metadata: R2's limits page says "object metadata 8,192 bytes", but workerd's own R2 (Miniflare)
refuses custom metadata over 2,048 bytes (keys + values) on a binding put. We enforce the stricter
number, so nothing that works locally can fail after deploy.
"""

from __future__ import annotations

from collections.abc import Mapping

from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import ByteRange, Conditions, ObjectInfo

BINDING = "R2"
MAX_KEY_BYTES = 1024
MAX_CUSTOM_METADATA_BYTES = 2048
MAX_PUT_BYTES = 5 * 1024**3 - 5 * 1024**2  # "5 MiB less than 5 GiB" for a single-part upload
MAX_LIST_LIMIT = 1000


def check_key(key: str) -> None:
    if not key:
        raise InvalidArgument("R2 object keys cannot be empty")
    size = len(key.encode())
    if size > MAX_KEY_BYTES:
        raise LimitExceeded(BINDING, "key_bytes", f"R2 key is {size} bytes; the limit is {MAX_KEY_BYTES}")


def check_put(key: str, size: int, custom_metadata: Mapping[str, str] | None) -> None:
    check_key(key)
    if size > MAX_PUT_BYTES:
        raise LimitExceeded(BINDING, "object_bytes", f"a single R2 put is limited to {MAX_PUT_BYTES} bytes")
    if custom_metadata:
        for name, value in custom_metadata.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise InvalidArgument("R2 custom metadata keys and values must be strings")
        total = sum(len(name.encode()) + len(value.encode()) for name, value in custom_metadata.items())
        if total > MAX_CUSTOM_METADATA_BYTES:
            raise LimitExceeded(
                BINDING,
                "custom_metadata_bytes",
                f"R2 custom metadata is {total} bytes; the limit is {MAX_CUSTOM_METADATA_BYTES}",
            )


def check_list_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(f"R2 list limit must be 1..{MAX_LIST_LIMIT} (got {limit})")


def check_range(byte_range: ByteRange) -> None:
    if byte_range.suffix is not None:
        if byte_range.offset is not None or byte_range.length is not None:
            raise InvalidArgument("a byte range is either a suffix or an offset with an optional length")
        if byte_range.suffix < 1:
            raise InvalidArgument("a suffix range needs suffix >= 1")
        return
    if byte_range.offset is None and byte_range.length is None:
        raise InvalidArgument("a byte range needs an offset, a length or a suffix")
    if (byte_range.offset or 0) < 0 or (byte_range.length is not None and byte_range.length < 1):
        raise InvalidArgument("a byte range needs offset >= 0 and length >= 1")


def resolve_range(byte_range: ByteRange | None, size: int) -> tuple[int, int]:
    """The (offset, length) served for `byte_range` of an object of `size` bytes; R2 clamps a range
    that runs past the end, and refuses one that starts past it."""
    if byte_range is None:
        return 0, size
    if byte_range.suffix is not None:
        length = min(byte_range.suffix, size)
        return size - length, length
    offset = byte_range.offset or 0
    if offset > size or (offset == size and size > 0):
        raise InvalidArgument(f"range starts at {offset}, past the end of a {size}-byte object")
    length = size - offset if byte_range.length is None else min(byte_range.length, size - offset)
    return offset, length


def conditions_hold(conditions: Conditions, current: ObjectInfo | None) -> bool:
    """R2's `onlyIf`, with HTTP's precedence (RFC 9110 section 13.2.2): a passing etag condition makes
    the matching date condition irrelevant. Dates compare at R2's millisecond precision."""
    if current is None:
        return conditions.etag_matches is None and conditions.uploaded_after is None
    if_match = conditions.etag_matches is None or _etag_in(current.etag, conditions.etag_matches)
    if_none_match = conditions.etag_does_not_match is None or not _etag_in(
        current.etag, conditions.etag_does_not_match
    )
    uploaded = current.uploaded
    unmodified_since = (
        conditions.uploaded_before is None
        or uploaded < conditions.uploaded_before
        or (conditions.etag_matches is not None and if_match)
    )
    modified_since = (
        conditions.uploaded_after is None
        or uploaded > conditions.uploaded_after
        or (conditions.etag_does_not_match is not None and if_none_match)
    )
    return if_match and if_none_match and unmodified_since and modified_since


def _etag_in(etag: str, header: str) -> bool:
    candidates = [part.strip().removeprefix("W/").strip('"') for part in header.split(",")]
    return "*" in candidates or etag in candidates
