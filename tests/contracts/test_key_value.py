"""Key-value port contract (Workers KV). Runs against local SQLite (pytest) and Miniflare's KV in
Pyodide (tests/pyodide) through the Workers adapter: both must pass every test."""

from __future__ import annotations

import time

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded, UnsupportedValue
from workerbase.ports import KeyValue


async def test_missing_key_is_none(kv: KeyValue) -> None:
    assert await kv.get("missing") is None
    assert await kv.get_with_metadata("missing") is None


async def test_text_and_binary_values_round_trip(kv: KeyValue) -> None:
    await kv.put("text", "héllo 🌍")
    await kv.put("binary", bytes(range(256)))  # every byte, so also sequences that are not UTF-8
    await kv.put("empty", b"")
    assert await kv.get("text") == "héllo 🌍".encode()
    binary = await kv.get("binary")
    assert type(binary) is bytes
    assert binary == bytes(range(256))
    assert await kv.get("empty") == b""
    entry = await kv.get_with_metadata("binary")
    assert entry is not None
    assert (type(entry.value), entry.value, entry.metadata) == (bytes, bytes(range(256)), None)


async def test_unicode_keys(kv: KeyValue) -> None:
    await kv.put("ключ/日本/🔑", b"v")
    assert await kv.get("ключ/日本/🔑") == b"v"
    assert [key.name for key in (await kv.list()).keys] == ["ключ/日本/🔑"]
    with raises(InvalidArgument, match="surrogate"):
        await kv.put("lone \ud800 surrogate", b"v")  # workerd would store U+FFFD instead


async def test_put_overwrites_and_delete_removes(kv: KeyValue) -> None:
    await kv.put("k", b"one", metadata={"v": 1})
    await kv.put("k", b"two")
    assert await kv.get_with_metadata("k") is not None
    entry = await kv.get_with_metadata("k")
    assert entry is not None
    assert (entry.value, entry.metadata) == (b"two", None)
    await kv.put("k", b"three", expiration_ttl=3600)
    await kv.put("k", b"four")  # a put replaces the expiration too
    assert [(key.name, key.expiration) for key in (await kv.list()).keys] == [("k", None)]
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


async def test_metadata_comes_back_as_kv_json(kv: KeyValue) -> None:
    # KV stores JSON.stringify(metadata): tuples come back as lists, keys as strings, 1.0 as 1.
    await kv.put("k", b"v", metadata={"pair": (1, 2), 7: "seven", "whole": 1.0, "half": 0.5})
    entry = await kv.get_with_metadata("k")
    assert entry is not None
    assert entry.metadata == {"pair": [1, 2], "7": "seven", "whole": 1, "half": 0.5}
    assert type(entry.metadata["whole"]) is int
    for scalar_or_list in ("just text", 42, [1, "a", None], False):
        await kv.put("k", b"v", metadata=scalar_or_list)
        entry = await kv.get_with_metadata("k")
        assert entry is not None
        assert entry.metadata == scalar_or_list


async def test_metadata_kv_cannot_hold_is_refused(kv: KeyValue) -> None:
    with raises(UnsupportedValue, match="2\\^53"):
        await kv.put("k", b"v", metadata={"id": 2**53})  # a BigInt in JS, which JSON.stringify refuses
    with raises(InvalidArgument, match="JSON"):
        await kv.put("k", b"v", metadata={"when": object()})
    with raises(InvalidArgument, match="JSON"):
        await kv.put("k", b"v", metadata={"ratio": float("nan")})
    assert await kv.get("k") is None


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
    with raises(InvalidArgument, match="in the past"):
        await kv.put("k", b"v", expiration=int(time.time()) - 3600)
    with raises(InvalidArgument, match="not both"):
        await kv.put("k", b"v", expiration_ttl=60, expiration=int(time.time()) + 3600)
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


async def test_list_orders_by_utf8_bytes_not_utf16(kv: KeyValue) -> None:
    # JS compares strings by UTF-16 code units, where "😀" (a surrogate pair) sorts before U+E000;
    # KV sorts by UTF-8 bytes, where it sorts after U+FFFF.
    for name in ("😀", "\uffff", "\ue000", "é", "z"):
        await kv.put(name, b"v")
    assert [key.name for key in (await kv.list()).keys] == ["z", "é", "\ue000", "\uffff", "😀"]


async def test_prefixes_ending_in_awkward_code_points(kv: KeyValue) -> None:
    # Keys just inside and just outside each prefix, around the surrogate gap and U+10FFFF.
    for name in ("p\ud7ff", "p\ud7ffx", "p\ue000", "p\U0010ffff", "p\U0010ffffz", "q", "o\U0010ffff"):
        await kv.put(name, b"v")
    assert [key.name for key in (await kv.list(prefix="p\ud7ff")).keys] == ["p\ud7ff", "p\ud7ffx"]
    assert [key.name for key in (await kv.list(prefix="p\U0010ffff")).keys] == [
        "p\U0010ffff",
        "p\U0010ffffz",
    ]
    assert [key.name for key in (await kv.list(prefix="\U0010ffff")).keys] == []
    assert len((await kv.list(prefix="p")).keys) == 5


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


async def test_key_limits(kv: KeyValue) -> None:
    await kv.put("k" * 512, b"v")
    await kv.put("é" * 256, b"v")  # 512 bytes of UTF-8: the limit counts bytes, not characters
    assert await kv.get("é" * 256) == b"v"
    with raises(LimitExceeded, match="512"):
        await kv.put("k" * 513, b"v")
    with raises(LimitExceeded, match="512"):
        await kv.get("é" * 257)
    with raises(LimitExceeded, match="512"):
        await kv.delete("é" * 257)
    with raises(LimitExceeded, match="prefix.*512"):
        await kv.list(prefix="p" * 513)
    for bad_key in ("", ".", ".."):
        with raises(InvalidArgument, match="not allowed"):
            await kv.put(bad_key, b"v")
        with raises(InvalidArgument, match="not allowed"):
            await kv.get(bad_key)


async def test_metadata_limit_counts_serialised_utf8_bytes(kv: KeyValue) -> None:
    # {"b":"..."} is 8 bytes of JSON around the string; é is 2 bytes of UTF-8.
    await kv.put("ascii", b"v", metadata={"b": "x" * 1016})
    await kv.put("accented", b"v", metadata={"b": "é" * 508})
    assert [key.name for key in (await kv.list()).keys] == ["accented", "ascii"]
    with raises(LimitExceeded, match="1025 bytes.*1024"):
        await kv.put("k", b"v", metadata={"b": "x" * 1017})
    with raises(LimitExceeded, match="1024"):
        await kv.put("k", b"v", metadata={"b": "é" * 508 + "x"})


async def test_list_limit_is_1_to_1000(kv: KeyValue) -> None:
    await kv.put("k", b"v")
    assert len((await kv.list(limit=1)).keys) == 1
    assert len((await kv.list(limit=1000)).keys) == 1
    with raises(InvalidArgument, match="1..1000"):
        await kv.list(limit=0)
    with raises(InvalidArgument, match="1..1000"):
        await kv.list(limit=1001)


async def test_values_up_to_25_mib(kv: KeyValue) -> None:
    big = b"\xab" * (25 * 1024 * 1024)
    await kv.put("big", big)
    assert await kv.get("big") == big
    with raises(LimitExceeded, match="value"):
        await kv.put("bigger", big + b"!")
