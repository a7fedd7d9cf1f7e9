"""Migration 0015 rebuilds chats, messages, votes, documents and suggestions in place with owner-scoped
keys. On a database made by the migrations before it and holding data in every one of those tables, it
must keep every row as it was (messages their rowids, so the search index stays valid), break no foreign
key, and then let two users share an id. Checked on the local runtime's SQLite and on wrangler's own
local D1 (`wrangler d1 execute --local`: workerd's D1, foreign keys always on), which must agree."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.migrations.seeded import assert_sound, migrated_by_wrangler, seeded_before
from tests.migrations.test_wrangler_schema import MIGRATIONS

MIGRATION = MIGRATIONS / "0015_ids_per_owner.sql"
TABLES = ("chats", "messages", "votes", "documents", "suggestions", "users")

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
NOW = "2026-12-01T00:00:00.000Z"

# Data in every rebuilt table, as the API stored it before 0015: globally unique client ids, a public
# chat, a vote, two versions of a document with a suggestion on each, and an id the new rules would refuse
# (it was accepted then, and must survive).
SEED = f"""
INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
VALUES ('{U1}', 'ada@example.com', 'Ada', 'x', 'user', '{NOW}', '{NOW}'),
       ('{U2}', 'bob@example.com', NULL, 'x', 'user', '{NOW}', '{NOW}');
INSERT INTO chats (id, user_id, title, visibility, metadata, created_at, updated_at, last_activity_at)
VALUES ('c1', '{U1}', 'harbor trip', 'public', '{{"source":"discord"}}', '{NOW}', '{NOW}', '{NOW}'),
       ('c2', '{U2}', '', 'private', '{{}}', '{NOW}', '{NOW}', '{NOW}');
INSERT INTO messages (id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at, updated_at)
VALUES ('m1', 'c1', '{U1}', 1, 'user', '[{{"type":"text","text":"the harbor at dawn"}}]', NULL,
        'the harbor at dawn', '{NOW}', '{NOW}'),
       ('m2', 'c1', '{U1}', 2, 'assistant', '[{{"type":"text","text":"quartz cliffs"}}]', '{{"model":"m"}}',
        'quartz cliffs', '{NOW}', '{NOW}'),
       ('odd/id', 'c2', '{U2}', 1, 'user', '[{{"type":"text","text":"harbor too"}}]', NULL,
        'harbor too', '{NOW}', '{NOW}');
INSERT INTO votes (message_id, user_id, chat_id, value, created_at, updated_at)
VALUES ('m2', '{U1}', 'c1', 'up', '{NOW}', '{NOW}');
INSERT INTO documents (id, version, user_id, kind, title, content, created_at)
VALUES ('d1', 1, '{U1}', 'text', 'Essay', 'first', '{NOW}'),
       ('d1', 2, '{U1}', 'text', 'Essay', 'second', '{NOW}');
INSERT INTO suggestions (id, document_id, document_version, user_id, original_text, suggested_text,
                         description, resolved, created_at)
VALUES ('s1', 'd1', 1, '{U1}', 'first', '1st', NULL, 1, '{NOW}'),
       ('s2', 'd1', 2, '{U1}', 'second', '2nd', 'shorter', 0, '{NOW}');
"""

# After 0015: bob takes ada's ids for a chat, a message, a vote and a document; a search for the owner
# token and a word still finds the old rows through the index.
AFTER = f"""
INSERT INTO chats (id, user_id, title, visibility, metadata, created_at, updated_at, last_activity_at)
VALUES ('c1', '{U2}', 'bob''s c1', 'private', '{{}}', '{NOW}', '{NOW}', '{NOW}');
INSERT INTO messages (id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at, updated_at)
VALUES ('m1', 'c1', '{U2}', 1, 'user', '[]', NULL, 'bob harbor', '{NOW}', '{NOW}');
INSERT INTO votes (message_id, user_id, chat_id, value, created_at, updated_at)
VALUES ('m1', '{U2}', 'c1', 'down', '{NOW}', '{NOW}');
INSERT INTO documents (id, version, user_id, kind, title, content, created_at)
VALUES ('d1', 1, '{U2}', 'code', 'Bob', 'print()', '{NOW}');
"""


def rows(connection: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the rebuilt tables by column name (so column order does not matter), and the
    messages' rowids."""
    dumped: dict[str, list[tuple[object, ...]]] = {}
    for table in TABLES:
        columns = sorted(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))
        listing = ", ".join(columns)
        selected = connection.execute(f"SELECT {listing} FROM {table}").fetchall()
        dumped[table] = sorted(selected, key=repr)
    dumped["message rowids"] = sorted(connection.execute("SELECT rowid, id FROM messages").fetchall())
    return dumped


def found(connection: sqlite3.Connection, owner: str, word: str) -> list[str]:
    query = f'search_owner : "{owner.replace("-", "")}" AND content_text : "{word}"'
    return sorted(
        row[0]
        for row in connection.execute(
            "SELECT messages.id FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
            " WHERE messages_fts MATCH ?",
            [query],
        )
    )


@pytest.fixture
def local() -> Iterator[sqlite3.Connection]:
    with seeded_before(MIGRATION, SEED) as connection:
        yield connection


def test_0015_keeps_every_row_and_scopes_ids_per_owner(local: sqlite3.Connection) -> None:
    before = rows(local)
    assert found(local, U1, "harbor") == ["m1"]
    local.executescript(MIGRATION.read_text())
    assert rows(local) == before
    assert_sound(local)
    assert found(local, U1, "harbor") == ["m1"]
    assert found(local, U2, "harbor") == ["odd/id"]
    local.executescript(AFTER)
    assert_sound(local)
    assert found(local, U2, "harbor") == ["m1", "odd/id"]
    assert local.execute("SELECT count(*) FROM chats WHERE id = 'c1'").fetchone() == (2,)
    # The keys hold per owner, and public ids stay unique among public chats.
    with pytest.raises(sqlite3.IntegrityError):
        local.execute(f"INSERT INTO documents VALUES ('d1', 2, '{U1}', 'text', 'x', NULL, '{NOW}')")
    with pytest.raises(sqlite3.IntegrityError):
        local.execute(f"UPDATE chats SET visibility = 'public' WHERE user_id = '{U2}' AND id = 'c1'")
    # Deleting a user still cascades through every rebuilt table, and only through theirs.
    local.execute(f"DELETE FROM users WHERE id = '{U1}'")
    assert_sound(local)
    left = rows(local)
    assert {table: len(found_rows) for table, found_rows in left.items()} == {
        "chats": 2,
        "messages": 2,
        "votes": 1,
        "documents": 1,
        "suggestions": 0,
        "users": 1,
        "message rowids": 2,
    }


def test_wrangler_d1_migrates_the_same_data_to_the_same_rows(
    local: sqlite3.Connection, tmp_path: Path
) -> None:
    """The same seed and migration run by wrangler on workerd's D1 (two `d1 execute --file` runs, each one
    batch as a migration is) end with the same rows as the local runtime."""
    theirs = migrated_by_wrangler(MIGRATION, SEED, tmp_path / "state")
    local.executescript(MIGRATION.read_text())
    with closing(sqlite3.connect(theirs)) as d1:
        assert rows(d1) == rows(local)
        assert_sound(d1)
        assert found(d1, U1, "harbor") == ["m1"]
