"""D1's limits and error classification, shared by the local and the Workers database adapters.

Both adapters check every statement here before running it, so a statement over a D1 limit fails the
same way in both runtimes (Miniflare enforces some limits, production all of them, local SQLite none
unless told). Both classify SQLite failures by SQLite's error-code name: `sqlite3` exposes it as
`sqlite_errorname`, D1 appends it to its messages (`... : SQLITE_CONSTRAINT (extended:
SQLITE_CONSTRAINT_UNIQUE)`).

Limits: https://developers.cloudflare.com/d1/platform/limits/
"""

from __future__ import annotations

from collections.abc import Sequence

from workerbase.errors import (
    BindingUnavailable,
    ConstraintViolation,
    LimitExceeded,
    QueryError,
    UnsupportedValue,
    WorkerbaseError,
)

BINDING = "D1"
MAX_BOUND_PARAMETERS = 100
MAX_STATEMENT_BYTES = 100_000
MAX_VALUE_BYTES = 2_000_000  # one string or BLOB (D1 also caps a whole row at this)
MAX_COLUMNS = 100
QUERY_TIMEOUT_SECONDS = 30
# Values cross the JS FFI as JS numbers: integers beyond this are BigInt, which D1 refuses, or lose
# precision silently. We refuse them before they reach D1.
MAX_SAFE_INTEGER = 2**53 - 1

# D1 manages transactions itself (`batch()` is atomic); a statement that opens or ends one breaks that.
_TRANSACTION_KEYWORDS = ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE")

_CONSTRAINT_KINDS = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "primary_key",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
}


def check_statement(sql: str, params: Sequence[object]) -> None:
    """Refuse what D1 would refuse (or silently corrupt), with our exception types."""
    if len(sql.encode()) > MAX_STATEMENT_BYTES:
        raise LimitExceeded(
            BINDING, "statement_bytes", f"SQL statement longer than {MAX_STATEMENT_BYTES} bytes"
        )
    if len(params) > MAX_BOUND_PARAMETERS:
        raise LimitExceeded(
            BINDING,
            "bound_parameters",
            f"{len(params)} bound parameters; D1 allows at most {MAX_BOUND_PARAMETERS} per statement",
        )
    first_word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if first_word in _TRANSACTION_KEYWORDS:
        raise QueryError(f"{first_word} is not supported by D1; use batch() for atomic writes")
    for position, value in enumerate(params, start=1):
        check_value(position, value)


def check_value(position: int, value: object) -> None:
    if value is None or isinstance(value, bool | float):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise UnsupportedValue(
                f"parameter {position}: integer {value} is outside +-(2^53 - 1); D1 cannot store it exactly"
            )
        return
    if isinstance(value, str | bytes):
        size = len(value.encode()) if isinstance(value, str) else len(value)
        if size > MAX_VALUE_BYTES:
            raise LimitExceeded(
                BINDING, "value_bytes", f"parameter {position} is {size} bytes; D1 allows {MAX_VALUE_BYTES}"
            )
        return
    raise UnsupportedValue(
        f"parameter {position}: {type(value).__name__} cannot be bound"
        " (use None, bool, int, float, str or bytes)"
    )


def error_from_sqlite(code_name: str, message: str) -> WorkerbaseError:
    """Classify a failure by its SQLite error-code name (extended code if there is one)."""
    if code_name.startswith("SQLITE_CONSTRAINT"):
        return ConstraintViolation(_CONSTRAINT_KINDS.get(code_name, "unknown"), message)
    if code_name == "SQLITE_TOOBIG" or "too many SQL variables" in message:
        return LimitExceeded(BINDING, "statement", message)
    if code_name == "SQLITE_INTERRUPT":
        return LimitExceeded(BINDING, "query_duration", f"query ran longer than {QUERY_TIMEOUT_SECONDS} s")
    if code_name in ("SQLITE_ERROR", "SQLITE_MISMATCH", "SQLITE_RANGE"):
        return QueryError(message)
    return BindingUnavailable(BINDING, message)
