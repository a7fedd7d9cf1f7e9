"""FastAPI's analysis of the routes (`create_app` declares 58) without the work it repeats: what it builds
for one route is built again, the same, for every other route that has the same parameter, response or
dependency (FastAPI 0.165; bench/cold_import.py).

* Each path, query and body parameter and each response is a FastAPI `ModelField`, and each builds a
  pydantic `TypeAdapter`: a core schema, a validator and a serializer, ~45% of `create_app`. Of our 130,
  only 68 differ: `chat_id` is the same path parameter on 17 routes, `limit` and `cursor` are on every
  page, `ChatOut` is the response of four. Fields of the same type (the same object), equal constraints
  and equal attributes share one adapter; they validate and serialise alike, and the OpenAPI document is
  byte-identical (tests/unit/test_route_analysis.py builds it both ways).
* A field that is a complete model class as it is, without constraints or attributes beyond an alias
  (most responses and bodies), uses the model's own validator and serializer, as `TypeAdapter(Model)`
  does, instead of building both again for `Annotated[Model, Field(alias=...)]`.
* A callable's signature (`inspect.signature`, string annotations evaluated) is read once: a dependency's
  once, not once per route that uses it, and an endpoint's once, not for its parameters and again for
  its return type.

Measured on CPython 3.11 (2026-12-07): `create_app` 226 M -> 150 M instructions, the cold import with it
1,665 M -> 1,589 M (bench/cold_import.py). With every adapter free it would be 22 M less: the rest is
FastAPI analysing each parameter and dependency (~2 M a route) and Starlette compiling each path's regex.

Each hook wraps FastAPI's own function and falls back to it for anything it does not recognise (an
unhashable default or example, a config); if a FastAPI upgrade moves one, the hook is not installed and
the analysis is only slower (tests/unit/test_route_analysis.py says so).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi._compat import v2
from fastapi.dependencies import utils as dependency_utils
from pydantic import BaseModel, TypeAdapter

_adapters: dict[tuple[Any, ...], TypeAdapter[Any]] = {}
_signatures: dict[tuple[str, Callable[..., Any]], Any] = {}


def _adapter_key(field: Any) -> tuple[Any, ...] | None:
    """What a field's adapter is built from (`ModelField.__post_init__`), or None if it holds something
    that cannot be compared safely. The type by identity; each constraint by value and repr (so `ge=1`
    and `ge=True`, equal in Python, stay apart); each attribute by name, type and value."""
    if field.config is not None:
        return None
    spec = v2.asdict(field.field_info)
    key = (
        id(spec["annotation"]),
        tuple((type(item), item, repr(item)) for item in spec["metadata"]),
        tuple((name, type(value), value) for name, value in spec["attributes"].items() if value is not None),
    )
    try:
        hash(key)
    except TypeError:  # e.g. a list default, `examples`, `json_schema_extra`
        return None
    return key


# What a field may say besides its type and still be its type alone to a TypeAdapter: pydantic ignores
# these outside a model (`UNSUPPORTED_STANDALONE_FIELDINFO_ATTRIBUTES`; FastAPI silences its warning).
# A body's alias is its parameter's name.
_IGNORED_BY_ADAPTERS = frozenset({"alias", "validation_alias", "serialization_alias", "repr"})


def _plain_model(field: Any, key: tuple[Any, ...]) -> type[BaseModel] | None:
    """The field's model class if the field is that model and nothing else."""
    annotation = field.field_info.annotation
    constraints, attributes = key[1], key[2]
    if constraints or any(name not in _IGNORED_BY_ADAPTERS for name, _, _ in attributes):
        return None
    if (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and annotation.__pydantic_complete__
    ):
        return annotation
    return None


def _shared_adapter(build: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(build)
    def post_init(field: Any) -> None:
        key = _adapter_key(field)
        if key is None:
            build(field)
            return
        adapter = _adapters.get(key)
        if adapter is None:
            model = _plain_model(field, key)
            if model is None:
                build(field)
            else:
                field._type_adapter = TypeAdapter(model)
            # Kept while the process lives: the key's type is alive as long as the adapter, which holds it.
            adapter = _adapters[key] = field._type_adapter
        field._type_adapter = adapter

    return post_init


def _read_once(read: Callable[[Callable[..., Any]], Any]) -> Callable[[Callable[..., Any]], Any]:
    @functools.wraps(read)
    def signature_of(call: Callable[..., Any]) -> Any:
        key = (read.__name__, call)
        try:
            return _signatures[key]
        except KeyError:
            signature = _signatures[key] = read(call)
            return signature
        except TypeError:  # an unhashable callable
            return read(call)

    return signature_of


def share_route_analysis() -> None:
    """Before the first route is declared: `workerbase.api.routes` calls it when first imported."""
    model_field = getattr(v2, "ModelField", None)
    if (
        model_field is not None
        and hasattr(v2, "asdict")
        and "__post_init__" in vars(model_field)
        and not hasattr(model_field.__post_init__, "__wrapped__")
    ):
        model_field.__post_init__ = _shared_adapter(model_field.__post_init__)
    for name in ("get_typed_signature", "_get_signature"):
        read = getattr(dependency_utils, name, None)
        if read is not None and not hasattr(read, "__wrapped__"):
            setattr(dependency_utils, name, _read_once(read))
