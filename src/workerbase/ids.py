"""Ids as the API spells them."""

from __future__ import annotations

import uuid
from typing import Any


def canonical_uuid(value: Any) -> str | None:
    """A UUID in the API's spelling (lowercase, dashed) whatever spelling it came in; None if it is not
    one."""
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        return None
