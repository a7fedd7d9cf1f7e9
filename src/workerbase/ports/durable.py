"""Durable Object storage and WebSockets: what a Durable Object's logic (`workerbase.durable`) runs on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from workerbase.ports.database import Row, SqlParam

T = TypeVar("T")


class DurableStorage(Protocol):
    """A SQLite-backed Durable Object's own storage (`ctx.storage`): private to one object, strongly
    consistent, synchronous SQL like the Workers API (nothing can interleave with a statement), D1's SQL
    limits. Alarms: one per object; `alarm()` is called on the object when it is due."""

    def exec(self, sql: str, *params: SqlParam) -> list[Row]: ...

    def transaction(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: it cannot await) as one transaction: all its writes or none."""
        ...

    async def set_alarm(self, at: datetime) -> None: ...

    async def get_alarm(self) -> datetime | None: ...

    async def delete_alarm(self) -> None: ...


class RoomSocket(Protocol):
    """One accepted WebSocket of a Durable Object. `send` is synchronous, as in workerd."""

    def send(self, text: str) -> None: ...


class RoomSockets(Protocol):
    """A Durable Object's open WebSockets (on Workers `ctx.getWebSockets()`: they survive hibernation)."""

    def all(self) -> Sequence[RoomSocket]: ...
