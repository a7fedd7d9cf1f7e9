"""Applies `migrations/` through the Database port, so contract tests can run the app's SQL on D1 in
Pyodide too (where there is no sqlite3 `executescript`)."""

from __future__ import annotations

from pathlib import Path

from workerbase.ports import Database, Statement

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def split_statements(script: str) -> list[str]:
    """Split a migration into statements: on `;` at line ends, except inside a trigger's BEGIN ... END."""
    statements: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        if stripped.upper() == "BEGIN" or stripped.upper().endswith(" BEGIN"):
            in_trigger = True
        if stripped.endswith(";") and (not in_trigger or stripped.upper() == "END;"):
            statements.append("\n".join(current).rstrip(";"))
            current = []
            in_trigger = False
    return statements


async def migrate(db: Database) -> None:
    for path in sorted(MIGRATIONS.glob("*.sql")):
        await db.batch([Statement(sql) for sql in split_statements(path.read_text(encoding="utf-8"))])
