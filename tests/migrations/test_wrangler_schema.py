"""The real wrangler and the local runtime must build the same D1 schema from `migrations/`, and agree
on what is applied (both record it in `d1_migrations`).

Runs `wrangler d1 migrations apply DB --local` from node_modules (installed by `.ci/run`) into a
temporary state directory, with Node >= 22 (wrangler refuses older ones) found the way `.ci/run` finds
it: `$WORKERBASE_NODE` (which `.ci/run` exports), else `node` on PATH, else the Node 22 that `.ci/run`
installs into `.tools/node`. Without either, the test fails: it is part of the test command, not optional.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.node import find_node
from workerbase.bindings.local.migrations import apply_migrations
from workerbase.local import PROJECT_ROOT

WRANGLER = PROJECT_ROOT / "node_modules" / "wrangler" / "bin" / "wrangler.js"
MIGRATIONS = PROJECT_ROOT / "migrations"
# Tables D1/Miniflare keep for themselves.
INTERNAL = re.compile(r"^(sqlite_|_cf_)")


def wrangler(*args: str, persist_to: Path) -> str:
    if not WRANGLER.exists():
        pytest.fail(f"{WRANGLER} is missing: run `npm ci` (or the whole `bash .ci/run`) first")
    node = find_node()
    environment = {
        **os.environ,
        # Never prompt, never phone home (see .ci/run).
        "CI": "true",
        "NO_COLOR": "1",
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_SEND_ERROR_REPORTS": "false",
        "WRANGLER_LOG_PATH": str(persist_to / "logs"),
        "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    completed = subprocess.run(
        [node, str(WRANGLER), *args, "--local", "--persist-to", str(persist_to)],
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
    # closing(): sqlite3's own context manager commits but does not close, and a connection closed later
    # by the garbage collector deletes -wal/-shm files under a concurrent copy.
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return sorted(
        (kind, name, table, _normalise(sql)) for kind, name, table, sql in rows if not INTERNAL.match(name)
    )


def applied(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
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


@pytest.fixture(scope="module")
def wrangler_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local D1 state directory that wrangler migrated (one wrangler run shared by the tests)."""
    state = tmp_path_factory.mktemp("wrangler-state")
    wrangler("d1", "migrations", "apply", "DB", persist_to=state)
    return state


def test_wrangler_and_the_local_runtime_build_the_same_schema(wrangler_state: Path, tmp_path: Path) -> None:
    ours = tmp_path / "local.sqlite3"
    names = migrate_locally(ours)
    theirs = wrangler_database(wrangler_state)
    assert names == sorted(path.name for path in MIGRATIONS.glob("*.sql"))
    assert applied(theirs) == applied(ours) == names
    assert schema(theirs) == schema(ours)
    assert any(kind == "table" and name == "users" for kind, name, _, _ in schema(ours))


def test_wrangler_has_nothing_to_apply_on_a_database_we_migrated(
    wrangler_state: Path, tmp_path: Path
) -> None:
    # Put our database where wrangler keeps its own (the file name derives from the database id).
    state = tmp_path / "wrangler-state"
    # The database's -wal/-shm files are left behind: our database replaces it below.
    shutil.copytree(
        wrangler_state, state, ignore=shutil.ignore_patterns("logs", "*.sqlite-wal", "*.sqlite-shm")
    )
    target = wrangler_database(state)
    ours = tmp_path / "local.sqlite3"
    migrate_locally(ours)
    shutil.copyfile(ours, target)
    before = applied(target)
    output = wrangler("d1", "migrations", "apply", "DB", persist_to=state)
    assert "No migrations to apply" in output, output
    assert applied(target) == before
