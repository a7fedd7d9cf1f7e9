"""Hands a JS body (an R2 object's ReadableStream) from the ASGI app to the Worker's Response, unread.

The workers-py ASGI bridge builds its JS Response from the bytes the app sends, so a download served
through it would be copied into Python and back out (a Worker has 128 MB, and Pyodide copies already
fail around 50 MB). So, for each request, `src/entry.py` makes a `NativeBodyHandover` and:

* `wrap(app)` puts the hand-over into the scope's extensions as `workerbase.native_body`. A response
  that can hand its body on calls `attach(stream.native)` before `http.response.start`, then sends the
  start and one final, empty `http.response.body`.
* The wrapper sits outside all of the app's middleware, so the start it keeps carries every header they
  added. The bridge gets a stand-in start instead: the status and no headers. The real headers describe
  a body the bridge never sees: its empty Response would carry a Content-Length of the whole file (and
  Content-Range, Content-Encoding) for zero bytes, and it decodes header bytes as UTF-8.
* `finish(response)` returns a JS Response of the attached stream with the kept status and headers, or,
  when nothing was handed over, the bridge's own response.

A response that attaches a body and then sends bytes after all (an error handler replaced it), or a
status that cannot have a body (304...), is served as the app sent it and the stream is cancelled; so
is the stream of an app that fails before its response is complete.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from js import Headers, Response
from pyodide.ffi import JsException

EXTENSION = "workerbase.native_body"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# Fetch refuses a body with these statuses: https://fetch.spec.whatwg.org/#null-body-status
_NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})


class NativeBodyHandover:
    """One request's hand-over (see the module doc). `attach` is what the app sees."""

    def __init__(self) -> None:
        self._body: Any = None  # the attached JS stream, until it is handed over or cancelled
        self._start: Message | None = None  # the app's start, held while a body is attached
        self._handed_over: Message | None = None  # the start of the response that carries `_body`

    def attach(self, body: Any) -> None:
        if self._start is not None or self._handed_over is not None:
            raise RuntimeError("attach a native body before sending http.response.start")
        if self._body is not None:
            raise RuntimeError("a native body is already attached to this response")
        self._body = body

    def wrap(self, app: App) -> App:
        async def app_with_native_body(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":  # lifespan runs around every request: leave it alone
                await app(scope, receive, send)
                return

            async def send_through_handover(message: Message) -> None:
                await self._send(message, send)

            extensions = {**(scope.get("extensions") or {}), EXTENSION: self}
            try:
                await app({**scope, "extensions": extensions}, receive, send_through_handover)
            finally:
                if self._handed_over is None:
                    await self._cancel()  # failed before its response was complete: R2 can stop sending

        return app_with_native_body

    def finish(self, response: Any) -> Any:
        """The Worker's response: the attached body under the app's status and headers, if handed over."""
        start = self._handed_over
        if start is None:
            return response
        headers = Headers.new()
        for name, value in start.get("headers", ()):
            # `append`, not a mapping: repeated headers (Set-Cookie) must all survive. ASGI header bytes
            # are Latin-1, which is also how JS ByteStrings map characters to bytes.
            headers.append(name.decode("latin-1"), value.decode("latin-1"))
        return Response.new(self._body, status=start["status"], headers=headers)

    async def _send(self, message: Message, send: Send) -> None:
        if self._body is None or self._handed_over is not None:
            await send(message)
        elif message["type"] == "http.response.start":
            self._start = message  # held until the body shows whether the attached stream is used
        elif message["type"] == "http.response.body" and self._start is not None:
            chunk, more_body = message.get("body", b""), message.get("more_body", False)
            if not chunk and more_body:
                return
            start = self._start
            if chunk or start["status"] in _NULL_BODY_STATUSES:
                await self._cancel()  # not a hand-over after all: serve what the app sent
                await send(start)
            else:
                self._handed_over = start
                await send({"type": "http.response.start", "status": start["status"], "headers": []})
            await send(message)
        else:
            await send(message)

    async def _cancel(self) -> None:
        body, self._body, self._start = self._body, None, None
        if body is not None:
            with contextlib.suppress(JsException):  # already errored or closed: nothing to release
                await body.cancel()
