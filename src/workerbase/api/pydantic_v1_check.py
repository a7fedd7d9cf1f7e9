"""FastAPI refuses pydantic.v1 models, and to look for one it imports the whole of `pydantic.v1` (FastAPI
0.165, `fastapi._compat.shared`): on the first route with any parameter or response model, and in
`jsonable_encoder`. That is 96 M instructions, 8% of `import fastapi, pydantic` (bench/cold_import.py).
Nothing here uses pydantic.v1, and no pydantic.v1 model can exist before `pydantic.v1` is imported:
until then the answer is "no" without importing it. Once anything imports it, FastAPI's check runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import fastapi.encoders
from fastapi._compat import shared


def _once_pydantic_v1_is_imported(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def checked(candidate: Any) -> bool:
        return "pydantic.v1" in sys.modules and check(candidate)

    return checked


def skip_pydantic_v1_import() -> None:
    """Before the first route is declared: `workerbase.api.routes` calls it when first imported."""
    for module, name in (
        (shared, "is_pydantic_v1_model_class"),  # `annotation_is_pydantic_v1` calls it for each field
        (shared, "is_pydantic_v1_model_instance"),
        (fastapi.encoders, "is_pydantic_v1_model_instance"),  # imported by name there
    ):
        check = getattr(module, name, None)
        if check is not None:  # a later FastAPI may drop it, and the import with it
            setattr(module, name, _once_pydantic_v1_is_imported(check))
