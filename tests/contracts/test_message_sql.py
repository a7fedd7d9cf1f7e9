"""The messages schema on both databases (local SQLite and D1 in Pyodide): the FTS5 index follows
inserts, edits and deletes through its triggers, a conflicting re-post aborts the whole batch, and
search ranks blocks of the newest matches and walks them with cursors."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.contracts.expect import raises
from tests.contracts.schema import migrate, user_and_chat
from workerbase.errors import ConstraintViolation
from workerbase.ports import Database, Statement, run
from workerbase.repositories import messages
from workerbase.repositories import search as search_sql
from workerbase.services.search import SearchService

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def setup(db: Database) -> None:
    await migrate(db)
    await db.batch(user_and_chat("u1", "c1", NOW))


def say(message_id: str, words: str) -> Statement:
    return messages.insert_message(
        message_id, "c1", "u1", "user", [{"type": "text", "text": words}], None, NOW
    )


async def search(db: Database, query: str) -> list[str]:
    result = await db.query(
        "SELECT messages.id AS id FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
        " WHERE messages_fts MATCH ? ORDER BY rank",
        [query],
    )
    return [str(row["id"]) for row in result.rows]


async def test_search_index_follows_inserts_edits_and_deletes(db: Database) -> None:
    await setup(db)
    await db.batch([say("m1", "the quick brown fox"), say("m2", "a lazy dog sleeps")])
    assert await search(db, "fox") == ["m1"]
    edit = messages.update_message(
        "m1", "c1", "u1", parts=[{"type": "text", "text": "a slow turtle"}], metadata=None, now=NOW
    )
    await db.query(edit.sql, edit.params)
    assert await search(db, "fox") == []
    assert await search(db, "turtle") == ["m1"]
    delete = messages.delete_message("m2", "c1", "u1")
    await db.query(delete.sql, delete.params)
    assert await search(db, "dog") == []


async def test_identical_reposts_are_ignored_and_conflicts_abort_the_batch(db: Database) -> None:
    await setup(db)
    first = await db.batch([say("m1", "hello")])
    assert first[0].meta.changes > 0
    again = await db.batch([say("m1", "hello")])
    assert again[0].meta.changes == 0
    with raises(ConstraintViolation, match="message_id_conflict"):
        await db.batch([say("m2", "new"), say("m1", "changed")])
    rows = (await db.query("SELECT id, seq FROM messages ORDER BY seq")).rows
    assert rows == [{"id": "m1", "seq": 1}]


async def test_messages_are_numbered_in_order_within_a_batch(db: Database) -> None:
    await setup(db)
    await db.batch([say(f"m{n}", "x") for n in range(5)])
    rows = (await db.query("SELECT id, seq FROM messages ORDER BY seq")).rows
    assert rows == [{"id": f"m{n}", "seq": n + 1} for n in range(5)]


async def test_search_statement_ranks_pages_and_marks(db: Database) -> None:
    await setup(db)
    await db.batch([say("m1", "apple pie"), say("m2", "apple apple apple"), say("m3", "pear")])
    first = await run(db, search_sql.search_messages(['"apple"'], "u1", None, 1))
    assert [row["id"] for row in first.rows] == ["m2"]
    assert str(first.rows[0]["snippet"]).startswith("\x02apple\x03")
    after = (float(first.rows[0]["score"] or 0.0), str(first.rows[0]["id"]))
    rest = await run(db, search_sql.search_messages(['"apple"'], "u1", after, 10))
    assert [row["id"] for row in rest.rows] == ["m1"]
    both = await run(db, search_sql.search_messages(['"apple"', '"pie"'], "u1", None, 10))
    assert [row["id"] for row in both.rows] == ["m1"]


async def test_search_sees_only_the_owners_messages(db: Database) -> None:
    await setup(db)
    other = "0b7e-41aa"  # dashes, like the UUIDs users get: the owner token drops them
    await db.batch(
        [
            *user_and_chat(other, "c2", NOW),
            say("m1", "apple from u1"),
            messages.insert_message(
                "m2", "c2", other, "user", [{"type": "text", "text": "apple"}], None, NOW
            ),
        ]
    )
    mine = await run(db, search_sql.search_messages(['"apple"'], "u1", None, 10))
    assert [row["id"] for row in mine.rows] == ["m1"]
    theirs = await run(db, search_sql.search_messages(['"apple"'], other, None, 10))
    assert [row["id"] for row in theirs.rows] == ["m2"]
    # A user's words never match an owner token: `u1` is only searched for in the text.
    by_word = await run(db, search_sql.search_messages(['"u1"'], "u1", None, 10))
    assert [row["id"] for row in by_word.rows] == ["m1"]
    assert (await run(db, search_sql.search_messages(['"0b7e41aa"'], other, None, 10))).rows == []


async def walk(db: Database, user_id: str, text: str, limit: int, block_size: int = 3) -> list[list[str]]:
    """Every page of a search, following the cursors, ranked in blocks of `block_size` matches."""
    service = SearchService(db, block_size=block_size)
    pages: list[list[str]] = []
    cursor = None
    while True:
        hits, cursor = await service.messages(user_id, text, cursor, limit)
        pages.append([hit.message_id for hit in hits])
        if cursor is None:
            return pages


def apples(message_id: str, count: int) -> Statement:
    """`count` apples in five words of five letters: the same length, so more apples rank first."""
    return say(message_id, " ".join(["apple"] * count + ["mango"] * (5 - count)))


async def test_search_ranks_blocks_of_the_newest_matches(db: Database) -> None:
    await setup(db)
    await db.batch([apples(f"m{n}", n % 3 + 1) for n in range(7)])  # m0 oldest
    pages = await walk(db, "u1", "apple", limit=2)
    # Blocks of 3, newest first: {m6, m5, m4}, {m3, m2, m1}, {m0}; best match first within each.
    assert pages == [["m5", "m4"], ["m6", "m2"], ["m1", "m3"], ["m0"]]
    # One block as large as the history: best match first over all of it, ties by message id.
    assert await walk(db, "u1", "apple", limit=10, block_size=101) == [
        ["m2", "m5", "m1", "m4", "m0", "m3", "m6"]
    ]


async def test_search_walk_neither_repeats_nor_skips_while_messages_change(db: Database) -> None:
    await setup(db)
    await db.batch([apples(f"m{n}", n % 3 + 1) for n in range(7)])
    service = SearchService(db, block_size=3)
    first, cursor = await service.messages("u1", "apple", None, 2)
    assert [hit.message_id for hit in first] == ["m5", "m4"]
    # A new best match arrives (it belongs to a newer search) and an unseen one of an older block goes.
    await db.batch([apples("m7", 5)])
    gone = messages.delete_message("m1", "c1", "u1")
    await db.query(gone.sql, gone.params)
    seen = [hit.message_id for hit in first]
    while cursor is not None:
        hits, cursor = await service.messages("u1", "apple", cursor, 2)
        seen += [hit.message_id for hit in hits]
    assert seen == ["m5", "m4", "m6", "m2", "m0", "m3"]


async def test_search_blocks_hold_only_the_owners_matches(db: Database) -> None:
    await setup(db)
    other = "0b7e-41aa"
    await db.batch(user_and_chat(other, "c2", NOW))
    for n in range(6):  # the other user's matches interleave with the caller's
        their_message = messages.insert_message(
            f"o{n}", "c2", other, "user", [{"type": "text", "text": "apple apple apple"}], None, NOW
        )
        await db.batch([apples(f"m{n}", 1), their_message])
    pages = await walk(db, "u1", "apple", limit=3)
    assert pages == [["m3", "m4", "m5"], ["m0", "m1", "m2"]]
    theirs = [hit for page in await walk(db, other, "apple", limit=4) for hit in page]
    assert sorted(theirs) == [f"o{n}" for n in range(6)]


def said(message_id: str, user_id: str, chat_id: str, words: str) -> Statement:
    return messages.insert_message(
        message_id, chat_id, user_id, "user", [{"type": "text", "text": words}], None, NOW
    )


async def numbering(db: Database) -> list[tuple[str, str, int]]:
    """(owner, message id, n) per message in rowid order: n its place in the owner's range of rowids."""
    result = await db.query(
        f"SELECT messages.rowid AS rowid, messages.id AS id, messages.user_id AS owner,"
        f" users.rowid * {messages.MESSAGE_ROWID_SPAN} AS base"
        " FROM messages JOIN users ON users.id = messages.user_id ORDER BY messages.rowid"
    )
    return [
        (str(row["owner"]), str(row["id"]), int(row["rowid"] or 0) - int(row["base"] or 0))
        for row in result.rows
    ]


