"""The embeddings port: texts in, one vector each out, of the model's dimensions.

Adapters: the Workers AI binding (`@cf/baai/bge-*`, `bindings/workers/ai.py`), any OpenAI-compatible
`/v1/embeddings` (`providers/openai_embeddings.py`), and an offline local model for the local runtime
(`bindings/local/embeddings.py`). Every adapter takes at most MAX_TEXTS_PER_CALL texts per call (Workers
AI's limit; the others are held to it so that batching is the caller's, the same everywhere) and answers
them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from workerbase.errors import InvalidArgument, WorkerbaseError

MAX_TEXTS_PER_CALL = 100


class EmbeddingFailed(WorkerbaseError):
    """The embedding provider refused or failed. Its message never carries secrets."""

    status = 502
    code = "embedding_failed"
    title = "The embedding provider failed"
    public_detail = True


class Embedder(Protocol):
    @property
    def model(self) -> str:
        """The model's name: what an index of its vectors records, so vectors of two models never mix."""
        ...

    @property
    def dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order; [] for none. InvalidArgument past MAX_TEXTS_PER_CALL texts or for
        an empty text; EmbeddingFailed when the provider fails."""
        ...


def check_texts(texts: Sequence[str]) -> None:
    """What every adapter checks before it calls its provider."""
    if len(texts) > MAX_TEXTS_PER_CALL:
        raise InvalidArgument(f"at most {MAX_TEXTS_PER_CALL} texts per call, not {len(texts)}")
    if any(not text.strip() for text in texts):
        raise InvalidArgument("a text to embed is empty")
