"""Unpadded base64url (RFC 4648 section 5 without `=`), as JWTs, cursors, keys, links and tickets use it."""

from __future__ import annotations

import base64


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(text: str) -> bytes:
    """Raises ValueError (binascii.Error) when `text` is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
