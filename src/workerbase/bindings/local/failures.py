"""Storage failures of the local adapters (a full disk, a locked or corrupt SQLite file) become
`BindingUnavailable`, as a failing Cloudflare binding does, so the API answers 503 in both runtimes."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from workerbase.errors import BindingUnavailable

P = ParamSpec("P")
T = TypeVar("T")


def storage_failures_are_unavailable(
    binding: str,
) -> Callable[[Callable[P, Coroutine[Any, Any, T]]], Callable[P, Coroutine[Any, Any, T]]]:
    def decorate(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
        @functools.wraps(method)
        async def translated(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await method(*args, **kwargs)
            except (sqlite3.Error, OSError) as exc:
                raise BindingUnavailable(binding, f"{type(exc).__name__}: {exc}") from exc

        return translated

    return decorate
