"""Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure OpenAI v1, OpenRouter, vLLM, Ollama,
gateways), through the HttpClient port. `input` takes the texts of one call (at most MAX_TEXTS_PER_CALL);
the answer's `data[].index` puts the vectors back in order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

from workerbase.config import Settings
from workerbase.errors import BindingUnavailable, ConfigurationError
from workerbase.logs import get_logger
from workerbase.ports import Embedder, EmbeddingFailed, HttpClient, HttpRequest, check_texts
from workerbase.providers.openai_compatible import error_reason

DEFAULT_MODEL = "text-embedding-3-small"
# Vector sizes of OpenAI's models; other models need EMBEDDING_DIMENSIONS.
KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
# Models that shorten their vectors to a requested size (OpenAI's `dimensions` parameter).
_SHORTENABLE = ("text-embedding-3-small", "text-embedding-3-large")
_MAX_ANSWER_BYTES = 64 * 1024 * 1024


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        api_key: str | None,
        model: str,
        dimensions: int | None,
        *,
        timeout_seconds: float,
    ) -> None:
        size = dimensions or KNOWN_DIMENSIONS.get(model)
        if size is None:
            raise ConfigurationError(
                f"EMBEDDING_DIMENSIONS: say how many dimensions {model!r}'s vectors have"
            )
        self._http = http
        self._url = base_url.rstrip("/") + "/embeddings"
        self._api_key = api_key
        self._model = model
        self._dimensions = size
        self._asks_size = dimensions is not None and model in _SHORTENABLE
        self._timeout = timeout_seconds

    @property
    def model(self) -> str:
        return self._model

    @property
    def dimensions(self) -> int:
        return self._dimensions

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        check_texts(texts)
        if not texts:
            return []
        body: dict[str, object] = {"model": self._model, "input": list(texts), "encoding_format": "float"}
        if self._asks_size:
            body["dimensions"] = self._dimensions
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        request = HttpRequest("POST", self._url, headers, json.dumps(body).encode())
        try:
            answer = await asyncio.wait_for(self._answer(request), self._timeout)
        except TimeoutError:
            raise EmbeddingFailed(
                f"the embedding provider did not answer within {self._timeout:g} s"
            ) from None
        vectors = sorted(answer.get("data") or [], key=lambda item: item.get("index", 0))
        if len(vectors) != len(texts) or any(
            len(v.get("embedding") or ()) != self._dimensions for v in vectors
        ):
            raise EmbeddingFailed(
                f"the embedding provider answered no {self._dimensions}-dimension vector per text"
            )
        return [[float(x) for x in v["embedding"]] for v in vectors]

    async def _answer(self, request: HttpRequest) -> dict[str, Any]:
        try:
            response = await self._http.open(request)
        except BindingUnavailable as exc:
            raise EmbeddingFailed(f"could not reach the embedding provider ({exc})") from exc
        try:
            if response.status in (401, 403):  # about the server's key: logged, not shown
                fields = {"status": response.status, "reason": await error_reason(response)}
                get_logger().error("the embedding provider refused our credentials", extra={"fields": fields})
                raise EmbeddingFailed(
                    f"the embedding provider refused the server's credentials ({response.status})"
                )
            if response.status >= 400:
                raise EmbeddingFailed(
                    f"the embedding provider answered {response.status}: {await error_reason(response)}"
                )
            body = b""
            async for chunk in response.chunks():
                body += chunk
                if len(body) > _MAX_ANSWER_BYTES:
                    raise EmbeddingFailed("the embedding provider's answer is too large")
        finally:
            await response.aclose()
        try:
            answer = json.loads(body)
        except ValueError:
            raise EmbeddingFailed("the embedding provider answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise EmbeddingFailed("the embedding provider answered something that is not an object")
        return answer


def chosen_embedder(settings: Settings, http: HttpClient, binding: Callable[[], Embedder]) -> Embedder:
    """The embedder the settings name (EMBEDDING_PROVIDER): the runtime's own, or an OpenAI-compatible
    provider (by default the chat models' base URL and key)."""
    chosen = settings.embeddings
    if chosen.provider == "binding":
        return binding()
    return OpenAICompatibleEmbedder(
        http,
        chosen.base_url or settings.models.base_url,
        chosen.api_key or settings.models.api_key,
        chosen.model or DEFAULT_MODEL,
        chosen.dimensions,
        timeout_seconds=settings.models.timeout_seconds,
    )
