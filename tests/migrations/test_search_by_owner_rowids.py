"""Migration 0016 renumbers the messages into their owner's range of rowids (users.rowid * 2^24 + n) and
rebuilds the search index without the owner token. On a database made by the migrations before it, with
two users' messages interleaved, it must keep every row as it was but the rowid, number each user's
messages in the order they were stored, leave a sound index that finds each user's words by range, break
no foreign key, and let the app's INSERT carry on at the end of the range. Checked on the local runtime's
SQLite and on wrangler's own local D1 (workerd's D1, foreign keys always on), which must agree."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.migrations.seeded import assert_sound, migrated_by_wrangler, seeded_before
from tests.migrations.test_wrangler_schema import MIGRATIONS
from workerbase.repositories import messages

MIGRATION = MIGRATIONS / "0016_search_by_owner_rowids.sql"
SPAN = 1 << 24
TABLES = ("chats", "messages", "votes", "users")

U0 = "00000000-0000-4000-8000-000000000000"  # no messages: the others' rowids are not 1 and 2
U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
NOW = "2026-12-07T00:00:00.000Z"


def message(message_id: str, chat_id: str, user_id: str, seq: int, text: str) -> str:
    return (
        f"('{message_id}', '{chat_id}', '{user_id}', {seq}, 'user',"
        f" '[{{\"type\":\"text\",\"text\":\"{text}\"}}]', NULL, '{text}', '{NOW}', '{NOW}')"
    )


# As the API stored them before 0016: the two users' messages interleaved in rowid order, the same id
# for both (ids are per owner since 0015), a word of one user's in the other's text, and a vote.
SEED = f"""
INSERT INTO users (id, email, password_hash, created_at, updated_at)
VALUES ('{U0}', 'cy@example.com', 'x', '{NOW}', '{NOW}'),
       ('{U1}', 'ada@example.com', 'x', '{NOW}', '{NOW}'),
       ('{U2}', 'bob@example.com', 'x', '{NOW}', '{NOW}');
INSERT INTO chats (id, user_id, created_at, updated_at, last_activity_at)
VALUES ('c1', '{U1}', '{NOW}', '{NOW}', '{NOW}'), ('c1', '{U2}', '{NOW}', '{NOW}', '{NOW}');
INSERT INTO messages (id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at, updated_at)
VALUES {message("m1", "c1", U1, 1, "harbor at dawn")},
       {message("m1", "c1", U2, 1, "quartz harbor")},
       {message("m2", "c1", U1, 2, "quartz cliffs")},
       {message("x2", "c1", U2, 2, "quartz again")},
       {message("m3", "c1", U1, 3, "harbor lights")};
INSERT INTO votes (message_id, user_id, chat_id, value, created_at, updated_at)
VALUES ('m2', '{U1}', 'c1', 'up', '{NOW}', '{NOW}');
"""


def rows(connection: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables by column name, without the owner token 0016 drops (and rowids)."""
    dumped: dict[str, list[tuple[object, ...]]] = {}
    for table in TABLES:
        columns = sorted(row[1] for row in connection.execute(f"PRAGMA table_xinfo({table})"))
        listing = ", ".join(column for column in columns if column != "search_owner")
        dumped[table] = sorted(connection.execute(f"SELECT {listing} FROM {table}").fetchall(), key=repr)
    return dumped


def numbering(connection: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(owner, message id, n) per message, n its place in its owner's range, in rowid order."""
    return [
        (str(user_id), str(message_id), int(rowid) - int(base))
        for rowid, message_id, user_id, base in connection.execute(
            f"SELECT messages.rowid, messages.id, messages.user_id, users.rowid * {SPAN}"
            " FROM messages JOIN users ON users.id = messages.user_id ORDER BY messages.rowid"
        )
    ]


def found(connection: sqlite3.Connection, owner: str, word: str) -> list[str]:
    """What the index holds for `word` within the owner's range, newest first."""
    return [
        str(row[0])
        for row in connection.execute(
            "SELECT messages.id FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
            " WHERE messages_fts MATCH ?1"
            f" AND messages_fts.rowid BETWEEN (SELECT rowid * {SPAN} FROM users WHERE id = ?2)"
            f" AND (SELECT rowid * {SPAN} + {SPAN - 1} FROM users WHERE id = ?2)"
            " ORDER BY messages_fts.rowid DESC",
            [f'"{word}"', owner],
        )
    ]


@pytest.fixture
def local() -> Iterator[sqlite3.Connection]:
    with seeded_before(MIGRATION, SEED) as connection:
        yield connection


EXPECTED_NUMBERING = [(U1, "m1", 1), (U1, "m2", 2), (U1, "m3", 3), (U2, "m1", 1), (U2, "x2", 2)]


def test_0016_renumbers_each_users_messages_into_their_range_in_order(local: sqlite3.Connection) -> None:
    before = rows(local)
    local.executescript(MIGRATION.read_text())
    assert rows(local) == before  # every row kept but the rowid (and the generated owner token, gone)
    assert "search_owner" not in [row[1] for row in local.execute("PRAGMA table_xinfo(messages)")]
    assert [row[1] for row in local.execute("PRAGMA table_xinfo(messages_fts)")][:1] == ["content_text"]
    assert numbering(local) == EXPECTED_NUMBERING
    assert_sound(local)
    assert found(local, U1, "quartz") == ["m2"]
    assert found(local, U2, "quartz") == ["x2", "m1"]
    assert found(local, U1, "harbor") == ["m3", "m1"]
    assert found(local, U0, "harbor") == []
    # The app's INSERT carries on at the end of the owner's range; a bare INSERT (no rowid) is refused.
    insert = messages.insert_message(
        "m4", "c1", U1, "user", [{"type": "text", "text": "quartz"}], None, datetime(2026, 12, 7, tzinfo=UTC)
    )
    local.execute(insert.sql, insert.params)
    assert numbering(local)[3] == (U1, "m4", 4)
    assert found(local, U1, "quartz") == ["m4", "m2"]
    with pytest.raises(sqlite3.IntegrityError, match="message_rowid_out_of_range"):
        local.execute(
            "INSERT INTO messages (id, chat_id, user_id, seq, role, parts, created_at, updated_at)"
            f" VALUES ('m5', 'c1', '{U1}', 5, 'user', '[]', '{NOW}', '{NOW}')"
        )
    # Deleting a user still cascades, through the index too.
    local.execute(f"DELETE FROM users WHERE id = '{U1}'")
    assert_sound(local)
    assert found(local, U2, "quartz") == ["x2", "m1"]
    assert local.execute(
        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'harbor'"
    ).fetchone() == (1,)


def test_wrangler_d1_renumbers_the_same_data_the_same_way(local: sqlite3.Connection, tmp_path: Path) -> None:
    """The same seed and migration run by wrangler on workerd's D1 (two `d1 execute --file` runs, each one
    batch as a migration is) end with the same rows and rowids as the local runtime."""
    theirs = migrated_by_wrangler(MIGRATION, SEED, tmp_path / "state")
    local.executescript(MIGRATION.read_text())
    with closing(sqlite3.connect(theirs)) as d1:
        assert rows(d1) == rows(local)
        assert numbering(d1) == numbering(local) == EXPECTED_NUMBERING
        assert_sound(d1)
        assert found(d1, U1, "quartz") == ["m2"]
        assert found(d1, U2, "quartz") == ["x2", "m1"]
