"""Vectorize (the `VECTORIZE` binding, a V2 index made with `wrangler vectorize create ... --metric cosine`)
through the Workers SDK, which converts the arguments and answers across the JS FFI. Limits are checked
first (`bindings/vectorize_limits.py`), as the local index checks them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyodide.ffi import JsException

from workerbase.bindings import vectorize_limits as limits
from workerbase.errors import BindingUnavailable, ConfigurationError
from workerbase.ports import IndexInfo, Vector, VectorFilter, VectorMatch


class WorkersVectorIndex:
    def __init__(self, binding: Any, dimensions: int) -> None:
        self._index = binding
        self._dimensions = dimensions

    async def upsert(self, vectors: Sequence[Vector]) -> str:
        limits.check_upsert(vectors, self._dimensions)
        payload = [_wire(vector) for vector in vectors]
        return str((await self._call("upsert", payload))["mutationId"])

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
        options: dict[str, Any] = {"topK": top_k, "returnMetadata": "all" if with_metadata else "none"}
        if namespace is not None:
            options["namespace"] = namespace
        if filter:
            options["filter"] = filter
        answer = await self._call("query", [float(v) for v in values], options)
        return [
            VectorMatch(
                str(match["id"]),
                float(match["score"]),
                namespace,
                dict(match.get("metadata") or {}) if with_metadata else None,
            )
            for match in answer["matches"]
        ]

    async def get(self, ids: Sequence[str]) -> list[Vector]:
        limits.check_ids(ids, limits.MAX_IDS_PER_CALL)
        found = await self._call("getByIds", list(ids))
        return [
            Vector(
                str(v["id"]),
                [float(x) for x in v["values"]],
                v.get("namespace"),
                dict(v.get("metadata") or {}),
            )
            for v in found
        ]

    async def delete(self, ids: Sequence[str]) -> str:
        limits.check_ids(ids, limits.MAX_IDS_PER_CALL)
        return str((await self._call("deleteByIds", list(ids)))["mutationId"])

    async def info(self) -> IndexInfo:
        described = await self._call("describe")
        return IndexInfo(
            int(described["dimensions"]),
            int(described["vectorCount"]),
            described.get("processedUpToMutation"),
        )

    async def _call(self, method: str, *args: Any) -> Any:
        if self._index is None:
            raise ConfigurationError("the Vectorize binding `VECTORIZE` is not configured (wrangler.toml)")
        try:
            return await getattr(self._index, method)(*args)
        except JsException as exc:
            raise BindingUnavailable(limits.BINDING, f"{method} failed: {exc}") from exc


def _wire(vector: Vector) -> dict[str, Any]:
    wired: dict[str, Any] = {"id": vector.id, "values": [float(v) for v in vector.values]}
    if vector.namespace is not None:
        wired["namespace"] = vector.namespace
    if vector.metadata:
        wired["metadata"] = dict(vector.metadata)
    return wired
