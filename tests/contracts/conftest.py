"""Fixtures that give the contract tests the local (CPython) adapters, fresh for every test.

`tests/pyodide/runner.py` gives the same test functions the Workers adapters over Miniflare's bindings.
The fixture names (`db`, `kv`, `store`, `crypto`) are the contract between the two runners.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workerbase.bindings.local.crypto import LocalCrypto
from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.bindings.local.r2 import FileObjectStore


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "d1.sqlite3")
    yield database
    database.close()


@pytest.fixture
def kv(tmp_path: Path) -> Iterator[SqliteKeyValue]:
    store = SqliteKeyValue(tmp_path / "kv.sqlite3")
    yield store
    store.close()


@pytest.fixture
def store(tmp_path: Path) -> FileObjectStore:
    return FileObjectStore(tmp_path / "r2")


@pytest.fixture
def crypto() -> LocalCrypto:
    return LocalCrypto()
