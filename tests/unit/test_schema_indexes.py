"""Every foreign key's child column(s) must lead an index.

Deleting (or re-keying) a parent row makes SQLite find the child rows that reference it, by their child
column(s); without an index led by those columns, that lookup reads the whole child table. Deleting a user
then read every message of every user, and the maintenance's guest clean-up ran past D1's 30 s limit
(bench/foreign_key_indexes.py measures both). The schema checked is the one the local runtime builds
from migrations/ (tests/migrations checks that wrangler builds the same).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from workerbase.bindings.local.migrations import apply_migrations
from workerbase.local import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    parent: str

    def __str__(self) -> str:
        return f"{self.table}({', '.join(self.columns)}) -> {self.parent}"


def foreign_keys(connection: sqlite3.Connection) -> list[ForeignKey]:
    found = []
    for table in tables(connection):
        # One row per column; a composite key's rows share an id and are numbered by seq.
        columns: dict[int, list[tuple[int, str]]] = {}
        parents: dict[int, str] = {}
        rows = connection.execute(f"PRAGMA foreign_key_list({quoted(table)})")
        for key_id, seq, parent, column, *_ in rows:
            columns.setdefault(key_id, []).append((seq, column))
            parents[key_id] = parent
        for key_id, numbered in columns.items():
            found.append(ForeignKey(table, tuple(column for _, column in sorted(numbered)), parents[key_id]))
    return found


def leading_columns(connection: sqlite3.Connection, table: str) -> Iterator[list[str | None]]:
    """The key columns of each index on `table` that can serve any lookup (partial indexes cannot)."""
    for _, index, _, _, partial in connection.execute(f"PRAGMA index_list({quoted(table)})"):
        if partial:
            continue
        key_columns: list[str | None] = []
        # index_xinfo rather than index_info: it also tells key columns from the primary key columns a
        # WITHOUT ROWID table appends, and each column's collation.
        for _, _, name, _, collation, is_key in connection.execute(f"PRAGMA index_xinfo({quoted(index)})"):
            if not is_key:
                break
            # An expression column (name None) or another collation cannot serve the lookup: every key in
            # this schema compares with BINARY.
            key_columns.append(name if collation == "BINARY" else None)
        yield key_columns


def is_indexed(connection: sqlite3.Connection, key: ForeignKey) -> bool:
    # The lookup is one equality per child column, so their order within the leading columns is free.
    width = len(key.columns)
    return any(set(columns[:width]) == set(key.columns) for columns in leading_columns(connection, key.table))


def unindexed_foreign_keys(connection: sqlite3.Connection) -> list[str]:
    return [str(key) for key in foreign_keys(connection) if not is_indexed(connection, key)]


def tables(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture
def migrated() -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as connection:
        apply_migrations(connection, MIGRATIONS)
        yield connection


def test_every_foreign_key_of_the_schema_leads_an_index(migrated: sqlite3.Connection) -> None:
    keys = {str(key) for key in foreign_keys(migrated)}
    # The check sees the keys that once lacked an index, and composite keys as one key.
    assert {
        "messages(user_id) -> users",
        "votes(user_id) -> users",
        "suggestions(user_id) -> users",
        "suggestions(user_id, document_id, document_version) -> documents",
    } <= keys
    assert unindexed_foreign_keys(migrated) == []


@pytest.mark.parametrize(
    ("index", "indexed"),
    [
        ("", False),
        ("CREATE INDEX child_by_other ON child (other, parent_b, parent_a);", False),
        ("CREATE INDEX child_partly ON child (parent_a);", False),
        ("CREATE INDEX child_partial ON child (parent_a, parent_b) WHERE other IS NULL;", False),
        ("CREATE INDEX child_nocase ON child (parent_a COLLATE NOCASE, parent_b);", False),
        ("CREATE INDEX child_by_parent ON child (parent_b, parent_a, other);", True),
        ("CREATE UNIQUE INDEX child_unique ON child (parent_a, parent_b);", True),
    ],
)
def test_the_check_finds_a_key_without_a_leading_index(index: str, indexed: bool, tmp_path: Path) -> None:
    (tmp_path / "0001_schema.sql").write_text(
        "CREATE TABLE parent (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;\n"
        "CREATE TABLE child (id TEXT PRIMARY KEY, other TEXT, parent_a TEXT, parent_b TEXT,"
        " FOREIGN KEY (parent_a, parent_b) REFERENCES parent (a, b)) WITHOUT ROWID;\n" + index,
        encoding="utf-8",
    )
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as connection:
        apply_migrations(connection, tmp_path)
        missing = unindexed_foreign_keys(connection)
    assert missing == ([] if indexed else ["child(parent_a, parent_b) -> parent"])
