"""Opaque list cursors: base64url of a JSON array of the last item's sort key. Clients pass back what
a list returned; anything else is a 400."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from workerbase import b64url
from workerbase.errors import WorkerbaseError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(WorkerbaseError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not one this API returned"
    public_detail = True


def encode_cursor(*sort_key: str) -> str:
    return b64url.encode(json.dumps(list(sort_key)).encode())


def decode_cursor(cursor: str, parts: int) -> list[str]:
    try:
        decoded: Any = json.loads(b64url.decode(cursor))
    except ValueError:
        raise InvalidCursor("malformed cursor") from None
    if not isinstance(decoded, list) or len(decoded) != parts or not all(isinstance(p, str) for p in decoded):
        raise InvalidCursor("malformed cursor")
    return decoded


T = TypeVar("T")
# Lists ordered newest first use (created_at, id) as their sort key: unique, and stable under inserts.
SortKey = tuple[str, str]


def position_after(cursor: str | None) -> SortKey | None:
    """The (created_at, id) a page starts after, from the cursor the previous page returned."""
    if not cursor:
        return None
    created_at, item_id = decode_cursor(cursor, 2)
    return created_at, item_id


def page_of(items: Sequence[T], limit: int, sort_key: Callable[[T], SortKey]) -> tuple[list[T], str | None]:
    """Given up to `limit + 1` items (fetch one more than a page to learn whether another follows), the
    page and the cursor of the next one (None on the last page)."""
    page = list(items[:limit])
    return page, encode_cursor(*sort_key(page[-1])) if len(items) > limit else None
