"""Outbound HTTP through the Workers `fetch`, the body read chunk by chunk as it arrives.

We call the JS `fetch` directly: `workers.fetch` goes through `pyodide.http.pyfetch`, which adds a Python
response wrapper we would only unwrap again. Closing early must stop the download, not just stop reading:
the SDK response's `abort()` does nothing in workerd, so each request carries an AbortController's signal,
and `aclose()` cancels the body's reader and aborts the request.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

from js import AbortController, Object, fetch
from pyodide.ffi import JsException, to_js

from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.errors import BindingUnavailable
from workerbase.ports import HttpRequest, HttpResponseStream

BINDING = "HTTP"


class WorkersHttpClient:
    async def open(self, request: HttpRequest) -> HttpResponseStream:
        controller = AbortController.new()
        # Redirects are handed back, not followed, as by the local client (httpx, follow_redirects=False).
        init: dict[str, Any] = {
            "method": request.method,
            "headers": dict(request.headers),
            "redirect": "manual",
            "signal": controller.signal,
        }
        if request.body:  # a GET or HEAD with any body, even empty, is a TypeError in fetch
            init["body"] = to_js(request.body)  # a Uint8Array copy
        try:
            response = await fetch(request.url, to_js(init, dict_converter=Object.fromEntries))
        except asyncio.CancelledError:  # e.g. the caller's timeout: the request must not go on in JS
            controller.abort()
            raise
        except JsException as exc:
            host = urlsplit(request.url).hostname
            raise BindingUnavailable(BINDING, f"{request.method} {host}: {exc}") from exc
        return _FetchResponseStream(response, controller)


class _FetchResponseStream(JsBodyStream):
    def __init__(self, response: Any, controller: Any) -> None:
        super().__init__(response.body, BINDING)
        self.status = int(response.status)
        self._controller = controller

    async def aclose(self) -> None:
        await super().aclose()
        with contextlib.suppress(JsException):
            self._controller.abort()  # the connection too, whatever state the body is in
