"""Vectorize's limits, checked by both vector index adapters before every call, so a call over a limit
fails with the same exception in both runtimes (https://developers.cloudflare.com/vectorize/platform/limits/).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import Vector, VectorFilter

BINDING = "Vectorize"
MAX_DIMENSIONS = 1536
MAX_ID_BYTES = 64
MAX_NAMESPACE_BYTES = 64
MAX_METADATA_BYTES = 10 * 1024
MAX_UPSERT = 1000
MAX_IDS_PER_CALL = 100  # deleteByIds and getByIds
MAX_TOP_K = 100
MAX_TOP_K_WITH_METADATA = 20
MAX_FILTER_BYTES = 2048
FILTER_OPERATORS = ("$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte")


def _bytes(text: str) -> int:
    return len(text.encode())


def check_upsert(vectors: Sequence[Vector], dimensions: int) -> None:
    if not vectors:
        raise InvalidArgument("upsert needs at least one vector")
    if len(vectors) > MAX_UPSERT:
        raise LimitExceeded(
            BINDING, "upsert_vectors", f"at most {MAX_UPSERT} vectors per upsert, not {len(vectors)}"
        )
    for vector in vectors:
        check_ids([vector.id])
        if len(vector.values) != dimensions:
            raise InvalidArgument(
                f"vector {vector.id!r} has {len(vector.values)} dimensions; the index has {dimensions}"
            )
        if not all(math.isfinite(v) for v in vector.values):
            raise InvalidArgument(f"vector {vector.id!r} has a value that is not a finite number")
        check_namespace(vector.namespace)
        if _bytes(json.dumps(vector.metadata, separators=(",", ":"))) > MAX_METADATA_BYTES:
            raise LimitExceeded(
                BINDING,
                "metadata_bytes",
                f"vector {vector.id!r}: metadata is limited to {MAX_METADATA_BYTES} bytes",
            )


def check_ids(ids: Sequence[str], most: int | None = None) -> None:
    if most is not None and len(ids) > most:
        raise LimitExceeded(BINDING, "ids_per_call", f"at most {most} ids per call, not {len(ids)}")
    for vector_id in ids:
        if not vector_id or _bytes(vector_id) > MAX_ID_BYTES:
            raise InvalidArgument(f"a vector id is 1 to {MAX_ID_BYTES} bytes: {vector_id!r}")


def check_namespace(namespace: str | None) -> None:
    if namespace is not None and (not namespace or _bytes(namespace) > MAX_NAMESPACE_BYTES):
        raise InvalidArgument(f"a namespace is 1 to {MAX_NAMESPACE_BYTES} bytes: {namespace!r}")


def check_query(
    values: Sequence[float],
    dimensions: int,
    top_k: int,
    namespace: str | None,
    filter: VectorFilter | None,
    with_metadata: bool,
) -> None:
    if len(values) != dimensions:
        raise InvalidArgument(f"the query has {len(values)} dimensions; the index has {dimensions}")
    most = MAX_TOP_K_WITH_METADATA if with_metadata else MAX_TOP_K
    if not 1 <= top_k <= most:
        raise InvalidArgument(f"top_k is 1 to {most}{' with metadata' if with_metadata else ''}, not {top_k}")
    check_namespace(namespace)
    if filter is not None:
        if _bytes(json.dumps(filter, separators=(",", ":"))) >= MAX_FILTER_BYTES:
            raise LimitExceeded(
                BINDING, "filter_bytes", f"a filter is less than {MAX_FILTER_BYTES} bytes of JSON"
            )
        for name, condition in filter.items():
            if isinstance(condition, dict):
                unknown = set(condition) - set(FILTER_OPERATORS)
                if unknown or not condition:
                    raise InvalidArgument(f"filter on {name!r}: operators are {', '.join(FILTER_OPERATORS)}")


def matches(metadata: dict[str, Any], filter: VectorFilter | None) -> bool:
    """Whether a vector's metadata passes a filter, as Vectorize evaluates it (the local index and the
    test stand-in use this; Vectorize itself filters on its metadata indexes)."""
    for name, condition in (filter or {}).items():
        value = metadata.get(name)
        conditions = condition if isinstance(condition, dict) else {"$eq": condition}
        for operator, operand in conditions.items():
            if not _passes(operator, value, operand):
                return False
    return True


def _passes(operator: str, value: Any, operand: Any) -> bool:
    if operator == "$eq":
        return bool(value == operand)
    if operator == "$ne":
        return bool(value != operand)
    if operator == "$in":
        return bool(value in operand)
    if operator == "$nin":
        return bool(value not in operand)
    if value is None or isinstance(value, bool) != isinstance(operand, bool):
        return False
    try:
        if operator == "$lt":
            return bool(value < operand)
        if operator == "$lte":
            return bool(value <= operand)
        if operator == "$gt":
            return bool(value > operand)
        return bool(value >= operand)
    except TypeError:  # a string against a number
        return False
