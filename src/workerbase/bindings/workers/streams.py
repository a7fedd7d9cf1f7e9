"""JS ReadableStreams as our BodyStream, and Python byte chunks written into a JS stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from js import TransformStream
from pyodide.ffi import JsException, to_js

from workerbase.errors import BindingUnavailable
from workerbase.logs import get_logger


class JsBodyStream:
    """A JS body (e.g. a Durable Object's streamed response). Handed on unread as `native`; `chunks()`
    copies one chunk at a time into Python for consumers that must read it."""

    def __init__(self, native: Any, source: str) -> None:
        self.native = native
        self._source = source
        self._reader: Any = None

    async def chunks(self) -> AsyncIterator[bytes]:
        self._reader = reader = self.native.getReader()
        try:
            while True:
                try:
                    read = await reader.read()
                except JsException as exc:
                    raise BindingUnavailable(self._source, f"the stream broke off: {exc}") from exc
                if read.done:
                    return
                yield bytes(read.value.to_bytes())
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        target = self._reader if self._reader is not None else self.native
        with contextlib.suppress(JsException):
            await target.cancel()


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
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    _feeding.add(task := asyncio.ensure_future(feed()))
    task.add_done_callback(_feeding.discard)
    return pipe.readable


# Strong references: the event loop keeps only weak ones to tasks.
_feeding: set[asyncio.Task[None]] = set()
