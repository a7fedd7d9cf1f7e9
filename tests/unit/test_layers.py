"""Imports point inward: routes -> services -> repositories / ports <- adapters (README, Layout).

Each package lists the packages it may never import, so a change that reaches up a layer fails here
with the module and the import that did it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "workerbase"

# package (a path under workerbase/) -> what it must not import (module prefixes under workerbase.)
FORBIDDEN = {
    "ports": [
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
    ],
    "env_vars.py": [
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
    ],
    "media_types.py": [
        "api",
        "app",
        "bindings",
        "bootstrap",
        "config",
        "durable",
        "local",
        "platform",
        "providers",
        "repositories",
        "services",
    ],
    "records.py": [
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
    ],
    "repositories": ["api", "app", "bindings", "bootstrap", "durable", "local", "providers", "services"],
    "durable": ["api", "app", "bindings", "bootstrap", "local", "providers", "repositories", "services"],
    "providers": ["api", "app", "bindings", "bootstrap", "durable", "local", "repositories", "services"],
    "services": ["api", "app", "bindings", "bootstrap", "local", "providers"],
    "platform.py": [
        "api",
        "app",
        "bindings",
        "bootstrap",
        "durable",
        "local",
        "providers",
        "repositories",
        "services",
    ],
    "config.py": [
        "api",
        "app",
        "bindings",
        "bootstrap",
        "durable",
        "local",
        "providers",
        "repositories",
        "services",
    ],
    # the local server's protocol: CPython only, it imports uvicorn; nothing but local.py imports it
    "local_server.py": [
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
    ],
    "bindings": ["api", "app", "bootstrap", "local", "repositories", "services"],
    "bootstrap.py": ["api", "app", "bindings", "local"],
    "api": ["bindings", "local", "repositories"],
}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return [name.removeprefix("workerbase.") for name in found if name.startswith("workerbase.")]


def modules_of(package: str) -> list[Path]:
    target = SOURCE / package
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_inward(package: str) -> None:
    upward = [
        f"{path.relative_to(SOURCE)} imports workerbase.{name}"
        for path in modules_of(package)
        for name in imports_of(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[package])
    ]
    assert upward == []


def test_every_package_has_rules() -> None:
    """A new top-level package or module gets its place in the layers here."""
    free = {
        "__init__.py",
        "py.typed",
        "app.py",
        "local.py",
        "errors.py",
        "clock.py",
        "logs.py",
        "pagination.py",
        "__pycache__",
    }
    assert {p.name for p in SOURCE.iterdir()} - free - set(FORBIDDEN) == set()
