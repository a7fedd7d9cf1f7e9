"""What the model is sent for a reply: the chat's turns (stored UI message parts) as OpenAI chat messages,
within a context budget.

* **Files.** A `file` part names one of the user's files (`fileId`) or carries a data URL. Images go as
  `image_url` with a data URL of their bytes, not as a signed link: a link only works for a provider that
  can reach this Worker (never a local run, nor one behind Access), it would be valid for anyone holding
  it for its lifetime, and the provider's fetch could come after the user deleted the file. Text-like
  files (text/*, JSON, XML, CSV, Markdown...) go as text; PDFs as OpenAI's `file` content part (a data
  URL), which models that read PDFs take and others refuse (the provider's error then ends the reply);
  other types are named, not sent. A link to elsewhere (`https://`) is passed on for images, named for
  the rest.
* **Turns keep what they had**: an assistant turn's steps become assistant messages with their tool
  calls, each followed by the tools' results (an output, an error, or that the user denied the call); a
  tool call without a result (a client-side tool never answered) is left out, as providers refuse a
  call without its answer. Reasoning is not sent back.
* **Budget**: tokens are estimated (a token per 4 characters, IMAGE_TOKENS per image). The newest turn
  is always sent (ContextTooLong if it alone is over the budget); older turns are added newest first
  while they fit, so the oldest are dropped first, whole (a tool call never loses its result). Files
  inlined in one request are capped at MAX_INLINE_FILE_BYTES: older files past it are named instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from workerbase.ids import canonical_uuid
from workerbase.media_types import is_text
from workerbase.ports import ModelFailed, ModelMessage, ToolCall, Turn

IMAGE_TOKENS = 1_000  # an upper bound of what one image costs at most providers' default detail
CHARS_PER_TOKEN = 4
MAX_INLINE_FILE_BYTES = 8 * 1024 * 1024  # of files sent in one model request (a Worker has 128 MB)

# One of the user's files by id: its name, media type and bytes; None if they have no such file.
FileReader = Callable[[str], Awaitable[tuple[str, str, bytes] | None]]


class ContextTooLong(ModelFailed):
    status = 413
    code = "context_too_long"
    title = "The message is too long for the model"


@dataclass(slots=True)
class _Converted:
    messages: list[ModelMessage] = field(default_factory=list)
    tokens: int = 0


class ModelInput:
    """Builds one reply's messages; `inline_bytes` counts the files inlined so far, newest turn first."""

    def __init__(self, read_file: FileReader, budget_tokens: int) -> None:
        self._read_file = read_file
        self._budget = budget_tokens
        self._inline_bytes = 0

    async def messages(self, system_prompt: str | None, turns: Sequence[Turn]) -> list[ModelMessage]:
        system = [ModelMessage("system", system_prompt)] if system_prompt else []
        used = _tokens_of_text(system_prompt or "")
        kept: list[list[ModelMessage]] = []
        for age, turn in enumerate(reversed(turns)):
            converted = await self._turn(turn)
            if used + converted.tokens > self._budget:
                if age == 0:
                    raise ContextTooLong(
                        f"the message is about {converted.tokens} tokens; the model is sent at most"
                        f" {self._budget} (MODEL_CONTEXT_TOKENS), the chat's system prompt included"
                    )
                break
            used += converted.tokens
            kept.append(converted.messages)
        return system + [message for messages in reversed(kept) for message in messages]

    async def _turn(self, turn: Turn) -> _Converted:
        if turn.role == "assistant":
            return _assistant(turn.parts)
        converted = _Converted()
        content: list[dict[str, Any]] = []
        for part in turn.parts:
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                content.append({"type": "text", "text": part["text"]})
                converted.tokens += _tokens_of_text(part["text"])
            elif part.get("type") == "file" and turn.role == "user":
                piece, tokens = await self._file(part)
                content.append(piece)
                converted.tokens += tokens
        if content:
            texts_only = all(piece["type"] == "text" for piece in content)
            # Plain text as a string: models without content parts (many Workers AI ones) take that.
            text = "\n\n".join(piece["text"] for piece in content) if texts_only else content
            converted.messages.append(ModelMessage(turn.role, text))
        return converted

    async def _file(self, part: dict[str, Any]) -> tuple[dict[str, Any], int]:
        name = str(part.get("filename") or "file")
        media_type = str(part.get("mediaType") or "application/octet-stream").lower()
        url = str(part.get("url") or "")
        data: bytes | None = None
        file_id = canonical_uuid(part.get("fileId"))
        if file_id is not None:
            found = await self._read_file(file_id)
            if found is None:
                return _note(f"[{name}: the file was deleted]")
            name, media_type, data = found
        elif url.startswith("data:"):
            data = _data_url_bytes(url)
            if data is None:
                return _note(f"[{name}: not a readable data URL]")
        elif url.startswith(("https://", "http://")):
            if media_type.startswith("image/"):
                return {"type": "image_url", "image_url": {"url": url}}, IMAGE_TOKENS
            return _note(f"[{name} ({media_type}): {url}]")
        else:
            return _note(f"[{name}: no content]")
        if is_text(media_type):
            text = data.decode("utf-8", errors="replace")
            return {"type": "text", "text": f'<file name="{name}">\n{text}\n</file>'}, _tokens_of_text(text)
        if not (media_type.startswith("image/") or media_type == "application/pdf"):
            return _note(f"[{name} ({media_type}): a file of a type the model is not sent]")
        if self._inline_bytes + len(data) > MAX_INLINE_FILE_BYTES:
            return _note(f"[{name} ({media_type}): left out, the request carries enough files already]")
        self._inline_bytes += len(data)
        data_url = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
        if media_type.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": data_url}}, IMAGE_TOKENS
        pdf = {"type": "file", "file": {"filename": name, "file_data": data_url}}
        return pdf, len(data) // CHARS_PER_TOKEN