async def test_message_rowids_are_numbered_within_their_owners_range(db: Database) -> None:
    """The INSERT puts each message one past its owner's newest (migration 0016), in a batch (an import)
    too, whatever other users store meanwhile; a rowid freed by deleting the newest message is taken again,
    and the search index follows; a user who gets a deleted user's rowid starts an empty range."""
    await setup(db)
    await db.batch(user_and_chat("u2", "c2", NOW))
    await db.batch([say("m1", "apple"), said("x1", "u2", "c2", "apple"), say("m2", "pear")])
    await db.batch([said(f"x{n}", "u2", "c2", "apple pie") for n in range(2, 6)])  # an import
    await db.batch([say("m3", "apple pie")])
    assert await numbering(db) == [
        ("u1", "m1", 1),
        ("u1", "m2", 2),
        ("u1", "m3", 3),
        *[("u2", f"x{n}", n) for n in range(1, 6)],
    ]
    gone = messages.delete_message("m3", "c1", "u1")
    await db.query(gone.sql, gone.params)
    await db.batch([say("m4", "plum")])
    assert (await numbering(db))[:3] == [("u1", "m1", 1), ("u1", "m2", 2), ("u1", "m4", 3)]
    assert await search(db, "pie") == [f"x{n}" for n in range(2, 6)]
    assert await search(db, "plum") == ["m4"]
    await db.query("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    # u3 has the largest users.rowid; deleted, the next user gets it again (SQLite and D1 alike), and their
    # range holds nothing of u3's: the cascade took it.
    await db.batch([*user_and_chat("u3", "c3", NOW), said("z1", "u3", "c3", "kiwi")])
    deleted_rowid = (await db.query("SELECT rowid FROM users WHERE id = 'u3'")).rows[0]["rowid"]
    await db.query("DELETE FROM users WHERE id = 'u3'")
    await db.batch([*user_and_chat("u4", "c4", NOW), said("z1", "u4", "c4", "lime")])
    assert (await db.query("SELECT rowid FROM users WHERE id = 'u4'")).rows[0]["rowid"] == deleted_rowid
    assert (await numbering(db))[-1] == ("u4", "z1", 1)
    assert await walk(db, "u4", "kiwi", limit=10) == [[]]
    assert await walk(db, "u4", "lime", limit=10) == [["z1"]]


async def test_message_rows_outside_their_owners_range_are_refused(db: Database) -> None:
    await setup(db)
    await db.batch(user_and_chat("u2", "c2", NOW))
    bare = (
        "INSERT INTO messages (rowid, id, chat_id, user_id, seq, role, parts, created_at, updated_at)"
        " VALUES (?, 'm1', 'c1', 'u1', 1, 'user', '[]', ?, ?)"
    )
    base = int((await db.query("SELECT rowid FROM users WHERE id = 'u2'")).rows[0]["rowid"] or 0)
    stamp = "2026-12-07T00:00:00.000Z"
    for rowid in (None, base * messages.MESSAGE_ROWID_SPAN + 1):  # no rowid; one in u2's range
        with raises(ConstraintViolation, match="message_rowid_out_of_range"):
            await db.query(bare, [rowid, stamp, stamp])
    assert (await db.query("SELECT count(*) AS n FROM messages")).rows == [{"n": 0}]


async def test_search_of_two_interleaved_users_reads_only_the_callers_range(db: Database) -> None:
    """A word rare for the caller and common for the other user, their messages interleaved: each search
    finds only its caller's matches, page after page; a cursor holding the other user's rowids (their
    block bounds) finds nothing of theirs."""
    await setup(db)
    await db.batch(user_and_chat("u2", "c2", NOW))
    for n in range(8):
        other_users = [said(f"o{n}-{k}", "u2", "c2", "quartz quartz") for k in range(3)]
        await db.batch([*other_users, *([say(f"m{n}", "quartz")] if n % 3 == 0 else [])])
    # One block of 3 (the caller's only matches), equal scores: by id.
    assert await walk(db, "u1", "quartz", limit=2) == [["m0", "m3"], ["m6"]]
    theirs = [hit for page in await walk(db, "u2", "quartz", limit=2) for hit in page]
    assert sorted(theirs) == sorted(f"o{n}-{k}" for n in range(8) for k in range(3))
    _, cursor = await SearchService(db, block_size=3).messages("u2", "quartz", None, 2)
    assert cursor is not None
    hits, _ = await SearchService(db, block_size=3).messages("u1", "quartz", cursor, 2)
    assert {hit.message_id for hit in hits} <= {"m0", "m3", "m6"}
