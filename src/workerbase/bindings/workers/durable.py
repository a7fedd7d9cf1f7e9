"""A SQLite-backed Durable Object's storage (`ctx.storage`) through the Workers JS FFI.

We unwrap the SDK's wrapper (`DurableObjectContext` wraps `DurableObjectStorage` in a `_BindingWrapper`)
and convert ourselves, as `bindings/workers/d1.py` does for D1:
* rows: one `to_py()` of `cursor.toArray()` plus two fix-ups (JS null arrives as `jsnull`, a BLOB as a
  memoryview over an ArrayBuffer), instead of the wrapper's per-row JsDicts;
* arguments: None -> `jsnull`; ints -> floats (Pyodide makes large ints BigInt, which `sql.exec` refuses
  with a TypeError; workerd binds every JS number as REAL anyway, like D1); bool -> 1.0 (workerd would
  store JS `true` as the TEXT 'true'); bytes -> a Uint8Array copy;
* `transactionSync`: the wrapper would wrap our callable in a proxy that is never freed (one leak per
  transaction); we free it ourselves.
Statements are checked against D1's limits first (`d1_rules`, the same check as the local adapter), and
workerd's errors ("UNIQUE constraint failed: t.a: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)")
are classified like D1's. An INTEGER past 2^53 computed inside SQL arrives as a rounded float, as with D1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from pyodide.ffi import JsException, create_proxy, jsnull, to_js

from workerbase.bindings import d1_rules
from workerbase.errors import BindingUnavailable, QueryError, UnsupportedValue, WorkerbaseError
from workerbase.ports import Row, SqlParam

T = TypeVar("T")
BINDING = "Durable Object storage"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# "Error: <message>: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)"; workerd's own checks carry no
# code ("Wrong number of parameter bindings for SQL query.", the BEGIN/SAVEPOINT refusal).
_SQLITE_ERROR = re.compile(
    r"^(?:\w*Error: )?(?P<message>.*?)(?:: (?P<code>SQLITE_\w+)(?: \(extended: (?P<extended>\w+)\))?)?$",
    re.DOTALL,
)


class WorkersDurableStorage:
    def __init__(self, storage: Any) -> None:
        self._storage = getattr(storage, "_binding", storage)  # a raw JS storage (tests) is used as is
        self._sql = self._storage.sql

    def exec(self, sql: str, *params: SqlParam) -> list[Row]:
        d1_rules.check_statement(sql, params)
        try:
            # toArray() reads the cursor to the end at once: an unfinished cursor keeps SQLite busy.
            rows = self._sql.exec(sql, *map(_to_js_param, params)).toArray()
        except JsException as exc:
            raise _translate(exc) from exc
        return _to_rows(rows)

    def transaction(self, work: Callable[[], T]) -> T:
        """workerd runs `work` inside a SAVEPOINT: nested calls nest, so an inner failure that `work`
        catches undoes only the inner writes."""
        results: list[T] = []
        failures: list[BaseException] = []

        def run() -> None:
            try:
                results.append(work())
            except BaseException as exc:
                failures.append(exc)
                raise  # into JS: transactionSync rolls back and rethrows

        callback = create_proxy(run)
        try:
            self._storage.transactionSync(callback)
        except JsException as exc:
            if not failures:  # the commit itself failed
                raise _translate(exc) from exc
        except BaseException:
            if not failures:
                raise
        finally:
            callback.destroy()
        if failures:
            raise failures[0]  # what `work` raised, not the JS error that carried it through workerd
        return results[0]

    async def set_alarm(self, at: datetime) -> None:
        # Whole milliseconds: workerd keeps no more (it floors a fractional time).
        milliseconds = (at.astimezone(UTC) - _EPOCH) // _MILLISECOND
        await self._alarm_call(lambda: self._storage.setAlarm(float(milliseconds)))

    async def get_alarm(self) -> datetime | None:
        milliseconds = await self._alarm_call(self._storage.getAlarm)
        if milliseconds is None or milliseconds is jsnull:
            return None
        return _EPOCH + timedelta(milliseconds=int(milliseconds))

    async def delete_alarm(self) -> None:
        await self._alarm_call(self._storage.deleteAlarm)

    async def _alarm_call(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except JsException as exc:
            raise BindingUnavailable(BINDING, str(exc)) from exc


def _to_js_param(value: SqlParam) -> Any:
    if value is None:
        return jsnull
    if isinstance(value, bytes):
        return to_js(value)
    if isinstance(value, int):  # bool too: 1.0/0.0
        return float(value)
    return value


def _to_rows(rows: Any) -> list[Row]:
    converted: list[dict[str, Any]] = rows.to_py()
    for row in converted:
        for column, value in row.items():
            if value is jsnull:
                row[column] = None
            elif type(value) is memoryview:
                row[column] = value.tobytes()
    return cast(list[Row], converted)


def _translate(exc: JsException) -> WorkerbaseError:
    match = _SQLITE_ERROR.match(str(exc))
    message = match["message"] if match else str(exc)
    code_name = (match and (match["extended"] or match["code"])) or ""
    if code_name == "SQLITE_AUTH":  # e.g. workerd's own `_cf_` tables, ATTACH: the statement's fault
        return QueryError(message)
    if code_name:
        return d1_rules.error_from_sqlite(code_name, message)
    if getattr(exc, "name", "") == "TypeError":  # a value workerd cannot bind
        return UnsupportedValue(message)
    if "parameter bindings" in message or "To execute a transaction" in message:
        return QueryError(message)
    return BindingUnavailable(BINDING, message)
