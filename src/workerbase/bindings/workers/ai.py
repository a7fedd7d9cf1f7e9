"""The Workers AI binding (`AI`) as a ChatModel: `env.AI.run(model, {messages, stream: true})` answers a
ReadableStream of Server-Sent Events, `{"response": "..."}` per event from most models and the OpenAI
shape (`choices[0].delta.content`) from newer ones, then `[DONE]`. There is no local simulator (Miniflare
proxies AI to Cloudflare): tests feed this the documented wire format."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from js import Object
from pyodide.ffi import JsException, to_js

from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.ports import ModelEvent, ModelFailed, ModelMessage, ModelTimeout, ToolSpec
from workerbase.providers.openai_compatible import completion_events


class WorkersAiModel:
    def __init__(self, binding: Any, *, timeout_seconds: float) -> None:
        self._ai = getattr(binding, "_binding", binding)  # the raw binding: we convert arguments ourselves
        self._timeout = timeout_seconds

    async def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]:
        inputs: dict[str, Any] = {"messages": [m.wire() for m in messages], "stream": True}
        if tools:  # the models that take tools take them in OpenAI's shape
            inputs["tools"] = [tool.wire() for tool in tools]
        try:
            native = await asyncio.wait_for(
                self._ai.run(model, to_js(inputs, dict_converter=Object.fromEntries)), self._timeout
            )
        except TimeoutError:
            raise ModelTimeout(f"Workers AI did not answer within {self._timeout:g} s") from None
        except JsException as exc:
            raise ModelFailed(f"Workers AI refused the request: {exc}") from exc
        stream = JsBodyStream(native, "AI")
        try:
            async for event in completion_events(stream.chunks(), self._timeout):
                yield event
        finally:
            await stream.aclose()
