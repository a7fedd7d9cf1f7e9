"""The AI SDK's UI message stream protocol (v1) on the wire: Server-Sent Events, one JSON chunk per
event, ended by `[DONE]`. What `useChat` with `DefaultChatTransport` reads."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    "X-Vercel-AI-UI-Message-Stream": "v1",
    "X-Accel-Buffering": "no",  # proxies must pass each event on at once
}
DONE = b"data: [DONE]\n\n"


def event(chunk: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(chunk, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"


async def encode(chunks: AsyncIterator[dict[str, Any]]) -> AsyncGenerator[bytes, None]:
    async for chunk in chunks:
        yield event(chunk)
    yield DONE
