"""Local-only KV behaviour: expiry needs a clock we control (no sleeping in tests); persistence; and
how the Workers adapter classifies workerd's refusals (pure string work, so it is tested here)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workerbase.bindings import kv_limits
from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.errors import BindingUnavailable, InvalidArgument, LimitExceeded


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


async def test_reading_an_expired_key_purges_it(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=clock)
    await kv.put("ttl", b"v", expiration_ttl=60)
    clock.now += 60
    assert await kv.get("ttl") is None
    kv.close()
    with sqlite3.connect(tmp_path / "kv.sqlite3") as raw:
        assert raw.execute("SELECT count(*) FROM kv").fetchone() == (0,)


async def test_expired_keys_never_fill_a_page(tmp_path: Path) -> None:
    clock = FakeClock(1_000_000.0)
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=clock)
    for name in ("a", "b", "c", "d"):
        await kv.put(name, b"v", expiration_ttl=60 if name in "ac" else None)
    clock.now += 60
    page = await kv.list(limit=2)
    assert ([key.name for key in page.keys], page.list_complete) == (["b", "d"], True)


async def test_expiration_is_counted_in_whole_seconds_like_kv(tmp_path: Path) -> None:
    # Miniflare floors the current time to seconds before the ">= 60 s in the future" check.
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3", clock=FakeClock(1_000_000.9))
    await kv.put("exactly 60", b"v", expiration=1_000_060)
    await kv.put("ttl", b"v", expiration_ttl=60)
    with pytest.raises(InvalidArgument, match="at least 60"):
        await kv.put("59", b"v", expiration=1_000_059)
    assert [(key.name, key.expiration) for key in (await kv.list()).keys] == [
        ("exactly 60", 1_000_060),
        ("ttl", 1_000_060),
    ]


async def test_a_cursor_from_another_prefix_stays_within_the_prefix(tmp_path: Path) -> None:
    kv = SqliteKeyValue(tmp_path / "kv.sqlite3")
    for name in ("a1", "a2", "b1", "b2"):
        await kv.put(name, b"v")
    first_a = await kv.list(prefix="a", limit=1)
    assert first_a.cursor is not None
    page = await kv.list(prefix="b", cursor=first_a.cursor)
    assert [key.name for key in page.keys] == ["b1", "b2"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Error: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.", LimitExceeded),
        (
            "Error: KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
            LimitExceeded,
        ),
        (
            "Error: KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.",
            InvalidArgument,
        ),
        ('TypeError: "." is not allowed as a key name.', InvalidArgument),
        ("Error: KV PUT failed: 429 Too Many Requests", BindingUnavailable),
        ("Error: Network connection lost.", BindingUnavailable),
    ],
)
def test_workerd_refusals_map_to_our_exceptions(message: str, expected: type[Exception]) -> None:
    # Messages as workerd / Miniflare word them (seen through pyodide.ffi.JsException).
    error = kv_limits.error_from_kv(message)
    assert type(error) is expected
    assert message in str(error)
