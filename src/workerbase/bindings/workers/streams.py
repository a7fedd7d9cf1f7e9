"""JS ReadableStreams as our BodyStream, and Python byte chunks written into a JS stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from js import TransformStream
from pyodide.ffi import JsException, jsnull, to_js

from workerbase.errors import BindingUnavailable
from workerbase.logs import get_logger


class JsBodyStream:
    """A JS body (an R2 object, a fetch response, a Durable Object's response, Workers AI's stream). A
    response hands `native` on unread; `chunks()` is for Python consumers and copies one chunk at a time
    (never `arrayBuffer()`: Pyodide copies of tens of MB exhaust the Worker's memory). Whoever opened it
    reads it to the end or calls `aclose()`, which cancels it so the sender stops sending."""

    def __init__(self, native: Any, source: str, *, length: int | None = None) -> None:
        self.native = None if native is None or native is jsnull else native  # null: a body-less response
        self._source = source
        self._length = length  # when known, a body that ends short is an error, not a smaller body
        self._reader: Any = None
        self._closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        # No clean-up in here: Pyodide's event loop has no async generator hooks, so a generator dropped
        # half-read is closed by the garbage collector, where a `finally` that awaits fails ("async
        # generator ignored GeneratorExit"). `aclose()` cancels.
        if self._reader is not None or self._closed:
            raise RuntimeError(f"a {self._source} body can be read only once")
        if self.native is None:
            return
        self._reader = reader = self.native.getReader()
        received = 0
        while True:
            try:
                read = await reader.read()
            except JsException as exc:
                raise BindingUnavailable(self._source, f"the body broke off: {exc}") from exc
            if read.done:
                break
            chunk: bytes = read.value.to_bytes()
            received += len(chunk)
            yield chunk
        if self._length is not None and received != self._length:
            raise BindingUnavailable(self._source, f"the body ended after {received} of {self._length} bytes")

    async def aclose(self) -> None:
        if self._closed or self.native is None:
            return
        self._closed = True
        # A locked stream refuses `cancel()`: its reader must do it. A finished one ignores it, and a
        # broken one has nothing left to release.
        with contextlib.suppress(JsException):
            await (self._reader if self._reader is not None else self.native).cancel()


def js_stream_of(chunks: AsyncIterator[bytes]) -> Any:
    """A JS ReadableStream fed by `chunks` from a task: a Response can be built on it at once and each
    chunk goes out as it is written. A reader that goes away makes the write fail, which stops the task
    (and closes `chunks`, e.g. a room reader: the generation itself goes on)."""
    pipe = TransformStream.new()
    writer = pipe.writable.getWriter()

    async def feed() -> None:
        try:
            async for chunk in chunks:
                await writer.write(to_js(chunk))  # bytes -> a Uint8Array copy the stream owns
            await writer.close()
        except JsException:
            get_logger().debug("the reader of a stream went away", exc_info=True)
        except Exception as exc:  # the reader sees the stream fail rather than wait for more forever
            get_logger().exception("a stream's source failed")
            with contextlib.suppress(JsException):
                await writer.abort(str(exc))
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    _feeding.add(task := asyncio.ensure_future(feed()))
    task.add_done_callback(_feeding.discard)
    return pipe.readable


# Strong references: the event loop keeps only weak ones to tasks.
_feeding: set[asyncio.Task[None]] = set()
