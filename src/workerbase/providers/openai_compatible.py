"""Any OpenAI-compatible `chat/completions` endpoint, streamed: OpenAI, Azure OpenAI (v1 API), OpenRouter,
Groq, vLLM, Ollama, LLM gateways. Outbound HTTP goes through the HttpClient port (the Workers `fetch`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from workerbase.errors import BindingUnavailable
from workerbase.logs import get_logger
from workerbase.ports import HttpClient, HttpRequest, ModelFailed, ModelMessage, ModelTimeout
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

    async def reply(self, model: str, messages: Sequence[ModelMessage]) -> AsyncIterator[str]:
        headers = {"content-type": "application/json", "accept": "text/event-stream"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        body = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
        }
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
                fields = {"status": response.status, "reason": await _reason(response)}
                get_logger().error("the model provider refused our credentials", extra={"fields": fields})
                raise ModelFailed(f"the model provider refused the server's credentials ({response.status})")
            if response.status >= 400:
                raise ModelFailed(f"the model provider answered {response.status}: {await _reason(response)}")
            async for text in completion_text(response.chunks(), self._timeout):
                yield text
        finally:
            await response.aclose()


async def completion_text(chunks: AsyncIterator[bytes], idle_seconds: float) -> AsyncIterator[str]:
    """The text of a streamed chat completion (SSE until `[DONE]`), as it arrives; a stream that breaks
    off or stalls for `idle_seconds` raises ModelFailed / ModelTimeout."""
    try:
        async for data in events(chunks, idle_seconds):
            if data == "[DONE]":
                return
            text = text_of_event(data)
            if text:
                yield text
    except BindingUnavailable as exc:
        raise ModelFailed(f"the model's stream broke off ({exc})") from exc


def text_of_event(data: str) -> str:
    """The text an event of a streamed chat completion adds: `choices[0].delta.content` (OpenAI and
    compatibles, newer Workers AI models) or `response` (Workers AI). Errors sent in the stream (some
    gateways do) raise ModelFailed."""
    try:
        chunk: Any = json.loads(data)
    except ValueError:
        raise ModelFailed("the model provider sent a chunk that is not JSON") from None
    if not isinstance(chunk, dict):
        raise ModelFailed("the model provider sent a chunk that is not an object")
    if "error" in chunk:
        raise ModelFailed(f"the model provider failed: {_message_of(chunk['error'])}")
    if isinstance(chunk.get("response"), str):
        return str(chunk["response"])
    choices = chunk.get("choices") or []
    content = choices[0].get("delta", {}).get("content") if choices and isinstance(choices[0], dict) else None
    return content if isinstance(content, str) else ""


async def _reason(response: Any) -> str:
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
