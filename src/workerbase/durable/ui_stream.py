"""The AI SDK's UI message stream protocol (v1) on the wire: Server-Sent Events, one JSON chunk per
event, ended by `[DONE]`. What `useChat` with `DefaultChatTransport` reads."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from workerbase.ports import GenerationJob, Outcome

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


def opening_chunks(job: GenerationJob, text_id: str) -> list[dict[str, Any]]:
    return [
        {"type": "start", "messageId": job.reply_id},
        {"type": "start-step"},
        {"type": "text-start", "id": text_id},
    ]


def closing_chunks(job: GenerationJob, text_id: str, outcome: Outcome) -> list[dict[str, Any]]:
    """`finish` carries the reply's metadata as stored (model, finishReason...), which the AI SDK puts on
    the client's message; no finishReason of its own: AI SDK clients before 5.0.92 refuse one."""
    chunks: list[dict[str, Any]] = [{"type": "text-end", "id": text_id}]
    if outcome.finish_reason == "error":
        chunks.append({"type": "error", "errorText": outcome.error or "the reply failed"})
    elif outcome.finish_reason in ("abort", "interrupted"):
        chunks.append({"type": "abort"})
    finish = {"type": "finish", "messageMetadata": outcome.reply_metadata(job.model)}
    return [*chunks, {"type": "finish-step"}, finish]
