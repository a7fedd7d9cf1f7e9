"""Durable Object storage port contract (a SQLite-backed object's `ctx.storage`). Runs against the local
SQLite storage (pytest) and, in Pyodide (tests/pyodide), against a Durable Object that Miniflare runs in
workerd, through the Workers adapter: both must pass every test. (How transactions reach workerd from
Pyodide: tests/pyodide/durable_object_shim.mjs.)"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

from tests.contracts.expect import CONSTRAINT_VIOLATIONS, raises
from workerbase.errors import ConstraintViolation, LimitExceeded, QueryError, UnsupportedValue
from workerbase.ports import DurableStorage, Row

SCHEMA = (
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, score REAL CHECK (score >= 0))",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id), label TEXT,"
    " amount INTEGER, ratio REAL, data BLOB, flag INTEGER)",
)


class Boom(Exception):
    pass


def _schema(storage: DurableStorage) -> None:
    for statement in SCHEMA:
        storage.exec(statement)
    storage.exec("INSERT INTO owners (id, email, score) VALUES (?, ?, ?)", 1, "a@example.com", 1.5)


def _labels(storage: DurableStorage) -> list[object]:
    return [row["label"] for row in storage.exec("SELECT label FROM items ORDER BY id")]


async def test_exec_returns_rows_as_plain_dicts(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)
    assert durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'x')") == []
    inserted = durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (?, ?) RETURNING id", 1, "y")
    assert inserted == [{"id": 2}]
    rows = durable_storage.exec("SELECT id, label FROM items ORDER BY id")
    assert rows == [{"id": 1, "label": "x"}, {"id": 2, "label": "y"}]
    assert all(type(row) is dict for row in rows)


async def test_every_sqlite_type_round_trips(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)
    blob, text = bytes(range(256)), "héllo — 日本語 — 🚀"
    durable_storage.exec(
        "INSERT INTO items (owner_id, label, amount, ratio, data, flag) VALUES (?, ?, ?, ?, ?, ?)",
        1, text, 42, 0.25, blob, True,
    )  # fmt: skip
    (row,) = durable_storage.exec("SELECT label, amount, ratio, data, flag FROM items")
    assert row == {"label": text, "amount": 42, "ratio": 0.25, "data": blob, "flag": 1}
    assert [type(value) for value in row.values()] == [str, int, float, bytes, int]
    (types,) = durable_storage.exec("SELECT typeof(amount) a, typeof(data) d, typeof(flag) f FROM items")
    assert types == {"a": "integer", "d": "blob", "f": "integer"}  # a bool is stored as a number


async def test_null_and_empty_values(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)
    durable_storage.exec("INSERT INTO items (owner_id, label, data) VALUES (?, ?, ?)", None, None, None)
    durable_storage.exec("INSERT INTO items (owner_id, label, data) VALUES (?, ?, ?)", 1, "", b"")
    rows = durable_storage.exec("SELECT owner_id, label, data, ? AS bound FROM items ORDER BY id", None)
    assert rows == [
        {"owner_id": None, "label": None, "data": None, "bound": None},
        {"owner_id": 1, "label": "", "data": b"", "bound": None},
    ]


async def test_numbers_bind_as_real_and_integral_ones_read_back_as_int(
    durable_storage: DurableStorage,
) -> None:
    # As with D1, every JS number binds as REAL; workerd would store a JS `true` as the TEXT 'true', so
    # bools go as numbers.
    (row,) = durable_storage.exec("SELECT typeof(?) t, ? || '' s, ? || '' b, ? n", 5, 5, True, 7)
    assert row == {"t": "real", "s": "5.0", "b": "1.0", "n": 7}
    (row,) = durable_storage.exec("SELECT 1.0 whole, 1.5 half, 1e300 huge")
    assert (row, type(row["whole"])) == ({"whole": 1, "half": 1.5, "huge": 1e300}, int)


async def test_integers_past_2_53_are_refused(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)
    for value in (2**53 - 1, -(2**53 - 1)):
        durable_storage.exec("DELETE FROM items")
        durable_storage.exec("INSERT INTO items (owner_id, amount) VALUES (1, ?)", value)
        assert durable_storage.exec("SELECT amount, typeof(amount) t FROM items") == [
            {"amount": value, "t": "integer"}
        ]
    for value in (2**53, -(2**53), 2**63 - 1):
        with raises(UnsupportedValue, match="2\\^53"):
            durable_storage.exec("INSERT INTO items (owner_id, amount) VALUES (1, ?)", value)


async def test_values_of_unsupported_types_are_refused(durable_storage: DurableStorage) -> None:
    for value in ((1, 2), [1], {"a": 1}, bytearray(b"x")):
        with raises(UnsupportedValue):
            durable_storage.exec("SELECT ?", value)  # type: ignore[arg-type]


async def test_constraint_violations_are_one_exception_type_with_a_kind(
    durable_storage: DurableStorage,
) -> None:
    _schema(durable_storage)
    for sql, kind, message in CONSTRAINT_VIOLATIONS:
        with raises(ConstraintViolation, match=message) as raised:
            durable_storage.exec(sql)
        assert isinstance(raised.exception, ConstraintViolation)
        assert raised.exception.kind == kind, sql
    assert durable_storage.exec("SELECT count(*) n FROM owners") == [{"n": 1}]


async def test_bad_sql_and_transaction_statements_are_query_errors(durable_storage: DurableStorage) -> None:
    for sql in ("SELEC 1", "SELECT * FROM missing", "BEGIN", "SAVEPOINT s", "COMMIT"):
        with raises(QueryError):
            durable_storage.exec(sql)
    with raises(QueryError):
        durable_storage.exec("SELECT ?, ?", 1)  # too few parameters


async def test_d1_size_limits_apply(durable_storage: DurableStorage) -> None:
    with raises(LimitExceeded):
        durable_storage.exec("SELECT length(?) n", "x" * 2_000_001)
    with raises(LimitExceeded):
        durable_storage.exec("SELECT " + ", ".join("?" * 101), *range(101))


async def test_transaction_commits_and_returns_what_work_returns(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)

    def work() -> list[Row]:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'a')")
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'b')")
        return durable_storage.exec("SELECT count(*) n FROM items")

    assert durable_storage.transaction(work) == [{"n": 2}]  # reads inside see the transaction's writes
    assert _labels(durable_storage) == ["a", "b"]


async def test_transaction_rolls_back_and_reraises_on_exception(durable_storage: DurableStorage) -> None:
    _schema(durable_storage)

    def fails() -> None:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'gone')")
        durable_storage.exec("CREATE TABLE created_then_undone (x)")
        raise Boom("work failed")

    with raises(Boom, match="work failed"):
        durable_storage.transaction(fails)
    assert _labels(durable_storage) == []
    with raises(QueryError, match="no such table"):
        durable_storage.exec("SELECT * FROM created_then_undone")

    def violates() -> None:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'gone too')")
        durable_storage.exec("INSERT INTO owners (id, email) VALUES (2, 'a@example.com')")

    with raises(ConstraintViolation, match="UNIQUE"):
        durable_storage.transaction(violates)
    assert _labels(durable_storage) == []
    durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'after')")  # storage still usable
    assert _labels(durable_storage) == ["after"]


async def test_a_failed_statement_caught_inside_a_transaction_changes_nothing(
    durable_storage: DurableStorage,
) -> None:
    _schema(durable_storage)

    def work() -> None:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'kept')")
        with contextlib.suppress(ConstraintViolation):
            durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (99, 'orphan')")

    durable_storage.transaction(work)
    assert _labels(durable_storage) == ["kept"]


async def test_nested_transactions_are_savepoints(durable_storage: DurableStorage) -> None:
    # workerd's transactionSync is a SAVEPOINT: a failing inner transaction undoes only its own writes,
    # and an outer failure undoes everything, the inner transaction's writes too.
    _schema(durable_storage)

    def inner_fails() -> None:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'inner')")
        raise Boom("inner")

    def outer_survives() -> str:
        durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'outer')")
        with contextlib.suppress(Boom):
            durable_storage.transaction(inner_fails)
        durable_storage.transaction(
            lambda: durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'second')")
        )
        return "done"

    assert durable_storage.transaction(outer_survives) == "done"
    assert _labels(durable_storage) == ["outer", "second"]

    def outer_fails() -> None:
        durable_storage.transaction(
            lambda: durable_storage.exec("INSERT INTO items (owner_id, label) VALUES (1, 'nested')")
        )
        raise Boom("outer")

    with raises(Boom):
        durable_storage.transaction(outer_fails)
    assert _labels(durable_storage) == ["outer", "second"]


async def test_alarm_set_get_delete(durable_storage: DurableStorage) -> None:
    assert await durable_storage.get_alarm() is None
    at = datetime(2031, 2, 3, 4, 5, 6, 789_000, tzinfo=UTC)
    await durable_storage.set_alarm(at)
    alarm = await durable_storage.get_alarm()
    assert alarm == at
    assert alarm is not None
    assert alarm.utcoffset() == timedelta(0)
    # Another time zone is the same instant; only whole milliseconds are kept (workerd floors the rest).
    await durable_storage.set_alarm(
        datetime(2031, 2, 3, 6, 5, 6, 789_999, tzinfo=timezone(timedelta(hours=2)))
    )
    assert await durable_storage.get_alarm() == at
    await durable_storage.delete_alarm()
    assert await durable_storage.get_alarm() is None
    await durable_storage.delete_alarm()  # deleting no alarm is not an error
