"""Vector index port contract (Vectorize). Runs against the local exact index (pytest) and, in Pyodide
(tests/pyodide), the Workers adapter over a stand-in of the binding (Vectorize has no local simulator:
`tests/pyodide/knowledge_shim.mjs` says what stands in). The fixture's index has 4 dimensions.

Writes are asynchronous on Vectorize: a test waits for `info().processed_up_to_mutation` to reach its
write before it reads, as code that needs a write visible must (and code that cannot wait checks D1)."""

from __future__ import annotations

import math

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import Vector, VectorIndex

NORTH, EAST, NORTH_EAST, SOUTH = (
    [0.0, 1.0, 0.0, 0.0],
    [1.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 0.0, 0.0],
    [0.0, -1.0, 0, 0],
)


async def settled(index: VectorIndex, mutation: str) -> None:
    """Until the index says it applied `mutation` (the stand-in applies writes when asked to describe
    itself; Vectorize within seconds)."""
    for _ in range(50):
        if (await index.info()).processed_up_to_mutation == mutation:
            return
    raise AssertionError(f"mutation {mutation} was never applied")


async def test_the_nearest_vectors_come_first_with_their_cosine_scores(vector_index: VectorIndex) -> None:
    await settled(
        vector_index,
        await vector_index.upsert(
            [
                Vector("n", NORTH, "u1"),
                Vector("e", EAST, "u1"),
                Vector("ne", NORTH_EAST, "u1"),
                Vector("s", SOUTH, "u1"),
            ]
        ),
    )
    matches = await vector_index.query([0.1, 1.0, 0.0, 0.0], top_k=3, namespace="u1")
    assert [m.id for m in matches] == ["n", "ne", "e"]
    assert math.isclose(matches[0].score, 1.0 / math.sqrt(1.01), rel_tol=1e-4)
    assert math.isclose(matches[1].score, 1.1 / math.sqrt(2.02), rel_tol=1e-4)
    assert all(m.metadata is None for m in matches)  # not asked for
    everything = await vector_index.query(NORTH, top_k=10, namespace="u1")
    assert [m.id for m in everything][-1] == "s"
    assert math.isclose(everything[-1].score, -1.0, rel_tol=1e-4)


async def test_a_namespace_sees_only_its_own_vectors(vector_index: VectorIndex) -> None:
    mutation = await vector_index.upsert([Vector("ada-1", NORTH, "ada"), Vector("bob-1", NORTH, "bob")])
    await settled(vector_index, mutation)
    assert [m.id for m in await vector_index.query(NORTH, top_k=10, namespace="ada")] == ["ada-1"]
    assert [m.id for m in await vector_index.query(NORTH, top_k=10, namespace="bob")] == ["bob-1"]
    assert await vector_index.query(NORTH, top_k=10, namespace="carol") == []


async def test_metadata_filters_and_comes_back_when_asked(vector_index: VectorIndex) -> None:
    vectors = [
        Vector("a", NORTH, "u1", {"kb": "k1", "source": "s1", "position": 0}),
        Vector("b", NORTH_EAST, "u1", {"kb": "k1", "source": "s2", "position": 1}),
        Vector("c", EAST, "u1", {"kb": "k2", "source": "s3", "position": 2}),
    ]
    await settled(vector_index, await vector_index.upsert(vectors))
    found = await vector_index.query(NORTH, top_k=5, namespace="u1", filter={"kb": "k1"}, with_metadata=True)
    assert [(m.id, m.metadata) for m in found] == [("a", vectors[0].metadata), ("b", vectors[1].metadata)]
    in_sources = await vector_index.query(
        NORTH, top_k=5, namespace="u1", filter={"source": {"$in": ["s2", "s3"]}}
    )
    assert [m.id for m in in_sources] == ["b", "c"]
    not_k1 = await vector_index.query(NORTH, top_k=5, namespace="u1", filter={"kb": {"$ne": "k1"}})
    assert [m.id for m in not_k1] == ["c"]
    both = {"kb": "k1", "position": {"$gte": 1}}
    assert [m.id for m in await vector_index.query(NORTH, top_k=5, namespace="u1", filter=both)] == ["b"]


async def test_an_upsert_replaces_a_vector_by_id_and_delete_removes_it(vector_index: VectorIndex) -> None:
    await settled(vector_index, await vector_index.upsert([Vector("v", NORTH, "u1", {"n": 1})]))
    await settled(vector_index, await vector_index.upsert([Vector("v", EAST, "u1", {"n": 2})]))
    (stored,) = await vector_index.get(["v", "missing"])
    assert (stored.id, [round(x, 6) for x in stored.values], stored.metadata) == ("v", EAST, {"n": 2})
    assert [m.id for m in await vector_index.query(EAST, top_k=1, namespace="u1")] == ["v"]
    assert (await vector_index.info()).vector_count == 1
    await settled(vector_index, await vector_index.delete(["v", "never-there"]))
    assert await vector_index.get(["v"]) == []
    assert await vector_index.query(EAST, top_k=1, namespace="u1") == []
    info = await vector_index.info()
    assert (info.dimensions, info.vector_count) == (4, 0)


async def test_calls_past_vectorizes_limits_fail_whole(vector_index: VectorIndex) -> None:
    await settled(vector_index, await vector_index.upsert([Vector("keep", NORTH, "u1")]))
    with raises(LimitExceeded):
        await vector_index.upsert([Vector(f"v{i}", NORTH, "u1") for i in range(1001)])
    with raises(LimitExceeded):  # deleteByIds takes 100 ids: a larger call deletes nothing
        await vector_index.delete(["keep", *[f"v{i}" for i in range(100)]])
    with raises(InvalidArgument, match="dimensions"):
        await vector_index.upsert([Vector("short", [1.0, 0.0], "u1")])
    with raises(InvalidArgument, match="dimensions"):
        await vector_index.query([1.0], namespace="u1")
    with raises(InvalidArgument):
        await vector_index.upsert([Vector("x" * 65, NORTH, "u1")])
    with raises(InvalidArgument):
        await vector_index.upsert([Vector("nan", [math.nan, 0.0, 0.0, 0.0], "u1")])
    with raises(LimitExceeded):
        await vector_index.upsert([Vector("fat", NORTH, "u1", {"text": "x" * 10_241})])
    with raises(InvalidArgument):
        await vector_index.query(NORTH, top_k=21, namespace="u1", with_metadata=True)
    with raises(InvalidArgument):
        await vector_index.query(NORTH, top_k=101, namespace="u1")
    with raises(LimitExceeded):
        await vector_index.query(NORTH, namespace="u1", filter={"kb": {"$in": ["k" * 40] * 60}})
    with raises(InvalidArgument):
        await vector_index.query(NORTH, namespace="u1", filter={"kb": {"$like": "k%"}})
    assert [v.id for v in await vector_index.get(["keep"])] == ["keep"]
    assert (await vector_index.info()).vector_count == 1
