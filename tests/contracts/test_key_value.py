"""Key-value port contract (Workers KV). Runs against local SQLite (pytest) and Miniflare's KV in
Pyodide (tests/pyodide) through the Workers adapter: both must pass every test."""

from __future__ import annotations

import time

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import KeyValue


async def test_missing_key_is_none(kv: KeyValue) -> None:
    assert await kv.get("missing") is None
    assert await kv.get_with_metadata("missing") is None


async def test_text_and_binary_values_round_trip(kv: KeyValue) -> None:
    await kv.put("text", "héllo 🌍")
    await kv.put("binary", bytes(range(256)))
    await kv.put("empty", b"")
    assert await kv.get("text") == "héllo 🌍".encode()
    assert await kv.get("binary") == bytes(range(256))
    assert await kv.get("empty") == b""


async def test_unicode_keys(kv: KeyValue) -> None:
    await kv.put("ключ/日本/🔑", b"v")
    assert await kv.get("ключ/日本/🔑") == b"v"
    assert [key.name for key in (await kv.list()).keys] == ["ключ/日本/🔑"]


async def test_put_overwrites_and_delete_removes(kv: KeyValue) -> None:
    await kv.put("k", b"one", metadata={"v": 1})
    await kv.put("k", b"two")
    assert await kv.get_with_metadata("k") is not None
    entry = await kv.get_with_metadata("k")
    assert entry is not None
    assert (entry.value, entry.metadata) == (b"two", None)
    await kv.delete("k")
    assert await kv.get("k") is None
    await kv.delete("k")  # deleting a missing key is not an error


async def test_metadata_round_trips(kv: KeyValue) -> None:
    metadata = {"owner": "u1", "tags": ["a", "b"], "nested": {"n": 1.5, "ok": True, "none": None}}
    await kv.put("k", b"v", metadata=metadata)
    entry = await kv.get_with_metadata("k")
    assert entry is not None
    assert entry.value == b"v"
    assert entry.metadata == metadata
    assert (await kv.list()).keys[0].metadata == metadata


async def test_expiration_ttl_sets_an_absolute_expiration(kv: KeyValue) -> None:
    before = int(time.time())
    await kv.put("short", b"v", expiration_ttl=60)
    await kv.put("later", b"v", expiration=before + 3600)
    await kv.put("forever", b"v")
    assert await kv.get("short") == b"v"
    expirations = {key.name: key.expiration for key in (await kv.list()).keys}
    assert expirations["short"] is not None
    assert before + 60 <= expirations["short"] <= int(time.time()) + 61
    assert expirations["later"] == before + 3600
    assert expirations["forever"] is None


async def test_expirations_under_60_seconds_are_refused(kv: KeyValue) -> None:
    with raises(InvalidArgument, match="at least 60"):
        await kv.put("k", b"v", expiration_ttl=59)
    with raises(InvalidArgument, match="at least 60"):
        await kv.put("k", b"v", expiration=int(time.time()) + 10)
    assert await kv.get("k") is None


async def test_list_is_sorted_and_filters_by_prefix(kv: KeyValue) -> None:
    for name in ("b", "a/2", "a/1", "a/10", "ab", "A"):
        await kv.put(name, b"v")
    assert [key.name for key in (await kv.list()).keys] == ["A", "a/1", "a/10", "a/2", "ab", "b"]
    page = await kv.list(prefix="a/")
    assert [key.name for key in page.keys] == ["a/1", "a/10", "a/2"]
    assert page.list_complete
    assert page.cursor is None
    assert (await kv.list(prefix="zzz")).keys == []


async def test_list_pages_visit_every_key_exactly_once(kv: KeyValue) -> None:
    names = [f"user:{i:03d}" for i in range(23)]
    for name in names:
        await kv.put(name, b"v")
    await kv.put("other", b"v")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await kv.list(prefix="user:", limit=5, cursor=cursor)
        pages += 1
        seen.extend(key.name for key in page.keys)
        if page.list_complete:
            assert page.cursor is None
            break
        assert page.cursor
        cursor = page.cursor
    assert seen == names
    assert pages == 5


async def test_limits_are_enforced(kv: KeyValue) -> None:
    await kv.put("k" * 512, b"v")
    with raises(LimitExceeded, match="512"):
        await kv.put("k" * 513, b"v")
    with raises(LimitExceeded, match="512"):
        await kv.get("é" * 257)
    with raises(LimitExceeded, match="1024"):
        await kv.put("k", b"v", metadata={"blob": "x" * 1024})
    for bad_key in ("", ".", ".."):
        with raises(InvalidArgument):
            await kv.put(bad_key, b"v")
    with raises(InvalidArgument):
        await kv.list(limit=0)
    with raises(InvalidArgument):
        await kv.list(limit=1001)


async def test_values_up_to_25_mib(kv: KeyValue) -> None:
    big = b"\xab" * (25 * 1024 * 1024)
    await kv.put("big", big)
    assert await kv.get("big") == big
    with raises(LimitExceeded, match="value"):
        await kv.put("bigger", big + b"!")
