"""Database port contract (D1). Runs against local SQLite (pytest) and Miniflare's D1 in Pyodide
(tests/pyodide) through the Workers adapter: both must pass every test."""

from __future__ import annotations

from tests.contracts.expect import CONSTRAINT_VIOLATIONS, raises
from workerbase.errors import ConstraintViolation, LimitExceeded, QueryError, UnsupportedValue
from workerbase.ports import Database, Statement

SCHEMA = [
    Statement(
        "CREATE TABLE owners (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
        " score REAL CHECK (score >= 0))"
    ),
    Statement(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners(id)"
        " ON DELETE CASCADE, label TEXT, amount INTEGER, ratio REAL, data BLOB, flag INTEGER)"
    ),
]


async def _schema(db: Database) -> None:
    await db.batch(SCHEMA)
    await db.query("INSERT INTO owners (id, email, score) VALUES (?, ?, ?)", [1, "a@example.com", 1.5])


async def test_null_binds_and_reads_back_as_none(db: Database) -> None:
    await _schema(db)
    await db.query("INSERT INTO items (owner_id, label, data) VALUES (?, ?, ?)", [1, None, None])
    row = (await db.query("SELECT label, data, ? AS bound FROM items", [None])).first()
    assert row == {"label": None, "data": None, "bound": None}


async def test_every_sqlite_type_round_trips(db: Database) -> None:
    await _schema(db)
    blob = bytes(range(256))
    await db.query(
        "INSERT INTO items (owner_id, label, amount, ratio, data, flag) VALUES (?, ?, ?, ?, ?, ?)",
        [1, "text", 42, 0.25, blob, True],
    )
    row = (await db.query("SELECT label, amount, ratio, data, flag FROM items")).first()
    assert row == {"label": "text", "amount": 42, "ratio": 0.25, "data": blob, "flag": 1}
    assert [type(row[k]) for k in ("label", "amount", "ratio", "data", "flag")] == [
        str,
        int,
        float,
        bytes,
        int,
    ]
    types = (await db.query("SELECT typeof(amount) a, typeof(ratio) r, typeof(data) d FROM items")).first()
    assert types == {"a": "integer", "r": "real", "d": "blob"}


async def test_empty_blob_and_empty_text_are_not_null(db: Database) -> None:
    await _schema(db)
    await db.query("INSERT INTO items (owner_id, label, data) VALUES (?, ?, ?)", [1, "", b""])
    row = (await db.query("SELECT label, data IS NULL AS data_is_null, length(data) AS n FROM items")).first()
    assert row == {"label": "", "data_is_null": 0, "n": 0}


async def test_numbers_bind_as_real_like_d1(db: Database) -> None:
    # D1 binds every JS number as REAL. Into an INTEGER column it is stored as an integer again, but in an
    # expression it stays REAL: code that formats a bound int in SQL gets '5.0'.
    row = (await db.query("SELECT typeof(?) AS t, ? || '' AS s, ? AS n", [5, 5, 7])).first()
    assert row == {"t": "real", "s": "5.0", "n": 7}
    assert type(row["n"]) is int  # integral numbers read back as int


async def test_integral_reals_read_back_as_int(db: Database) -> None:
    row = (await db.query("SELECT 1.0 AS whole, 1.5 AS half, 1e300 AS huge")).first()
    assert row == {"whole": 1, "half": 1.5, "huge": 1e300}
    assert (type(row["whole"]), type(row["half"]), type(row["huge"])) == (int, float, float)


async def test_unicode_text_round_trips(db: Database) -> None:
    await _schema(db)
    text = "héllo wörld — 日本語 — 🚀👩‍💻 — \u200b"
    await db.query("INSERT INTO items (owner_id, label) VALUES (?, ?)", [1, text])
    row = (await db.query("SELECT label, length(label) AS n FROM items WHERE label = ?", [text])).first()
    assert row == {"label": text, "n": len(text)}


async def test_largest_safe_integers_round_trip(db: Database) -> None:
    await _schema(db)
    for value in (2**53 - 1, -(2**53 - 1), 2**31, 0):
        await db.query("DELETE FROM items")
        await db.query("INSERT INTO items (owner_id, amount) VALUES (?, ?)", [1, value])
        row = (await db.query("SELECT amount, typeof(amount) AS t FROM items")).first()
        assert row == {"amount": value, "t": "integer"}


async def test_integers_past_2_53_are_refused_not_corrupted(db: Database) -> None:
    await _schema(db)
    for value in (2**53, -(2**53), 2**63 - 1):
        with raises(UnsupportedValue, match="2\\^53"):
            await db.query("INSERT INTO items (owner_id, amount) VALUES (?, ?)", [1, value])
    assert (await db.query("SELECT count(*) AS n FROM items")).first() == {"n": 0}


async def test_values_of_unsupported_types_are_refused(db: Database) -> None:
    for value in ((1, 2), [1], {"a": 1}, bytearray(b"x")):
        with raises(UnsupportedValue):
            await db.query("SELECT ?", [value])  # type: ignore[list-item]


