"""Assertion helpers for contract tests, and expectations several suites share.

Contract tests also run inside Pyodide, where pytest is not installed, so they use this instead of
`pytest.raises`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Raised:
    exception: BaseException | None = None


@contextmanager
def raises(expected: type[BaseException], match: str | None = None) -> Iterator[Raised]:
    """Assert the block raises `expected` (and that its message matches the regex `match`)."""
    raised = Raised()
    try:
        yield raised
    except expected as exc:
        raised.exception = exc
        if match is not None and not re.search(match, str(exc)):
            raise AssertionError(f"{type(exc).__name__}({exc!s}) does not match {match!r}") from exc
        return
    raise AssertionError(f"expected {expected.__name__} to be raised")


# Every kind of SQLite constraint violation, as (statement, ConstraintViolation.kind, message): the same
# on D1 and on a Durable Object's SQL, over the owners/items tables (owner 1 exists) both suites create.
CONSTRAINT_VIOLATIONS = [
    ("INSERT INTO owners (id, email) VALUES (2, 'a@example.com')", "unique", "UNIQUE constraint failed"),
    ("INSERT INTO owners (id, email) VALUES (1, 'b@example.com')", "primary_key", "UNIQUE constraint"),
    ("INSERT INTO owners (id, email) VALUES (3, NULL)", "not_null", "NOT NULL constraint failed"),
    ("INSERT INTO owners (id, email, score) VALUES (4, 'c@x', -1)", "check", "CHECK constraint failed"),
    # D1 and workerd both have foreign keys on (in every Durable Object's database too)
    ("INSERT INTO items (owner_id) VALUES (99)", "foreign_key", "FOREIGN KEY constraint failed"),
]
