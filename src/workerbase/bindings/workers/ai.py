"""The Workers AI binding (`AI`) as a ChatModel and as an Embedder.

As a ChatModel: `env.AI.run(model, {messages, stream: true})` answers a
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
from workerbase.errors import ConfigurationError
from workerbase.ports import (
    EmbeddingFailed,
    ModelEvent,
    ModelFailed,
    ModelMessage,
    ModelTimeout,
    ToolSpec,
    check_texts,
)
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


DEFAULT_EMBEDDING_MODEL = "@cf/baai/bge-small-en-v1.5"
# Vector sizes of the Workers AI embedding models (https://developers.cloudflare.com/workers-ai/models/).
EMBEDDING_DIMENSIONS = {
    "@cf/baai/bge-small-en-v1.5": 384,
    "@cf/baai/bge-base-en-v1.5": 768,
    "@cf/baai/bge-large-en-v1.5": 1024,
    "@cf/baai/bge-m3": 1024,
}


class WorkersAiEmbedder:
    """`env.AI.run(model, {text: [...]})`, which answers `{shape: [n, dimensions], data: [[...], ...]}`."""

    def __init__(self, binding: Any, model: str, *, timeout_seconds: float) -> None:
        if model not in EMBEDDING_DIMENSIONS:
            raise ConfigurationError(
                f"EMBEDDING_MODEL {model!r} is not a Workers AI embedding model we know the size of"
                f" ({', '.join(EMBEDDING_DIMENSIONS)})"
            )
        self._ai = getattr(binding, "_binding", binding)
        self._model = model
        self._timeout = timeout_seconds

    @property
    def model(self) -> str:
        return self._model

    @property
    def dimensions(self) -> int:
        return EMBEDDING_DIMENSIONS[self._model]

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        check_texts(texts)
        if not texts:
            return []
        if self._ai is None:
            raise ConfigurationError("EMBEDDING_PROVIDER=binding needs the Workers AI binding `AI`")
        inputs = to_js({"text": list(texts)}, dict_converter=Object.fromEntries)
        try:
            answer = (await asyncio.wait_for(self._ai.run(self._model, inputs), self._timeout)).to_py()
        except TimeoutError:
            raise EmbeddingFailed(f"Workers AI did not answer within {self._timeout:g} s") from None
        except JsException as exc:
            raise EmbeddingFailed(f"Workers AI refused the request: {exc}") from exc
        vectors = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(vectors, list) or len(vectors) != len(texts):
            raise EmbeddingFailed("Workers AI answered no vector per text")
        if any(len(vector) != self.dimensions for vector in vectors):
            raise EmbeddingFailed(f"Workers AI answered vectors not of {self.dimensions} dimensions")
        return [[float(value) for value in vector] for vector in vectors]
