"""What building the app imports, in a fresh interpreter (what a Worker isolate snapshots at deploy)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

BUILD_APP_AND_LIST_MODULES = """
import json, sys
from workerbase.app import create_app
create_app(lambda scope: None)
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def app_modules() -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-c", BUILD_APP_AND_LIST_MODULES], capture_output=True, text=True, check=True
    )
    return set(json.loads(completed.stdout))


def imported(modules: set[str], package: str) -> list[str]:
    return sorted(name for name in modules if name == package or name.startswith(package + "."))


@pytest.mark.parametrize(
    "package",
    [
        "workerbase.bindings.workers",  # Workers-only: js, pyodide, workers do not import on CPython
        "workerbase.bindings.local",  # local runtime only: SQLite, files on disk
        "workerbase.local",
        "sqlite3",
        "httpx",  # the local model provider's client
    ],
)
def test_the_app_does_not_import_another_runtimes_modules(app_modules: set[str], package: str) -> None:
    assert imported(app_modules, package) == []


def test_fastapis_pydantic_v1_check_does_not_import_pydantic_v1(app_modules: set[str]) -> None:
    # workerbase.api.pydantic_v1_check: the whole of pydantic.v1 is ~7% of `import fastapi, pydantic`.
    assert imported(app_modules, "pydantic.v1") == []


REFUSE_PYDANTIC_V1_MODELS = """
import warnings
import workerbase.api.routes
from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import PydanticV1NotSupportedError
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pydantic.v1 warns on Python 3.14
    from pydantic import v1

class Legacy(v1.BaseModel):
    name: str

async def take(legacy: Legacy) -> None: ...

async def give() -> Legacy: ...

for refused in (lambda: APIRouter().post("/")(take), lambda: APIRouter().get("/")(give),
                lambda: jsonable_encoder(Legacy(name="x"))):
    try:
        refused()
    except PydanticV1NotSupportedError:
        print("refused")
"""


def test_once_pydantic_v1_is_imported_fastapi_still_refuses_its_models() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", REFUSE_PYDANTIC_V1_MODELS], capture_output=True, text=True, check=True
    )
    assert completed.stdout.split() == ["refused"] * 3
