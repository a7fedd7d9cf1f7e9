"""Applies `migrations/` through the Database port, so contract tests can run the app's SQL on D1 in
Pyodide too (where there is no sqlite3 `executescript`); and the rows most of those tests start from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from workerbase.clock import iso
from workerbase.ports import Database, Statement
from workerbase.records import UserRecord
from workerbase.repositories.accounts import insert_user_unless_throttled

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


def user_and_chat(user_id: str, chat_id: str, now: datetime) -> list[Statement]:
    """A user (`<user_id>@example.com`) owning one chat."""
    stamp = iso(now)
    user = UserRecord(user_id, f"{user_id}@example.com", None, "user", "h", stamp, stamp)
    return [
        insert_user_unless_throttled(user, f"signup:ip:{user_id}", now),
        Statement(
            "INSERT INTO chats (id, user_id, created_at, updated_at, last_activity_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [chat_id, user_id, stamp, stamp, stamp],
        ),
    ]
