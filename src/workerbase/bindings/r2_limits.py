"""R2's limits and argument rules, checked by both object-store adapters before every call, so the same
input fails with the same exception in both runtimes (workerd and Miniflare check some of these with
their own errors, production all of them). https://developers.cloudflare.com/r2/platform/limits/

What we enforce, and where it differs from the limits page (each number was probed on Miniflare
4.20260730.0, workerd's own R2):
* Custom metadata: the limits page says "object metadata 8,192 bytes", but workerd's R2 refuses custom
  metadata over 2,048 bytes, counted as workerd serialises strings (1 byte per character when every
  character is below U+0100, else 2 bytes per UTF-16 unit). We refuse what exceeds 2,048 bytes by that
  count *or* in UTF-8, so nothing we accept fails in `pywrangler dev` or after deploy.
* Keys: 1..1024 UTF-8 bytes. Miniflare would store an empty key; S3-compatible tools cannot address it,
  so we refuse it.
* Ranges: R2 answers "range not satisfiable" (416) for length 0, suffix 0, an offset at or past the end,
  and any range of an empty object; a range running past the end is clamped. For an offset exactly at
  the end with a length, Miniflare fails with an internal error instead of 416: we refuse it as 416.
* Lists: a page holds at most 100 entries whatever the limit (1..1000), as R2 does for lists that
  include metadata; callers follow `truncated` and `cursor`.
* Conditions: workerd takes one bare etag (or `*`) per condition and throws a TypeError for a quoted one;
  dates travel as JS Dates, whose whole milliseconds are all R2 compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import ByteRange, Conditions

BINDING = "R2"
MAX_KEY_BYTES = 1024
MAX_CUSTOM_METADATA_BYTES = 2048
MAX_PUT_BYTES = 5 * 1024**3 - 5 * 1024**2  # "5 MiB less than 5 GiB" for a single-part upload
MAX_LIST_LIMIT = 1000
# R2 answers at most this many entries per list page when asked to include metadata, as both adapters
# always do ("you may receive fewer than `limit` results"): callers must page by `truncated`.
MAX_LIST_PAGE_WITH_METADATA = 100
MAX_DELETE_KEYS = 1000  # per `delete` call on Workers; the Workers adapter sends larger deletes in chunks

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def check_key(key: str) -> None:
    if not key:
        raise InvalidArgument("R2 object keys cannot be empty")
    size = _utf8_size(key, "R2 object keys")
    if size > MAX_KEY_BYTES:
        raise LimitExceeded(BINDING, "key_bytes", f"R2 key is {size} bytes; the limit is {MAX_KEY_BYTES}")


def check_put(key: str, size: int, custom_metadata: Mapping[str, str] | None) -> None:
    check_key(key)
    if size > MAX_PUT_BYTES:
        raise LimitExceeded(BINDING, "object_bytes", f"a single R2 put is limited to {MAX_PUT_BYTES} bytes")
    if custom_metadata:
        total = custom_metadata_size(custom_metadata)
        if total > MAX_CUSTOM_METADATA_BYTES:
            raise LimitExceeded(
                BINDING,
                "custom_metadata_bytes",
                f"R2 custom metadata is {total} bytes; the limit is {MAX_CUSTOM_METADATA_BYTES}",
            )


def custom_metadata_size(custom_metadata: Mapping[str, str]) -> int:
    """Keys plus values, each at the larger of its UTF-8 size and workerd's serialised size."""
    total = 0
    for name, value in custom_metadata.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidArgument("R2 custom metadata keys and values must be strings")
        for text in (name, value):
            total += max(_utf8_size(text, "R2 custom metadata"), _workerd_serialised_size(text))
    return total


def check_list_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(f"R2 list limit must be 1..{MAX_LIST_LIMIT} (got {limit})")


def check_range(byte_range: ByteRange) -> None:
    """What workerd refuses before asking R2, whether or not the object exists."""
    for name in ("offset", "length", "suffix"):
        value = getattr(byte_range, name)
        if value is not None and value < 0:
            raise InvalidArgument(f"a byte range's {name} cannot be negative (got {value})")
    if byte_range.suffix is not None and (byte_range.offset is not None or byte_range.length is not None):
        raise InvalidArgument("a byte range is either a suffix or an offset with an optional length")


def resolve_range(byte_range: ByteRange | None, size: int) -> tuple[int, int]:
    """The (offset, length) R2 serves for `byte_range` of an object of `size` bytes (see module doc)."""
    if byte_range is None:
        return 0, size
    if byte_range.suffix is not None:
        length = min(byte_range.suffix, size)
        offset = size - length
    else:
        offset = byte_range.offset or 0
        length = size - offset if byte_range.length is None else min(byte_range.length, size - offset)
    if offset >= size or length <= 0:
        raise InvalidArgument(f"the requested range is not satisfiable for a {size}-byte object")
    return offset, length


def check_conditions(conditions: Conditions) -> None:
    for etag in (conditions.etag_matches, conditions.etag_does_not_match):
        if etag is not None and etag.startswith('"') and etag.endswith('"'):
            raise InvalidArgument(f"pass R2 etags bare, not quoted ({etag}); use info.etag, not http_etag")
    for moment in (conditions.uploaded_before, conditions.uploaded_after):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidArgument("R2 upload-date conditions need timezone-aware datetimes")


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch, truncated toward zero as a JS Date does."""
    microseconds = (moment - _EPOCH) // timedelta(microseconds=1)
    return microseconds // 1000 if microseconds >= 0 else -(-microseconds // 1000)


def from_epoch_ms(milliseconds: int) -> datetime:
    """Exact: float seconds would round some milliseconds to the neighbouring microsecond."""
    return _EPOCH + timedelta(milliseconds=milliseconds)


def _utf8_size(text: str, what: str) -> int:
    try:
        return len(text.encode())
    except UnicodeEncodeError:
        raise InvalidArgument(f"{what} must be valid Unicode (no lone surrogates)") from None


def _workerd_serialised_size(text: str) -> int:
    if all(ord(char) < 0x100 for char in text):
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass"))  # 2 bytes per UTF-16 code unit
