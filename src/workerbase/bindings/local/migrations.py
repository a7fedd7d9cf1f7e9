"""Applies `migrations/NNNN_<slug>.sql` to the local SQLite database the way wrangler does for D1.

wrangler records applied migrations in a `d1_migrations` table (id, name, applied_at) and applies, in
file-name order, every `.sql` file whose name is not recorded yet. We use the same table and columns so
a database migrated by either tool is understood by the other, and `tests/migrations` checks that the
schema wrangler builds equals ours.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# The exact table wrangler creates (wrangler/src/d1/migrations/helpers.ts).
MIGRATIONS_TABLE_SQL = """CREATE TABLE IF NOT EXISTS d1_migrations(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)"""


def pending_migrations(connection: sqlite3.Connection, migrations_dir: Path) -> list[Path]:
    connection.execute(MIGRATIONS_TABLE_SQL)
    applied = {row[0] for row in connection.execute("SELECT name FROM d1_migrations")}
    return [path for path in sorted(migrations_dir.glob("*.sql")) if path.name not in applied]


def apply_migrations(connection: sqlite3.Connection, migrations_dir: Path) -> list[str]:
    """Apply pending migrations, each in one transaction with its record; return their names.

    A failing migration leaves neither partial schema nor a `d1_migrations` row, as with D1.
    """
    applied: list[str] = []
    for path in pending_migrations(connection, migrations_dir):
        script = path.read_text(encoding="utf-8")
        try:
            # executescript() would commit a pending transaction first; opening ours inside the script
            # keeps the migration and its record in the same transaction.
            connection.executescript("BEGIN;\n" + script)
            connection.execute("INSERT INTO d1_migrations (name) VALUES (?)", (path.name,))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        applied.append(path.name)
    return applied