def _assistant(parts: list[dict[str, Any]]) -> _Converted:
    """Each step (parts between `step-start`s) as an assistant message with its answered tool calls, and
    a `tool` message per result."""
    converted = _Converted()
    steps: list[list[dict[str, Any]]] = [[]]
    for part in parts:
        if part.get("type") == "step-start" and steps[-1]:
            steps.append([])
        steps[-1].append(part)
    for step in steps:
        text = "".join(p["text"] for p in step if p.get("type") == "text" and isinstance(p.get("text"), str))
        calls, results = [], []
        for part in step:
            name = _tool_name(part)
            result_text = _tool_result(part)
            if name is None or result_text is None:
                continue
            arguments = json.dumps(part.get("input"), separators=(",", ":"))
            calls.append(ToolCall(str(part.get("toolCallId")), name, arguments))
            results.append(ModelMessage("tool", result_text, tool_call_id=str(part.get("toolCallId"))))
            converted.tokens += _tokens_of_text(arguments) + _tokens_of_text(result_text)
        if text or calls:
            converted.messages += [ModelMessage("assistant", text, tuple(calls)), *results]
            converted.tokens += _tokens_of_text(text)
    return converted


def _tool_result(part: dict[str, Any]) -> str | None:
    """What the model is told a tool call gave: its output, its error, or that the user denied it; None
    for a call with no result (yet)."""
    state = part.get("state")
    if state == "output-available":
        return tool_output_text(part.get("output"))
    if state == "output-error":
        return f"Error: {part.get('errorText')}"
    if state == "output-denied":
        reason = (part.get("approval") or {}).get("reason")
        return "The user denied this tool call" + (f": {reason}" if reason else ".")
    return None


def tool_output_text(output: object) -> str:
    """A tool's output as the model is told it: text as it is, anything else as compact JSON. The same
    in the reply that ran the tool and in the history of later ones."""
    if isinstance(output, str):
        return output
    return json.dumps(output, separators=(",", ":"), ensure_ascii=False)


def _tool_name(part: dict[str, Any]) -> str | None:
    kind = str(part.get("type", ""))
    if kind == "dynamic-tool":
        return str(part.get("toolName") or "") or None
    return kind.removeprefix("tool-") if kind.startswith("tool-") else None


def _note(text: str) -> tuple[dict[str, Any], int]:
    return {"type": "text", "text": text}, _tokens_of_text(text)


def _tokens_of_text(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def _data_url_bytes(url: str) -> bytes | None:
    header, comma, payload = url.partition(",")
    if not comma:
        return None
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=True)
        return unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None
