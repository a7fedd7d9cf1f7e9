"""The vector index port: Vectorize on Workers (`bindings/workers/vectorize.py`), an exact index in SQLite
locally (`bindings/local/vectors.py`). One index holds vectors of one embedding model (its dimensions),
split into namespaces (one per user: a query reads one namespace only) and filtered by metadata.

Writes are asynchronous on Vectorize: `upsert` and `delete` return a mutation id at once and are applied
later (`info().processed_up_to_mutation` says how far). So D1 is the source of truth and a query's
matches are checked against it before they are shown: a vector deleted a moment ago may still match.
Both adapters check Vectorize's limits (`bindings/vectorize_limits.py`) before every call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import Any, Protocol

from workerbase.frozen import Frozen

# Metadata values Vectorize stores and filters on.
MetadataValue = str | int | float | bool
# A filter as Vectorize takes it: {field: value} (equality) or {field: {"$eq"|"$ne"|"$in"|"$nin"|"$lt"|
# "$lte"|"$gt"|"$gte": value}}, the fields ANDed.
VectorFilter = dict[str, Any]


class Vector(Frozen):
    id: str
    values: Sequence[float]
    namespace: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)


class VectorMatch(Frozen):
    id: str
    score: float  # cosine similarity: 1 the same direction, -1 the opposite
    namespace: str | None = None
    metadata: dict[str, MetadataValue] | None = None  # with `with_metadata` only


class IndexInfo(Frozen):
    dimensions: int
    vector_count: int
    processed_up_to_mutation: str | None  # the last mutation applied (None: none yet)


class VectorIndex(Protocol):
    async def upsert(self, vectors: Sequence[Vector]) -> str:
        """Insert or replace vectors by id (at most 1,000 per call); returns the mutation's id."""
        ...

    async def query(
        self,
        values: Sequence[float],
        *,
        top_k: int = 5,
        namespace: str | None = None,
        filter: VectorFilter | None = None,
        with_metadata: bool = False,
    ) -> list[VectorMatch]:
        """The `top_k` nearest vectors (at most 100; 20 with metadata), best first."""
        ...

    async def get(self, ids: Sequence[str]) -> list[Vector]:
        """The vectors with these ids that exist (at most 100 ids)."""
        ...

    async def delete(self, ids: Sequence[str]) -> str:
        """Delete by id (at most 100 per call; a larger call fails whole); returns the mutation's id."""
        ...

    async def info(self) -> IndexInfo: ...
