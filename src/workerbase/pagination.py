"""Opaque list cursors: base64url of a JSON array of the last item's sort key. Clients pass back what
a list returned; anything else is a 400."""

from __future__ import annotations

import base64
import json
from typing import Any

from workerbase.errors import WorkerbaseError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(WorkerbaseError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not one this API returned"
    public_detail = True


def encode_cursor(*sort_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(sort_key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    try:
        decoded: Any = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise InvalidCursor("malformed cursor") from None
    if not isinstance(decoded, list) or len(decoded) != parts or not all(isinstance(p, str) for p in decoded):
        raise InvalidCursor("malformed cursor")
    return decoded
