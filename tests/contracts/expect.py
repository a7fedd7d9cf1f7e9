"""Assertion helpers for contract tests.

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
