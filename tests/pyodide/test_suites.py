"""The Pyodide runner runs exactly the contract tests pytest runs, and fails a run where a suite did not run
(its discovery and check, `suites.py`, tested here on CPython: the runner itself needs the Workers SDK)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from tests.pyodide import suites

# pytest's own list of the tests it would run: one `path::name` a line.
COLLECT_ONLY = ["-m", "pytest", "-o", "addopts=", "--collect-only", "-q", "-p", "no:cacheprovider"]


def test_the_runner_finds_every_contract_test_pytest_collects() -> None:
    command = [sys.executable, *COLLECT_ONLY, "tests/contracts"]
    run = subprocess.run(command, cwd=suites.TESTS.parent, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    pytest_ids = {line for line in run.stdout.splitlines() if "::" in line}
    runner_ids = {
        f"{module.replace('.', '/')}.py::{name}"
        for module in suites.contract_modules()
        for name, _ in suites.collected_tests(importlib.import_module(module))
    }
    assert runner_ids == pytest_ids
    assert "tests.contracts.test_database" in suites.contract_modules()


def test_the_workers_shell_checks_run_in_pyodide_only() -> None:
    checks = suites.shell_check_modules()
    assert "tests.pyodide.chat_room_checks" in checks
    assert not set(checks) & set(suites.contract_modules())
    assert all(not module.split(".")[-1].startswith("test_") for module in checks)  # pytest leaves them


def test_a_suite_that_did_not_import_or_ran_no_test_is_named() -> None:
    expected = ["tests.contracts.test_a", "tests.contracts.test_b", "tests.contracts.test_c"]
    all_ran = {"tests.contracts.test_a": 3, "tests.contracts.test_b": 1, "tests.contracts.test_c": 2}
    assert suites.not_run(expected, all_ran) == []
    assert suites.not_run(expected, {"tests.contracts.test_a": 3, "tests.contracts.test_c": 0}) == [
        "tests.contracts.test_b did not run in Pyodide (it did not import)",
        "tests.contracts.test_c ran no test in Pyodide (no `test*` function found)",
    ]
