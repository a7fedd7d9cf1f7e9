from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workerbase.bindings.local.migrations import apply_migrations


def connect() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None)


def test_migrations_apply_in_name_order_once(tmp_path: Path) -> None:
    (tmp_path / "0002_second.sql").write_text("ALTER TABLE t ADD COLUMN b TEXT;", encoding="utf-8")
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a TEXT);", encoding="utf-8")
    connection = connect()
    assert apply_migrations(connection, tmp_path) == ["0001_first.sql", "0002_second.sql"]
    assert apply_migrations(connection, tmp_path) == []
    names = [row[0] for row in connection.execute("SELECT name FROM d1_migrations ORDER BY id")]
    assert names == ["0001_first.sql", "0002_second.sql"]
    assert [row[1] for row in connection.execute("PRAGMA table_info(t)")] == ["a", "b"]


def test_a_failing_migration_leaves_no_partial_schema_and_no_record(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok (a TEXT);", encoding="utf-8")
    (tmp_path / "0002_broken.sql").write_text(
        "CREATE TABLE half (a TEXT);\nCREATE TABLE broken (;", encoding="utf-8"
    )
    connection = connect()
    with pytest.raises(sqlite3.OperationalError):
        apply_migrations(connection, tmp_path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half" not in tables
    assert "ok" in tables
    assert [row[0] for row in connection.execute("SELECT name FROM d1_migrations")] == ["0001_ok.sql"]
    # Fixing the file lets the next start apply it.
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE half (a TEXT);", encoding="utf-8")
    assert apply_migrations(connection, tmp_path) == ["0002_broken.sql"]
