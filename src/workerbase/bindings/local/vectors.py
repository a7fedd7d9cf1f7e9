"""Vectorize on a local SQLite file: an exact index (every vector of the namespace is scored, so recall is
1.0), cosine similarity with numpy. CPython only, like the rest of the local runtime.

Like Vectorize: ids are unique across the index (an upsert moves a vector to its new namespace), every
limit is checked (`bindings/vectorize_limits.py`), and each write is a mutation with an id. Unlike
Vectorize, a mutation is applied before the call returns (`processed_up_to_mutation` is always the last
one): code must still not rely on it, since on Workers a deleted vector can match for a while.

A namespace's vectors are kept in memory as one normalised matrix after the first query, until a write
changes that namespace.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workerbase.bindings import vectorize_limits as limits
from workerbase.bindings.local.failures import storage_failures_are_unavailable
from workerbase.errors import ConfigurationError
from workerbase.ports import IndexInfo, Vector, VectorFilter, VectorMatch

_unavailable_on_failure = storage_failures_are_unavailable("Vectorize")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    id TEXT PRIMARY KEY NOT NULL,
    namespace TEXT NOT NULL,
    metadata TEXT NOT NULL,
    vector BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_of_namespace ON vectors (namespace);
CREATE TABLE IF NOT EXISTS index_info (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    dimensions INTEGER NOT NULL,
    last_mutation TEXT
);
"""
_NO_NAMESPACE = ""  # stored for vectors upserted without one (Vectorize's default namespace)


class _Namespace:
    """A namespace's vectors as a matrix of unit rows, for scoring them all at once."""

    def __init__(self, rows: list[tuple[str, str, bytes]]) -> None:
        self.ids = [row[0] for row in rows]
        self.metadata = [json.loads(row[1]) for row in rows]
        matrix = np.array([np.frombuffer(row[2], dtype=np.float32) for row in rows], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if rows else np.ones((0, 1))
        self.unit = matrix / np.where(norms == 0, 1, norms)


class SqliteVectorIndex:
    def __init__(self, path: Path | str, dimensions: int) -> None:
        if not 1 <= dimensions <= limits.MAX_DIMENSIONS:
            raise ConfigurationError(f"a vector index has 1 to {limits.MAX_DIMENSIONS} dimensions")
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.executescript(_SCHEMA)
        self._connection.execute(
            "INSERT OR IGNORE INTO index_info (singleton, dimensions) VALUES (1, ?)", (dimensions,)
        )
        (stored,) = self._connection.execute("SELECT dimensions FROM index_info").fetchone()
        if stored != dimensions:
            raise ConfigurationError(
                f"the local vector index at {path} has {stored} dimensions, the embedding model {dimensions}:"
                " re-embed the knowledge (README: Knowledge) or point at another state directory"
            )
        self._dimensions = dimensions
        self._cache: dict[str, _Namespace] = {}

    def close(self) -> None:
        self._connection.close()

    @_unavailable_on_failure
    async def upsert(self, vectors: Sequence[Vector]) -> str:
        limits.check_upsert(vectors, self._dimensions)
        rows = [
            (
                v.id,
                v.namespace or _NO_NAMESPACE,
                json.dumps(v.metadata, separators=(",", ":")),
                np.asarray(v.values, dtype=np.float32).tobytes(),
            )
            for v in vectors
        ]
        ids = [v.id for v in vectors]
        with self._connection:
            self._connection.execute("BEGIN")
            touched = self._namespaces_of(ids) | {row[1] for row in rows}
            self._connection.executemany(
                "INSERT INTO vectors (id, namespace, metadata, vector) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace,"
                " metadata = excluded.metadata, vector = excluded.vector",
                rows,
            )
            return self._mutated(touched)

    @_unavailable_on_failure
    async def query(
        self,
        values: Sequence[float],
        *,
        top_k: int = 5,
        namespace: str | None = None,
        filter: VectorFilter | None = None,
        with_metadata: bool = False,
    ) -> list[VectorMatch]:
        limits.check_query(values, self._dimensions, top_k, namespace, filter, with_metadata)
        stored = self._namespace(namespace or _NO_NAMESPACE)
        if not stored.ids:
            return []
        query = np.asarray(values, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        scores = stored.unit @ (query / (norm or 1.0))
        order = np.argsort(-scores, kind="stable")
        found: list[VectorMatch] = []
        for index in order:
            metadata = stored.metadata[index]
            if not limits.matches(metadata, filter):
                continue
            found.append(
                VectorMatch(
                    stored.ids[index],
                    float(scores[index]),
                    namespace,
                    dict(metadata) if with_metadata else None,
                )
            )
            if len(found) == top_k:
                break
        return found

    @_unavailable_on_failure
    async def get(self, ids: Sequence[str]) -> list[Vector]:
        limits.check_ids(ids, limits.MAX_IDS_PER_CALL)
        marks = ",".join("?" * len(ids))
        rows = self._connection.execute(
            f"SELECT id, namespace, metadata, vector FROM vectors WHERE id IN ({marks})",  # noqa: S608
            list(ids),
        ).fetchall()
        by_id = {
            row[0]: Vector(
                row[0],
                np.frombuffer(row[3], dtype=np.float32).tolist(),
                row[1] or None,
                json.loads(row[2]),
            )
            for row in rows
        }
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]

    @_unavailable_on_failure
    async def delete(self, ids: Sequence[str]) -> str:
        limits.check_ids(ids, limits.MAX_IDS_PER_CALL)
        with self._connection:
            self._connection.execute("BEGIN")
            touched = self._namespaces_of(ids)
            self._connection.executemany("DELETE FROM vectors WHERE id = ?", [(i,) for i in ids])
            return self._mutated(touched)

    @_unavailable_on_failure
    async def info(self) -> IndexInfo:
        (count,) = self._connection.execute("SELECT count(*) FROM vectors").fetchone()
        (last,) = self._connection.execute("SELECT last_mutation FROM index_info").fetchone()
        return IndexInfo(self._dimensions, int(count), last)

    def _namespaces_of(self, ids: Sequence[str]) -> set[str]:
        marks = ",".join("?" * len(ids))
        found = self._connection.execute(
            f"SELECT DISTINCT namespace FROM vectors WHERE id IN ({marks})",  # noqa: S608
            list(ids),
        )
        return {row[0] for row in found}

    def _mutated(self, namespaces: set[str]) -> str:
        mutation = str(uuid.uuid4())
        self._connection.execute("UPDATE index_info SET last_mutation = ?", (mutation,))
        for namespace in namespaces:
            self._cache.pop(namespace, None)
        return mutation

    def _namespace(self, namespace: str) -> _Namespace:
        if namespace not in self._cache:
            rows = self._connection.execute(
                "SELECT id, metadata, vector FROM vectors WHERE namespace = ? ORDER BY id", (namespace,)
            ).fetchall()
            self._cache[namespace] = _Namespace(rows)
        return self._cache[namespace]