async def test_constraint_violations_are_one_exception_type_with_a_kind(db: Database) -> None:
    await _schema(db)
    for sql, kind, message in CONSTRAINT_VIOLATIONS:
        with raises(ConstraintViolation, match=message) as raised:
            await db.query(sql)
        assert isinstance(raised.exception, ConstraintViolation)
        assert raised.exception.kind == kind, sql


async def test_foreign_keys_are_enforced_and_cascade(db: Database) -> None:
    await _schema(db)
    await db.query("INSERT INTO items (owner_id, label) VALUES (1, 'x'), (1, 'y')")
    deleted = await db.query("DELETE FROM owners WHERE id = ?", [1])
    assert deleted.meta.changes == 3  # D1 counts the rows the cascade deleted too
    assert (await db.query("SELECT count(*) AS n FROM items")).first() == {"n": 0}


async def test_batch_is_atomic(db: Database) -> None:
    await _schema(db)
    with raises(ConstraintViolation):
        await db.batch(
            [
                Statement("INSERT INTO owners (id, email) VALUES (?, ?)", [10, "new@example.com"]),
                Statement("UPDATE owners SET score = ? WHERE id = ?", [9.5, 1]),
                Statement("INSERT INTO owners (id, email) VALUES (?, ?)", [11, "a@example.com"]),
            ]
        )
    rows = (await db.query("SELECT id, score FROM owners ORDER BY id")).rows
    assert rows == [{"id": 1, "score": 1.5}]


async def test_batch_returns_one_result_per_statement(db: Database) -> None:
    await _schema(db)
    results = await db.batch(
        [
            Statement("INSERT INTO owners (id, email) VALUES (?, ?) RETURNING id, email", [2, "b@x"]),
            Statement("UPDATE owners SET score = 3 WHERE id IN (1, 2)"),
            Statement("SELECT id FROM owners ORDER BY id"),
        ]
    )
    assert [r.rows for r in results] == [[{"id": 2, "email": "b@x"}], [], [{"id": 1}, {"id": 2}]]
    assert [r.meta.changes for r in results] == [1, 2, 0]


async def test_meta_reports_changes_last_row_id_and_rows(db: Database) -> None:
    await _schema(db)
    inserted = await db.query("INSERT INTO items (owner_id, label) VALUES (?, ?)", [1, "first"])
    assert inserted.meta.changes == 1
    assert inserted.meta.last_row_id == 1
    assert inserted.meta.rows_written >= 1
    second = await db.query("INSERT INTO items (owner_id, label) VALUES (?, ?), (?, ?)", [1, "b", 1, "c"])
    assert (second.meta.changes, second.meta.last_row_id) == (2, 3)
    updated = await db.query("UPDATE items SET label = 'z' WHERE id >= ?", [2])
    assert updated.meta.changes == 2
    assert updated.meta.rows_written >= 2
    selected = await db.query("SELECT * FROM items")
    assert len(selected.rows) == 3
    assert selected.meta.changes == 0
    assert selected.meta.rows_read >= 3
    assert selected.meta.rows_written == 0


async def test_returning_clause_gives_rows(db: Database) -> None:
    await _schema(db)
    result = await db.query("INSERT INTO items (owner_id, label) VALUES (1, 'r') RETURNING id, label")
    assert result.rows == [{"id": 1, "label": "r"}]
    assert result.meta.changes == 1


async def test_one_hundred_parameters_are_allowed_but_not_one_more(db: Database) -> None:
    placeholders = " + ".join("?" for _ in range(100))
    row = (await db.query(f"SELECT {placeholders} AS total", list(range(100)))).first()
    assert row == {"total": sum(range(100))}
    with raises(LimitExceeded, match="100"):
        await db.query(f"SELECT {placeholders} + ? AS total", list(range(101)))


async def test_statements_over_100_kb_are_refused(db: Database) -> None:
    literal = "x" * 99_900
    assert (await db.query(f"SELECT '{literal}' AS s")).first() == {"s": literal}
    with raises(LimitExceeded):
        await db.query(f"SELECT '{'x' * 100_001}' AS s")


async def test_values_over_2_mb_are_refused(db: Database) -> None:
    await _schema(db)
    big = b"\x01" * 1_900_000
    await db.query("INSERT INTO items (owner_id, data) VALUES (?, ?)", [1, big])
    assert (await db.query("SELECT length(data) AS n FROM items")).first() == {"n": 1_900_000}
    for value in (b"\x01" * 2_000_001, "é" * 1_000_001):
        with raises(LimitExceeded):
            await db.query("INSERT INTO items (owner_id, data) VALUES (?, ?)", [1, value])


async def test_transaction_statements_are_refused(db: Database) -> None:
    for sql in ("BEGIN", "begin transaction", "COMMIT", "ROLLBACK", "SAVEPOINT s1"):
        with raises(QueryError):
            await db.query(sql)


async def test_bad_sql_is_a_query_error(db: Database) -> None:
    with raises(QueryError, match="syntax error"):
        await db.query("SELEC 1")
    with raises(QueryError, match="no such table"):
        await db.query("SELECT * FROM missing_table")


async def test_empty_results_and_first(db: Database) -> None:
    await _schema(db)
    result = await db.query("SELECT * FROM items WHERE id = ?", [12345])
    assert result.rows == []
    assert result.first() is None
