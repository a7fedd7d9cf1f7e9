"""The real wrangler and the local runtime must build the same D1 schema from `migrations/`, and agree
on what is applied (both record it in `d1_migrations`).

Runs `wrangler d1 migrations apply DB --local` from node_modules (installed by `.ci/run`; needs Node 22
on PATH, which `.ci/run` arranges) into a temporary state directory.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from workerbase.bindings.local.migrations import apply_migrations
from workerbase.local import PROJECT_ROOT

WRANGLER = PROJECT_ROOT / "node_modules" / ".bin" / "wrangler"
MIGRATIONS = PROJECT_ROOT / "migrations"
# Tables D1/Miniflare keep for themselves.
INTERNAL = re.compile(r"^(sqlite_|_cf_)")


def wrangler(*args: str, persist_to: Path) -> str:
    if not WRANGLER.exists():
        pytest.fail(f"{WRANGLER} is missing: run `npm ci` (or the whole `.ci/run`) first")
    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout
    if not node_version.startswith("v") or int(node_version[1:].split(".")[0]) < 22:
        found = node_version.strip() or "none"
        pytest.fail(f"wrangler needs Node >= 22 on PATH (found {found}); run `.ci/run`")
    environment = {**os.environ, "CI": "true", "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1"}
    completed = subprocess.run(
        [str(WRANGLER), *args, "--local", "--persist-to", str(persist_to)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def wrangler_database(persist_to: Path) -> Path:
    files = [
        path
        for path in (persist_to / "v3" / "d1" / "miniflare-D1DatabaseObject").glob("*.sqlite")
        if path.name != "metadata.sqlite"
    ]
    assert len(files) == 1, files
    return files[0]


def schema(path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return sorted(
        (kind, name, table, _normalise(sql)) for kind, name, table, sql in rows if not INTERNAL.match(name)
    )


def applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM d1_migrations ORDER BY id")]


def _normalise(sql: str | None) -> str:
    # SQLite keeps the CREATE text as written: compare it modulo whitespace and identifier quoting.
    return re.sub(r"\s+", " ", (sql or "").replace('"', "")).replace("( ", "(").replace(" )", ")").strip()


def migrate_locally(path: Path) -> list[str]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return apply_migrations(connection, MIGRATIONS)
    finally:
        connection.close()


def test_wrangler_and_the_local_runtime_build_the_same_schema(tmp_path: Path) -> None:
    wrangler("d1", "migrations", "apply", "DB", persist_to=tmp_path / "wrangler")
    ours = tmp_path / "local.sqlite3"
    names = migrate_locally(ours)
    theirs = wrangler_database(tmp_path / "wrangler")
    assert names == sorted(path.name for path in MIGRATIONS.glob("*.sql"))
    assert applied(theirs) == applied(ours) == names
    assert schema(theirs) == schema(ours)
    assert any(kind == "table" and name == "users" for kind, name, _, _ in schema(ours))


def test_wrangler_sees_nothing_to_apply_on_a_database_we_migrated(tmp_path: Path) -> None:
    state = tmp_path / "wrangler"
    wrangler("d1", "migrations", "apply", "DB", persist_to=state)  # creates wrangler's database file
    target = wrangler_database(state)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    ours = tmp_path / "local.sqlite3"
    migrate_locally(ours)
    shutil.copyfile(ours, target)
    listing = wrangler("d1", "migrations", "list", "DB", persist_to=state)
    assert "No migrations to apply" in listing, listing
