"""The OpenAI-compatible embedder against a provider answering as OpenAI's `/v1/embeddings` does (its
documented JSON, `data[].index` possibly out of order), through a stand-in of the HttpClient port."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.contracts.expect import raises
from workerbase.config import Settings
from workerbase.errors import BindingUnavailable, ConfigurationError, InvalidArgument
from workerbase.ports import EmbeddingFailed, HttpRequest
from workerbase.providers.openai_embeddings import OpenAICompatibleEmbedder, chosen_embedder


class Answer:
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self._body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), 7):  # in pieces, as a network delivers it
            yield self._body[start : start + 7]

    async def aclose(self) -> None:
        self.closed = True


class Provider:
    """Answers each request with the next scripted answer, keeping the requests."""

    def __init__(self, *answers: Answer | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[HttpRequest] = []

    async def open(self, request: HttpRequest) -> Answer:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def embeddings(*vectors: list[float], order: list[int] | None = None) -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    if order is not None:
        data = [data[i] for i in order]
    return {
        "object": "list",
        "data": data,
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }


def embedder(
    provider: Provider, model: str = "text-embedding-3-small", dimensions: int | None = 3
) -> OpenAICompatibleEmbedder:
    return OpenAICompatibleEmbedder(
        provider, "https://api.example.com/v1/", "sk-secret", model, dimensions, timeout_seconds=5
    )


async def test_the_vectors_come_back_in_the_order_of_the_texts() -> None:
    provider = Provider(Answer(200, embeddings([1.0, 0, 0], [0, 1.0, 0], order=[1, 0])))
    assert await embedder(provider).embed(["first", "second"]) == [[1.0, 0, 0], [0, 1.0, 0]]
    (request,) = provider.requests
    assert (request.method, request.url) == ("POST", "https://api.example.com/v1/embeddings")
    assert request.headers["authorization"] == "Bearer sk-secret"
    assert json.loads(request.body) == {
        "model": "text-embedding-3-small",
        "input": ["first", "second"],
        "encoding_format": "float",
        "dimensions": 3,  # text-embedding-3-* shorten their vectors to the size asked
    }


async def test_a_model_of_known_size_needs_no_dimensions_and_others_must_say() -> None:
    assert embedder(Provider(), "text-embedding-ada-002", None).dimensions == 1536
    with raises(ConfigurationError, match="EMBEDDING_DIMENSIONS"):
        embedder(Provider(), "nomic-embed-text", None)
    provider = Provider(Answer(200, embeddings([0.5, 0.5])))
    assert await embedder(provider, "nomic-embed-text", 2).embed(["x"]) == [[0.5, 0.5]]
    assert "dimensions" not in json.loads(provider.requests[0].body)  # not a model that shortens


async def test_a_refusal_says_why_but_never_the_providers_words_about_our_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    denied = {
        "error": {"message": "Incorrect API key provided: sk-secr****", "type": "invalid_request_error"}
    }
    with caplog.at_level(logging.ERROR, logger="workerbase"), raises(EmbeddingFailed) as raised:
        await embedder(Provider(Answer(401, denied))).embed(["x"])
    assert "sk-secr" not in str(raised.exception)
    assert "credentials" in str(raised.exception)
    logged = [getattr(record, "fields", {}) for record in caplog.records]
    assert any("sk-secr****" in str(fields.get("reason")) for fields in logged)  # for the operator
    busy = {"error": {"message": "Rate limit reached", "type": "requests"}}
    with raises(EmbeddingFailed, match="429: Rate limit reached"):
        await embedder(Provider(Answer(429, busy))).embed(["x"])
    with raises(EmbeddingFailed, match="could not reach"):
        await embedder(Provider(BindingUnavailable("HTTP", "connection refused"))).embed(["x"])


@pytest.mark.parametrize(
    "answer",
    [
        b"<html>gateway</html>",
        embeddings([1.0, 0, 0]),  # one vector for two texts
        embeddings([1.0, 0], [0, 1.0]),  # not of the model's size
    ],
)
async def test_an_answer_that_is_not_a_vector_per_text_fails(answer: Any) -> None:
    with raises(EmbeddingFailed):
        await embedder(Provider(Answer(200, answer))).embed(["a", "b"])


async def test_bad_input_never_reaches_the_provider() -> None:
    provider = Provider()
    with raises(InvalidArgument):
        await embedder(provider).embed(["x"] * 101)
    assert await embedder(provider).embed([]) == []
    assert provider.requests == []


def test_the_settings_choose_the_runtimes_model_or_the_provider() -> None:
    env = {"ENVIRONMENT": "development", "JWT_SECRETS": "w" * 40}
    runtimes: Any = object()
    assert chosen_embedder(Settings.from_env(env.get), Provider(), lambda: runtimes) is runtimes
    openai = {
        **env,
        "EMBEDDING_PROVIDER": "openai",
        "EMBEDDING_DIMENSIONS": "512",
        "MODEL_API_KEY": "sk-chat",
    }
    chosen = chosen_embedder(Settings.from_env(openai.get), Provider(), lambda: runtimes)
    assert isinstance(chosen, OpenAICompatibleEmbedder)
    assert (chosen.model, chosen.dimensions) == ("text-embedding-3-small", 512)
