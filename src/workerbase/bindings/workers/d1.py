"""D1 through the Workers JS FFI.

We unwrap the SDK's binding wrapper and convert results ourselves: the wrapper's deep conversion costs
~33 ms of CPU for 1,000 rows x 8 columns in Pyodide, against a few ms for one `to_py()` plus the two
fix-ups it needs (JS null -> None, BLOB as list of ints -> bytes). `bench/pyodide_d1_conversion.mjs`
measures all the options side by side; Workers bill CPU time, so this is the hot path that matters.
Arguments we convert ourselves too, which is where the FFI traps are:
* Python None would become JS `undefined`, which D1 rejects (D1_TYPE_ERROR): we pass `jsnull`;
* Pyodide turns large ints into BigInt, which D1 rejects: we pass ints as floats (exact up to 2^53, and
  D1 binds every JS number as REAL anyway, see `workerbase.bindings.local.d1`);
* bytes must be a typed array, not a PyProxy: `to_js(bytes)` makes a Uint8Array copy.
An INTEGER past 2^53 computed inside SQL reaches us as a rounded float and cannot be told from a REAL;
we refuse to bind such integers, and the local adapter raises when it reads one, so tests catch it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from pyodide.ffi import JsException, jsnull, to_js

from workerbase.bindings import d1_rules
from workerbase.errors import UnsupportedValue, WorkerbaseError
from workerbase.ports import QueryMeta, QueryResult, Row, SqlParam, Statement

# "Error: D1_ERROR: UNIQUE constraint failed: t.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)"
_D1_ERROR = re.compile(
    r"^(?:Error: )?(?P<kind>D1_\w+): (?P<message>.*?)"
    r"(?:: (?P<code>SQLITE_\w+)(?: \(extended: (?P<extended>\w+)\))?)?$",
    re.DOTALL,
)


class WorkersDatabase:
    def __init__(self, binding: Any) -> None:
        # `env.DB` is the SDK's `_BindingWrapper` (compatibility date >= 2026-04-21); `_binding` is the JS
        # D1Database inside it. A raw JS binding (older dates, tests) is used as is.
        self._d1 = getattr(binding, "_binding", binding)

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult:
        d1_rules.check_statement(sql, params)
        try:
            result = await self._prepare(sql, params).all()
        except JsException as exc:
            raise _translate(exc) from exc
        return _to_result(result)

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        for statement in statements:
            d1_rules.check_statement(statement.sql, statement.params)
        prepared = [self._prepare(statement.sql, statement.params) for statement in statements]
        try:
            results = await self._d1.batch(to_js(prepared))
        except JsException as exc:
            raise _translate(exc) from exc
        return [_to_result(result) for result in results]

    def _prepare(self, sql: str, params: Sequence[SqlParam]) -> Any:
        statement = self._d1.prepare(sql)
        return statement.bind(*map(_to_js_param, params)) if params else statement


def _to_js_param(value: SqlParam) -> Any:
    if value is None:
        return jsnull
    if isinstance(value, bytes):
        return to_js(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _to_result(result: Any) -> QueryResult:
    rows: list[dict[str, Any]] = result.results.to_py()
    for row in rows:
        for column, value in row.items():
            if value is jsnull:
                row[column] = None
            elif type(value) is list:
                row[column] = bytes(value)
    meta = result.meta
    return QueryResult(
        rows=cast(list[Row], rows),
        meta=QueryMeta(
            changes=meta.changes or 0,
            last_row_id=meta.last_row_id or 0,
            rows_read=meta.rows_read or 0,
            rows_written=meta.rows_written or 0,
        ),
    )


def _translate(exc: JsException) -> WorkerbaseError:
    match = _D1_ERROR.match(str(exc))
    if match is None:
        return d1_rules.error_from_sqlite("", str(exc))
    if match["kind"] == "D1_TYPE_ERROR":
        return UnsupportedValue(match["message"])
    code_name = match["extended"] or match["code"] or ""
    return d1_rules.error_from_sqlite(code_name, match["message"])
