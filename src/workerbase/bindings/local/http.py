"""Outbound HTTP on CPython (httpx), streaming like the Workers `fetch`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from workerbase.errors import BindingUnavailable
from workerbase.ports import HttpRequest, HttpResponseStream


class HttpxClient:
    def __init__(self) -> None:
        # No read timeout: callers bound each wait themselves, as they must with the Workers `fetch`.
        timeout = httpx.Timeout(connect=30.0, read=None, write=60.0, pool=30.0)
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def open(self, request: HttpRequest) -> HttpResponseStream:
        outgoing = self._client.build_request(
            request.method, request.url, headers=dict(request.headers), content=request.body
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx.HTTPError as exc:
            raise BindingUnavailable("HTTP", f"{request.method} {outgoing.url.host}: {exc!r}") from exc
        return _HttpxStream(response)

    async def aclose(self) -> None:
        await self._client.aclose()


class _HttpxStream:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self._response = response

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            raise BindingUnavailable("HTTP", f"the response broke off: {exc!r}") from exc

    async def aclose(self) -> None:
        await self._response.aclose()
