"""What the data-migration tests share: a database made by the migrations before the one under test and
seeded with rows, on the local runtime's SQLite (foreign keys on, as D1 always has them), and the checks
that a migrated database is sound."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from tests.migrations.test_wrangler_schema import MIGRATIONS, wrangler, wrangler_database


def migrations_before(migration: Path) -> str:
    """The SQL of every migration before `migration`, in order: one script."""
    return "\n".join(path.read_text() for path in sorted(MIGRATIONS.glob("*.sql")) if path < migration)


@contextmanager
def seeded_before(migration: Path, seed: str) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(migrations_before(migration) + seed)
        yield connection


def assert_sound(connection: sqlite3.Connection) -> None:
    """No broken foreign key, a sound file, and a search index that matches its messages."""
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    connection.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def migrated_by_wrangler(migration: Path, seed: str, state: Path) -> Path:
    """The same seed and migration run by wrangler on workerd's local D1 (two `d1 execute --file` runs,
    each one batch as a migration is); the path of the resulting database file."""
    seeded = state.parent / f"{state.name}-seeded.sql"
    seeded.write_text(migrations_before(migration) + seed)
    wrangler("d1", "execute", "DB", "--file", str(seeded), "--yes", persist_to=state)
    wrangler("d1", "execute", "DB", "--file", str(migration), "--yes", persist_to=state)
    return wrangler_database(state)
