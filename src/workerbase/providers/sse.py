"""Reading Server-Sent Events (the framing of OpenAI-compatible and Workers AI streams) as they arrive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from workerbase.ports import ModelTimeout


async def events(chunks: AsyncIterator[bytes], idle_timeout: float) -> AsyncIterator[str]:
    """The `data` of each event (multi-line data joined by newlines); comments and other fields are
    skipped. Waiting longer than `idle_timeout` seconds for the next bytes raises ModelTimeout: a stream
    that stalls must end, not hang."""
    buffer = b""
    data: list[str] = []
    while True:
        try:
            chunk = await asyncio.wait_for(anext(chunks), idle_timeout)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise ModelTimeout(f"the model sent nothing for {idle_timeout:g} s") from None
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if not line:  # a blank line ends an event
                if data:
                    yield "\n".join(data)
                    data = []
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
    if data:  # a last event without its blank line
        yield "\n".join(data)
