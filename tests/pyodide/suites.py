"""What the Pyodide runner (`runner.py`) runs, and the check that every contract suite ran there.

The suites are found, never listed: a list kept by hand lets a new contract suite silently never run on
Workers. Free of the Workers SDK, so pytest tests it on CPython (`test_suites.py`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

TESTS = Path(__file__).resolve().parent.parent


def contract_modules() -> list[str]:
    """Every contract suite: the `tests/contracts/test_*.py` modules pytest runs on the local adapters."""
    return [f"tests.contracts.{path.stem}" for path in sorted((TESTS / "contracts").glob("test_*.py"))]


def shell_check_modules() -> list[str]:
    """The Workers-shell checks: Pyodide only, so named `*_checks.py`, which pytest does not collect."""
    return [f"tests.pyodide.{path.stem}" for path in sorted((TESTS / "pyodide").glob("*_checks.py"))]


def collected_tests(module: ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """The module's test functions, as pytest collects them: its functions whose names start with `test`
    (pytest's default `python_functions`), async or not."""
    functions = inspect.getmembers(module, inspect.isfunction)
    return [(name, test) for name, test in functions if name.startswith("test")]


def not_run(expected: Iterable[str], tests_run: Mapping[str, int]) -> list[str]:
    """Why each expected module ran no test: `tests_run` counts the tests run (passed or failed) of each
    module that imported."""
    reasons = []
    for module in expected:
        if module not in tests_run:
            reasons.append(f"{module} did not run in Pyodide (it did not import)")
        elif tests_run[module] == 0:
            reasons.append(f"{module} ran no test in Pyodide (no `test*` function found)")
    return reasons
