"""The outbound HTTP port: the Workers `fetch`, httpx locally."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import field
from typing import Protocol

from workerbase.frozen import Frozen


class HttpRequest(Frozen):
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class HttpResponseStream(Protocol):
    """A response whose body is read as it arrives. Read it to the end or `aclose()` it."""

    status: int

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class HttpClient(Protocol):
    async def open(self, request: HttpRequest) -> HttpResponseStream:
        """Send the request and return once the status and headers are in; a failure to connect raises
        BindingUnavailable("HTTP", ...). Timeouts are the caller's (asyncio.wait_for)."""
        ...
