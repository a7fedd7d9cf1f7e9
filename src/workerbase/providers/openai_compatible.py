"""Any OpenAI-compatible `chat/completions` endpoint, streamed: OpenAI, Azure OpenAI (v1 API), OpenRouter,
Groq, vLLM, Ollama, LLM gateways. Outbound HTTP goes through the HttpClient port (the Workers `fetch`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from workerbase.errors import BindingUnavailable
from workerbase.logs import get_logger
from workerbase.ports import (
    HttpClient,
    HttpRequest,
    ModelEvent,
    ModelFailed,
    ModelMessage,
    ModelTimeout,
    ReasoningDelta,
    StepEnd,
    StepFinished,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
from workerbase.providers.sse import events

# How much of an error response we read to explain it.
_ERROR_BODY_BYTES = 4096


class OpenAICompatibleModel:
    def __init__(
        self, http: HttpClient, base_url: str, api_key: str | None, *, timeout_seconds: float
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._timeout = timeout_seconds

    async def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]:
        headers = {"content-type": "application/json", "accept": "text/event-stream"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        body: dict[str, Any] = {
            "model": model,
            "messages": [m.wire() for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            body["tools"] = [tool.wire() for tool in tools]
        request = HttpRequest("POST", self._url, headers, json.dumps(body).encode())
        try:
            response = await asyncio.wait_for(self._http.open(request), self._timeout)
        except TimeoutError:
            raise ModelTimeout(f"the model did not answer within {self._timeout:g} s") from None
        except BindingUnavailable as exc:
            raise ModelFailed(f"could not reach the model provider ({exc})") from exc
        try:
            if response.status in (401, 403):
                # About the server's key, which the user must not see (providers echo part of it).
                fields = {"status": response.status, "reason": await error_reason(response)}
                get_logger().error("the model provider refused our credentials", extra={"fields": fields})
                raise ModelFailed(f"the model provider refused the server's credentials ({response.status})")
            if response.status >= 400:
                raise ModelFailed(
                    f"the model provider answered {response.status}: {await error_reason(response)}"
                )
            async for event in completion_events(response.chunks(), self._timeout):
                yield event
        finally:
            await response.aclose()


# OpenAI's `finish_reason`s, as the AI SDK names them.
_STEP_ENDS: dict[str, StepEnd] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool-calls",
    "function_call": "tool-calls",
    "content_filter": "content-filter",
}


async def completion_events(chunks: AsyncIterator[bytes], idle_seconds: float) -> AsyncIterator[ModelEvent]:
    """The events of a streamed chat completion (SSE until `[DONE]`) as they arrive, ending with
    StepFinished (its usage from the last chunk, sent when `stream_options.include_usage` is asked). A
    stream that breaks off or stalls for `idle_seconds` raises ModelFailed / ModelTimeout."""
    reason: StepEnd = "stop"
    usage: Usage | None = None
    try:
        async for data in events(chunks, idle_seconds):
            if data == "[DONE]":
                break
            chunk = _chunk_of(data)
            usage = _usage_of(chunk.get("usage")) or usage
            if isinstance(chunk.get("response"), str):  # Workers AI's own shape
                if chunk["response"]:
                    yield TextDelta(chunk["response"])
                continue
            choices = chunk.get("choices")
            first = choices[0] if isinstance(choices, list) and choices else None
            choice = first if isinstance(first, dict) else {}
            for event in _events_of_delta(choice.get("delta") or {}):
                yield event
            if isinstance(choice.get("finish_reason"), str):
                reason = _STEP_ENDS.get(choice["finish_reason"], "other")
    except BindingUnavailable as exc:
        raise ModelFailed(f"the model's stream broke off ({exc})") from exc
    yield StepFinished(reason, usage)


def _chunk_of(data: str) -> dict[str, Any]:
    """A chunk as JSON; errors sent in the stream (some gateways do) raise ModelFailed."""
    try:
        chunk: Any = json.loads(data)
    except ValueError:
        raise ModelFailed("the model provider sent a chunk that is not JSON") from None
    if not isinstance(chunk, dict):
        raise ModelFailed("the model provider sent a chunk that is not an object")
    if "error" in chunk:
        raise ModelFailed(f"the model provider failed: {_message_of(chunk['error'])}")
    return chunk


def _events_of_delta(delta: dict[str, Any]) -> list[ModelEvent]:
    """`reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama), `content`, and
    `tool_calls` pieces."""
    found: list[ModelEvent] = []
    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        found.append(ReasoningDelta(reasoning))
    if isinstance(delta.get("content"), str) and delta["content"]:
        found.append(TextDelta(delta["content"]))
    for position, call in enumerate(delta.get("tool_calls") or []):
        function = call.get("function") or {}
        arguments = function.get("arguments")
        found.append(
            ToolCallDelta(
                index=call.get("index", position),
                arguments=arguments if isinstance(arguments, str) else "",
                id=call.get("id"),
                name=function.get("name"),
            )
        )
    return found


def _usage_of(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if isinstance(prompt, int) and isinstance(completion, int):
        return Usage(prompt, completion)
    return None


async def error_reason(response: Any) -> str:
    """What a provider said went wrong: its `error.message`, else the start of its body."""
    body = b""
    async for chunk in response.chunks():
        body += chunk
        if len(body) >= _ERROR_BODY_BYTES:
            break
    try:
        return _message_of(json.loads(body[:_ERROR_BODY_BYTES]).get("error"))
    except (ValueError, AttributeError):
        return body[:200].decode("utf-8", errors="replace") or "no details"


def _message_of(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "unknown error")[:300]
    return str(error)[:300]
