"""Bodies read a chunk at a time (R2 objects, outbound HTTP, chat room streams)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class BodyStream(Protocol):
    """A body read a chunk at a time, for responses that must not hold it in memory whole.

    `native` is the runtime's own body (a JS ReadableStream on Workers, None locally): an HTTP layer that
    can hand it to the response unread does so, and never calls `chunks()`. Whoever opened the stream
    reads it to the end or calls `aclose()`."""

    native: Any

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...
