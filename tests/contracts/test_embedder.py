"""Embedder port contract. Runs against the local runtime's offline model (pytest) and, in Pyodide
(tests/pyodide), the Workers AI adapter over a stand-in of the binding answering in its documented
format (Workers AI has no local simulator: `tests/pyodide/knowledge_shim.mjs` says what stands in)."""

from __future__ import annotations

import math

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument
from workerbase.ports import MAX_TEXTS_PER_CALL, Embedder


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


async def test_one_vector_per_text_of_the_models_dimensions(embedder: Embedder) -> None:
    texts = ["Ships dock in the harbor", "A recipe for lemon cake", "Zürich, 日本, emoji 🚢"]
    vectors = await embedder.embed(texts)
    assert len(vectors) == len(texts)
    assert all(len(v) == embedder.dimensions for v in vectors)
    assert all(isinstance(x, float) and math.isfinite(x) for v in vectors for x in v)
    assert embedder.model
    assert await embedder.embed([]) == []


async def test_the_same_text_gets_the_same_vector_in_any_batch(embedder: Embedder) -> None:
    together = await embedder.embed(["the harbor", "the bakery"])
    alone = [(await embedder.embed([text]))[0] for text in ["the harbor", "the bakery"]]
    for a, b in zip(together, alone, strict=True):
        assert cosine(a, b) > 0.9999


async def test_texts_about_the_same_thing_are_nearer(embedder: Embedder) -> None:
    harbor, port, cake = await embedder.embed(
        [
            "Ships dock in the harbor at night",
            "At night the ships dock in the harbor",
            "Bake the lemon cake for an hour",
        ]
    )
    assert cosine(harbor, port) > cosine(harbor, cake)


async def test_more_texts_than_one_call_takes_or_an_empty_one_is_refused(embedder: Embedder) -> None:
    with raises(InvalidArgument, match=str(MAX_TEXTS_PER_CALL)):
        await embedder.embed(["text"] * (MAX_TEXTS_PER_CALL + 1))
    with raises(InvalidArgument, match="empty"):
        await embedder.embed(["fine", "  "])
    assert len(await embedder.embed(["text"] * MAX_TEXTS_PER_CALL)) == MAX_TEXTS_PER_CALL
