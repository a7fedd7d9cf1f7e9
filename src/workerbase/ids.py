"""Ids as the API spells them: the server's (UUIDs) and the client's (chats, messages, documents)."""

from __future__ import annotations

import re
import uuid
from typing import Any

# A client's id: what the AI SDK (`generateId()`, 16 characters), `crypto.randomUUID()`, nanoid, cuid and
# prefixed ids (`msg_...`) produce, and nothing that changes meaning in a URL path: URL-safe characters
# only (no `/`, `%`, `?`, `#`, no spaces or control characters) and no leading `.`, so no id is a `.` or
# `..` segment that a client would resolve away (`/messages/..` is the chat). Case-sensitive and taken
# as it is: ids are scoped per owner (migration 0015), and two spellings are two ids.
CLIENT_ID_MAX_LENGTH = 128
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}$"
CLIENT_ID_RULE = f"1 to {CLIENT_ID_MAX_LENGTH} characters of A-Z a-z 0-9 - _ . ~, not starting with '.'"
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


def is_client_id(value: str) -> bool:
    return _CLIENT_ID.fullmatch(value) is not None


def canonical_uuid(value: Any) -> str | None:
    """A UUID in the API's spelling (lowercase, dashed) whatever spelling it came in; None if it is not
    one."""
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        return None
