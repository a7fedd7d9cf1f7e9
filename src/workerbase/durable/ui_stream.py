"""The AI SDK's UI message stream protocol (v1) on the wire: Server-Sent Events, one JSON chunk per
event, ended by `[DONE]`. What `useChat` with `DefaultChatTransport` reads."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

from workerbase.ports import Chunk, GenerationJob, Outcome

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


def opening_chunk(job: GenerationJob) -> Chunk:
    return {"type": "start", "messageId": job.reply_id}


def closing_chunks(job: GenerationJob, written: list[Chunk], outcome: Outcome) -> list[Chunk]:
    """What ends a reply after the chunks `written` so far: the end of each part still open and of the
    step (a reply stopped, failed or interrupted midway), the error or abort, then `finish`. `finish`
    carries the reply's metadata as stored (model, finishReason, usage...), which the AI SDK puts on the
    client's message; no finishReason of its own: AI SDK clients before 5.0.92 refuse one."""
    open_parts: dict[str, str] = {}  # id -> text | reasoning
    in_step = False
    for chunk in written:
        kind = chunk["type"]
        if kind in ("text-start", "reasoning-start"):
            open_parts[chunk["id"]] = kind.removesuffix("-start")
        elif kind in ("text-end", "reasoning-end"):
            open_parts.pop(chunk["id"], None)
        elif kind in ("start-step", "finish-step"):
            in_step = kind == "start-step"
    chunks: list[Chunk] = [{"type": f"{kind}-end", "id": part_id} for part_id, kind in open_parts.items()]
    if outcome.finish_reason == "error":
        chunks.append({"type": "error", "errorText": outcome.error or "the reply failed"})
    elif outcome.finish_reason in ("abort", "interrupted"):
        chunks.append({"type": "abort"})
    if in_step:
        chunks.append({"type": "finish-step"})
    return [*chunks, {"type": "finish", "messageMetadata": outcome.reply_metadata(job.model)}]


def parts_of(chunks: Sequence[Chunk], base: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The message parts a reply's chunks make, as the AI SDK's client builds them (`readUIMessageStream`):
    what is stored, so that reloading the chat shows what the stream showed. A reply that continues a
    message (its tool calls answered) starts from that message's parts (`base`, not changed): its chunks
    may end the tool calls there. Transient data parts are not kept; a data part with the `id` of an
    earlier one of its type replaces it."""
    parts = copy.deepcopy(list(base))
    by_id: dict[str, dict[str, Any]] = {}  # open text and reasoning parts
    tools = {p["toolCallId"]: p for p in parts if "toolCallId" in p}  # tool parts by toolCallId
    for chunk in chunks:
        kind = chunk["type"]
        if kind == "start-step":
            parts.append({"type": "step-start"})
        elif kind == "text-start":
            by_id[chunk["id"]] = part = {"type": "text", "text": "", "state": "streaming"}
            parts.append(part)
        elif kind == "reasoning-start":  # the SDK keeps a reasoning part's id, not a text part's
            by_id[chunk["id"]] = part = {
                "type": "reasoning",
                "id": chunk["id"],
                "text": "",
                "state": "streaming",
            }
            parts.append(part)
        elif kind in ("text-delta", "reasoning-delta"):
            by_id[chunk["id"]]["text"] += chunk["delta"]
        elif kind in ("text-end", "reasoning-end"):
            by_id.pop(chunk["id"])["state"] = "done"
        elif kind == "tool-input-start":
            name, call_id = chunk["toolName"], chunk["toolCallId"]
            parts.append({"type": f"tool-{name}", "toolCallId": call_id, "state": "input-streaming"})
            tools[call_id] = parts[-1]
        elif kind == "tool-input-available":
            _tool_part(parts, tools, chunk).update(state="input-available", input=chunk["input"])
        elif kind == "tool-input-error":
            _tool_part(parts, tools, chunk).update(
                state="output-error", input=chunk["input"], errorText=chunk["errorText"]
            )
        elif kind == "tool-output-available":
            tools[chunk["toolCallId"]].update(state="output-available", output=chunk["output"])
        elif kind == "tool-output-error":
            tools[chunk["toolCallId"]].update(state="output-error", errorText=chunk["errorText"])
        elif kind == "tool-approval-request":
            tools[chunk["toolCallId"]].update(
                state="approval-requested", approval={"id": chunk["approvalId"]}
            )
        elif kind == "tool-output-denied":
            tools[chunk["toolCallId"]]["state"] = "output-denied"
        elif kind in ("source-url", "source-document", "file"):
            parts.append({key: value for key, value in chunk.items() if key != "providerMetadata"})
        elif kind.startswith("data-") and not chunk.get("transient"):
            _put_data_part(parts, chunk)
    return parts


def _tool_part(parts: list[dict[str, Any]], tools: dict[str, dict[str, Any]], chunk: Chunk) -> dict[str, Any]:
    """The tool call's part, added if its input came whole (no `tool-input-start` before)."""
    if chunk["toolCallId"] not in tools:
        parts.append({"type": f"tool-{chunk['toolName']}", "toolCallId": chunk["toolCallId"]})
        tools[chunk["toolCallId"]] = parts[-1]
    return tools[chunk["toolCallId"]]


def _put_data_part(parts: list[dict[str, Any]], chunk: Chunk) -> None:
    part = {"type": chunk["type"], "data": chunk.get("data")}
    if "id" in chunk:
        part = {"type": chunk["type"], "id": chunk["id"], "data": chunk.get("data")}
        for index, earlier in enumerate(parts):
            if earlier["type"] == part["type"] and earlier.get("id") == part["id"]:
                parts[index] = part
                return
    parts.append(part)
