"""Local-only KV behaviour: expiry needs a clock we control (no sleeping in tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.errors import InvalidArgument


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_keys_expire_at_their_expiration(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=clock)
    await kv.put("ttl", b"v", expiration_ttl=60)
    await kv.put("forever", b"v")
    clock.now += 59
    assert await kv.get("ttl") == b"v"
    clock.now += 1
    assert await kv.get("ttl") is None
    assert await kv.get_with_metadata("ttl") is None
    assert [key.name for key in (await kv.list()).keys] == ["forever"]


async def test_expired_keys_are_purged_when_listing(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=clock)
    await kv.put("ttl", b"v", expiration_ttl=60)
    clock.now += 120
    await kv.list()
    kv.close()
    reopened = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=FakeClock(0))  # a clock before the expiry
    assert await reopened.get("ttl") is None


async def test_values_persist_across_reopen(tmp_path: Path) -> None:
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3")
    await kv.put("k", b"v", metadata={"m": 1})
    kv.close()
    entry = await SqliteKeyValue(tmp_path / "kv.sqlite3").get_with_metadata("k")
    assert entry is not None
    assert (entry.value, entry.metadata) == (b"v", {"m": 1})


async def test_a_garbled_cursor_is_an_invalid_argument(tmp_path: Path) -> None:
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3")
    with pytest.raises(InvalidArgument, match="cursor"):
        await kv.list(cursor="%%%")
