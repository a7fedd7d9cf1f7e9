"""Imports point inward: routes -> services -> repositories / ports <- adapters (README, Layout).

Each package lists the packages it may never import, so a change that reaches up a layer fails here
with the module and the import that did it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "workerbase"

# package (a path under workerbase/) -> what it must not import (module prefixes under workerbase.)
_ABOVE_BASE = [
    "api",
    "app",
    "bindings",
    "bootstrap",
    "durable",
    "local",
    "platform",
    "providers",
    "repositories",
    "services",
]
FORBIDDEN = {
    # the base: imported by everything, imports nothing of ours above it
    "errors.py": [*_ABOVE_BASE, "config"],
    "clock.py": [*_ABOVE_BASE, "config"],
    "logs.py": [*_ABOVE_BASE, "config"],
    "pagination.py": [*_ABOVE_BASE, "config"],
    "ids.py": [*_ABOVE_BASE, "config"],
    "b64url.py": [*_ABOVE_BASE, "config"],
    "media_types.py": [*_ABOVE_BASE, "config"],
    "env_vars.py": [*_ABOVE_BASE, "config"],
    "frozen.py": [*_ABOVE_BASE, "config"],
    "config.py": _ABOVE_BASE,
    "records.py": [*_ABOVE_BASE, "config"],
    "ports": [*_ABOVE_BASE, "config"],
    "platform.py": [name for name in _ABOVE_BASE if name != "platform"],
    # the inner layers: never the platform (services get their ports, not a locator)
    "repositories": [*_ABOVE_BASE, "config"],
    "durable": _ABOVE_BASE,
    "providers": _ABOVE_BASE,
    "services": ["api", "app", "bindings", "bootstrap", "local", "platform", "providers"],
    # the adapters: ports (and the durable logic they host), never the layers that use them
    "bindings": ["api", "app", "bootstrap", "local", "repositories", "services"],
    # the local runtime's HTTP server pieces (CPython only: imported by local.py alone)
    "local_server.py": [*_ABOVE_BASE, "config"],
    # the composition root and the HTTP layer
    "bootstrap.py": ["api", "app", "bindings", "local"],
    "api": ["bindings", "local", "providers", "repositories"],
}
# Only these may import the Workers runtime's modules (DESIGN.md: they exist only in workerd/Pyodide).
WORKERS_ONLY = ("js", "pyodide", "workers", "asgi")
WORKERS_SHELL = ("bindings/workers/",)


def all_imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (name modules absolutely)"
            found.append(node.module or "")
    return found


def imports_of(path: Path) -> list[str]:
    return [
        name.removeprefix("workerbase.") for name in all_imports_of(path) if name.startswith("workerbase.")
    ]


def modules_of(package: str) -> list[Path]:
    target = SOURCE / package
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_inward(package: str) -> None:
    upward = [
        f"{path.relative_to(SOURCE)} imports workerbase.{name}"
        for path in modules_of(package)
        for name in imports_of(path)
        if any(
            name == banned or name.startswith(banned + ".")
            for banned in FORBIDDEN[package]
            if banned != package.removesuffix(".py")  # a package's modules import each other
        )
    ]
    assert upward == []


def test_only_the_workers_shell_imports_the_workers_runtime() -> None:
    outside = [
        f"{path.relative_to(SOURCE)} imports {name}"
        for path in sorted(SOURCE.rglob("*.py"))
        if not str(path.relative_to(SOURCE)).startswith(WORKERS_SHELL)
        for name in all_imports_of(path)
        if name.split(".")[0] in WORKERS_ONLY
    ]
    assert outside == []


def test_every_package_has_rules() -> None:
    """A new top-level package or module gets its place in the layers here."""
    free = {"__init__.py", "py.typed", "app.py", "local.py", "__pycache__"}
    assert {p.name for p in SOURCE.iterdir()} - free - set(FORBIDDEN) == set()


# What the Worker loads without FastAPI: the Pyodide suite has no pydantic_core (no offline Pyodide build),
# and the Workers shell answers WebSocket upgrades before the app. These must import without it.
WITHOUT_FASTAPI = ["workerbase.bootstrap", "workerbase.api.chat_sockets", "workerbase.records"] + [
    f"workerbase.{package}.{path.stem}"
    for package in ("services", "repositories", "durable", "ports", "providers")
    for path in sorted((SOURCE / package).glob("*.py"))
    if path.stem != "__init__"
]
REFUSE_FASTAPI = """
import importlib, sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("fastapi", "pydantic", "pydantic_core", "starlette"):
            raise ImportError(f"{name} is not available in the Pyodide suite")

sys.meta_path.insert(0, Refuse())
for module in sys.argv[1:]:
    importlib.import_module(module)
"""


def test_what_the_worker_loads_before_the_app_needs_no_fastapi() -> None:
    done = subprocess.run(
        [sys.executable, "-c", REFUSE_FASTAPI, *WITHOUT_FASTAPI], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
