"""Object-store port contract (R2). Runs against the local filesystem store (pytest) and Miniflare's R2
in Pyodide (tests/pyodide) through the Workers adapter: both must pass every test."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import ByteRange, Conditions, HttpMetadata, ObjectStore, PreconditionFailed

DATA = b"0123456789abcdefghij"


async def test_put_get_head_delete(store: ObjectStore) -> None:
    put = await store.put("docs/a.txt", DATA)
    assert put is not None
    assert (put.key, put.size, put.etag) == ("docs/a.txt", 20, hashlib.md5(DATA).hexdigest())
    assert put.http_etag == f'"{put.etag}"'
    assert put.uploaded.tzinfo is not None
    assert abs(put.uploaded - datetime.now(UTC)) < timedelta(minutes=5)
    got = await store.get("docs/a.txt")
    assert got is not None
    assert (got.body, got.range, got.info) == (DATA, (0, 20), put)
    assert await store.head("docs/a.txt") == put
    await store.delete("docs/a.txt")
    assert await store.get("docs/a.txt") is None
    assert await store.head("docs/a.txt") is None
    await store.delete("docs/a.txt")  # deleting a missing object is fine


async def test_missing_object_is_none(store: ObjectStore) -> None:
    assert await store.get("nope") is None
    assert await store.head("nope") is None


async def test_binary_empty_and_unicode(store: ObjectStore) -> None:
    every_byte = bytes(range(256)) * 4
    await store.put("bin", every_byte)
    await store.put("empty", b"")
    await store.put("ünï/códe 🚀.txt", b"u")
    assert (await store.get("bin")).body == every_byte  # type: ignore[union-attr]
    empty = await store.get("empty")
    assert empty is not None
    assert (empty.body, empty.info.size, empty.info.etag) == (b"", 0, hashlib.md5(b"").hexdigest())
    assert (await store.get("ünï/códe 🚀.txt")).body == b"u"  # type: ignore[union-attr]


async def test_overwrite_replaces_body_and_metadata(store: ObjectStore) -> None:
    await store.put("k", b"one", custom_metadata={"v": "1"})
    second = await store.put("k", b"two")
    got = await store.get("k")
    assert got is not None
    assert (got.body, got.info.custom_metadata, got.info.etag) == (b"two", {}, second.etag)  # type: ignore[union-attr]


async def test_http_and_custom_metadata_round_trip(store: ObjectStore) -> None:
    http = HttpMetadata(
        content_type="image/png",
        content_language="en",
        content_disposition='attachment; filename="a.png"',
        content_encoding="identity",
        cache_control="max-age=60",
    )
    custom = {"owner": "u1", "name": "résumé.pdf"}
    put = await store.put("meta", DATA, http_metadata=http, custom_metadata=custom)
    assert put is not None
    for info in (put, await store.head("meta"), (await store.list()).objects[0]):
        assert info is not None
        assert (info.http_metadata, info.custom_metadata) == (http, custom)


async def test_range_reads(store: ObjectStore) -> None:
    await store.put("r", DATA)
    cases = [
        (ByteRange(offset=5), DATA[5:], (5, 15)),
        (ByteRange(offset=5, length=3), DATA[5:8], (5, 3)),
        (ByteRange(length=4), DATA[:4], (0, 4)),
        (ByteRange(suffix=4), DATA[-4:], (16, 4)),
        (ByteRange(offset=18, length=10), DATA[18:], (18, 2)),  # clamped at the end
        (ByteRange(suffix=100), DATA, (0, 20)),
    ]
    for byte_range, body, served in cases:
        got = await store.get("r", byte_range=byte_range)
        assert got is not None
        assert (got.body, got.range, got.info.size) == (body, served, 20), byte_range


async def test_invalid_ranges_are_refused(store: ObjectStore) -> None:
    await store.put("r", DATA)
    for byte_range in (ByteRange(offset=-1), ByteRange(suffix=0), ByteRange(offset=1, suffix=2), ByteRange()):
        with raises(InvalidArgument):
            await store.get("r", byte_range=byte_range)
    with raises(InvalidArgument):
        await store.get("r", byte_range=ByteRange(offset=21))


async def test_conditional_put(store: ObjectStore) -> None:
    # etag_does_not_match="*" is "create only if absent"
    created = await store.put("c", b"one", only_if=Conditions(etag_does_not_match="*"))
    assert created is not None
    assert await store.put("c", b"two", only_if=Conditions(etag_does_not_match="*")) is None
    assert await store.put("c", b"two", only_if=Conditions(etag_matches="deadbeef")) is None
    assert (await store.get("c")).body == b"one"  # type: ignore[union-attr]
    replaced = await store.put("c", b"two", only_if=Conditions(etag_matches=created.etag))
    assert replaced is not None
    assert (await store.get("c")).body == b"two"  # type: ignore[union-attr]
    assert await store.put("absent", b"x", only_if=Conditions(etag_matches=created.etag)) is None
    assert await store.head("absent") is None


async def test_conditional_get(store: ObjectStore) -> None:
    put = await store.put("c", DATA)
    assert put is not None
    matched = await store.get("c", only_if=Conditions(etag_matches=put.etag))
    assert matched is not None
    assert matched.body == DATA
    with raises(PreconditionFailed) as raised:
        await store.get("c", only_if=Conditions(etag_does_not_match=put.etag))
    assert isinstance(raised.exception, PreconditionFailed)
    assert raised.exception.info == put
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(etag_matches="0" * 32))
    an_hour = timedelta(hours=1)
    assert await store.get("c", only_if=Conditions(uploaded_after=put.uploaded - an_hour)) is not None
    assert await store.get("c", only_if=Conditions(uploaded_before=put.uploaded + an_hour)) is not None
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(uploaded_after=put.uploaded + an_hour))
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(uploaded_before=put.uploaded - an_hour))


async def test_list_prefix_and_delimiter(store: ObjectStore) -> None:
    for key in ("users/1/a.png", "users/1/b.png", "users/2/c.png", "users/readme", "other"):
        await store.put(key, b"x")
    everything = await store.list()
    assert [o.key for o in everything.objects] == [
        "other",
        "users/1/a.png",
        "users/1/b.png",
        "users/2/c.png",
        "users/readme",
    ]
    assert (everything.truncated, everything.cursor, everything.delimited_prefixes) == (False, None, [])
    grouped = await store.list(prefix="users/", delimiter="/")
    assert [o.key for o in grouped.objects] == ["users/readme"]
    assert grouped.delimited_prefixes == ["users/1/", "users/2/"]
    assert [o.key for o in (await store.list(prefix="users/1/")).objects] == [
        "users/1/a.png",
        "users/1/b.png",
    ]


async def test_list_pages_visit_every_object_exactly_once(store: ObjectStore) -> None:
    keys = [f"f/{i:02d}" for i in range(17)]
    for key in keys:
        await store.put(key, b"x")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list(prefix="f/", limit=5, cursor=cursor)
        seen.extend(o.key for o in page.objects)
        if not page.truncated:
            assert page.cursor is None
            break
        assert page.cursor
        cursor = page.cursor
    assert seen == keys


async def test_pages_with_a_delimiter_list_each_prefix_once(store: ObjectStore) -> None:
    for key in ("a/1", "a/2", "a/3", "b", "c/1", "d"):
        await store.put(key, b"x")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list(delimiter="/", limit=1, cursor=cursor)
        seen += page.delimited_prefixes + [o.key for o in page.objects]
        if not page.truncated:
            break
        cursor = page.cursor
    assert seen == ["a/", "b", "c/", "d"]


async def test_delete_many(store: ObjectStore) -> None:
    for key in ("a", "b", "c"):
        await store.put(key, b"x")
    await store.delete(["a", "c", "missing"])
    assert [o.key for o in (await store.list()).objects] == ["b"]


async def test_limits(store: ObjectStore) -> None:
    await store.put("k" * 1024, b"x")
    with raises(LimitExceeded, match="1024"):
        await store.put("k" * 1025, b"x")
    with raises(InvalidArgument):
        await store.put("", b"x")
    await store.put("m", b"x", custom_metadata={"a": "x" * 2047})
    with raises(LimitExceeded, match="2048"):
        await store.put("m", b"x", custom_metadata={"ab": "x" * 2047})
    with raises(LimitExceeded, match="2048"):
        await store.put("m", b"x", custom_metadata={"a": "é" * 1024})  # bytes, not characters
    with raises(InvalidArgument):
        await store.list(limit=0)
    with raises(InvalidArgument):
        await store.list(limit=1001)
