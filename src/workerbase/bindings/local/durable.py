"""Durable Objects in-process: one instance per id, each with its own SQLite file, and alarms.

Like workerd: an id always reaches the same instance (created on first use); storage is a SQLite
database private to the object, with D1's SQL limits; statements are synchronous, so nothing interleaves
with them; an alarm calls the object's `alarm()` when due, also after a restart (`run_due_alarms`).
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from workerbase.bindings import d1_rules
from workerbase.bindings.local.d1 import bindable, readable, translate
from workerbase.logs import get_logger
from workerbase.ports import DurableStorage, Row, SqlParam

T = TypeVar("T")
# Our bookkeeping inside each object's database: its name (to wake it after a restart) and its alarm.
_META_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS _workerbase_object (singleton INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " alarm TEXT)"
)


class HasAlarm(Protocol):
    async def alarm(self) -> None: ...


DurableObjectT = TypeVar("DurableObjectT", bound=HasAlarm)


class SqliteDurableStorage:
    def __init__(self, path: Path, name: str, on_alarm_set: Callable[[datetime], None]) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")  # what a DO's write coalescing amounts to locally
        self._db.execute("PRAGMA foreign_keys = ON")  # as in a Durable Object's SQLite (and D1)
        self._db.execute(_META_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO _workerbase_object (singleton, name) VALUES (1, ?)", [name])
        self._on_alarm_set = on_alarm_set
        self._depth = 0

    def exec(self, sql: str, *params: SqlParam) -> list[Row]:
        """Numbers bind and read back as through the Workers API (JS numbers), as in the local D1."""
        d1_rules.check_statement(sql, params)
        try:
            cursor = self._db.execute(sql, [bindable(p) for p in params])
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, map(readable, row), strict=True)) for row in cursor.fetchall()]
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    def transaction(self, work: Callable[[], T]) -> T:
        """Like `transactionSync`: a savepoint, so a nested one that fails undoes only its own writes."""
        name = f"t{self._depth}"
        self._depth += 1
        self._db.execute(f"SAVEPOINT {name}")
        try:
            result = work()
        except BaseException:
            self._db.execute(f"ROLLBACK TO {name}")
            self._db.execute(f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        self._db.execute(f"RELEASE {name}")
        return result

    async def set_alarm(self, at: datetime) -> None:
        self._db.execute("UPDATE _workerbase_object SET alarm = ?", [_utc(at)])
        self._on_alarm_set(at)

    async def get_alarm(self) -> datetime | None:
        (alarm,) = self._db.execute("SELECT alarm FROM _workerbase_object").fetchone()
        return datetime.fromisoformat(alarm) if alarm else None

    async def delete_alarm(self) -> None:
        self._db.execute("UPDATE _workerbase_object SET alarm = NULL")

    def take_due_alarm(self, now: datetime) -> bool:
        """Clear the alarm if it is due (so `alarm()` runs once per setting) and say whether it was."""
        due = self._db.execute(
            "UPDATE _workerbase_object SET alarm = NULL WHERE alarm <= ? RETURNING 1", [_utc(now)]
        )
        return due.fetchone() is not None

    def close(self) -> None:
        self._db.close()


class LocalDurableNamespace(Generic[DurableObjectT]):
    """A Durable Object namespace (a class of objects): `get(name)` is the object named so."""

    def __init__(
        self,
        root: Path,
        build: Callable[[str, DurableStorage], DurableObjectT],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._root = root
        self._root.mkdir(parents=True, exist_ok=True)
        self._build = build
        self._now = now
        self._objects: dict[str, tuple[DurableObjectT, SqliteDurableStorage]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def get(self, name: str) -> DurableObjectT:
        if name not in self._objects:
            path = self._root / f"{hashlib.sha256(name.encode()).hexdigest()}.sqlite3"
            storage = SqliteDurableStorage(path, name, lambda at: self._schedule(name, at))
            self._objects[name] = (self._build(name, storage), storage)
        return self._objects[name][0]

    async def run_due_alarms(self) -> int:
        """Run the alarms that are due, also of objects not in memory (after a restart). Returns how many."""
        ran = 0
        for path in sorted(self._root.glob("*.sqlite3")):
            with sqlite3.connect(path) as peek:
                row = peek.execute("SELECT name FROM _workerbase_object").fetchone()
            if row is not None:
                ran += await self._run_alarm_if_due(row[0])
        return ran

    async def _run_alarm_if_due(self, name: str) -> bool:
        obj = self.get(name)
        if not self._objects[name][1].take_due_alarm(self._now()):
            return False
        try:
            await obj.alarm()
        except Exception:
            get_logger().exception("Durable Object alarm failed", extra={"fields": {"object": name}})
        return True

    def _schedule(self, name: str, at: datetime) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a test driving storage directly): `run_due_alarms` runs it
        delay = max((at - self._now()).total_seconds(), 0.0)
        if name in self._timers:
            self._timers[name].cancel()
        # Only this object's alarm: the sweep over every object on disk is for start-up.
        self._timers[name] = loop.call_later(
            delay, lambda: asyncio.ensure_future(self._run_alarm_if_due(name))
        )

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        for _obj, storage in self._objects.values():
            storage.close()


def _utc(moment: datetime) -> str:
    """One spelling, so alarm times compare as text; whole milliseconds, as workerd keeps them."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")
