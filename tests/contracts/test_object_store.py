"""Object-store port contract (R2). Runs against the local filesystem store (pytest) and Miniflare's R2
in Pyodide (tests/pyodide) through the Workers adapter: both must pass every test. Where R2's behaviour
was found by probing Miniflare, `workerbase.bindings.r2_limits` says so."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded
from workerbase.ports import (
    ByteRange,
    Conditions,
    HttpMetadata,
    ObjectBody,
    ObjectInfo,
    ObjectStore,
    ObjectStream,
    PreconditionFailed,
)

DATA = b"0123456789abcdefghij"


async def _put(store: ObjectStore, key: str, data: bytes = b"x", **options: object) -> ObjectInfo:
    info = await store.put(key, data, **options)  # type: ignore[arg-type]
    assert info is not None
    return info


async def _get(store: ObjectStore, key: str, **options: object) -> ObjectBody:
    got = await store.get(key, **options)  # type: ignore[arg-type]
    assert got is not None
    return got


async def _open(store: ObjectStore, key: str, **options: object) -> ObjectStream:
    stream = await store.open(key, **options)  # type: ignore[arg-type]
    assert stream is not None
    return stream


async def _read(stream: ObjectStream) -> bytes:
    return b"".join([chunk async for chunk in stream.chunks()])


async def _keys(store: ObjectStore, **options: object) -> list[str]:
    return [info.key for info in (await store.list(**options)).objects]  # type: ignore[arg-type]


async def test_put_get_head_delete(store: ObjectStore) -> None:
    put = await _put(store, "docs/a.txt", DATA)
    assert (put.key, put.size, put.etag) == ("docs/a.txt", 20, hashlib.md5(DATA).hexdigest())
    assert put.http_etag == f'"{put.etag}"'
    assert put.uploaded.utcoffset() == timedelta(0)
    assert put.uploaded.microsecond % 1000 == 0  # R2 keeps milliseconds
    assert abs(put.uploaded - datetime.now(UTC)) < timedelta(minutes=5)
    got = await _get(store, "docs/a.txt")
    assert (got.body, got.range, got.info) == (DATA, (0, 20), put)
    assert await store.head("docs/a.txt") == put
    await store.delete("docs/a.txt")
    assert await store.get("docs/a.txt") is None
    assert await store.head("docs/a.txt") is None
    await store.delete("docs/a.txt")  # deleting a missing object is fine


async def test_missing_object_is_none(store: ObjectStore) -> None:
    assert await store.get("nope") is None
    assert await store.head("nope") is None
    # Neither a range nothing could satisfy nor a condition turns "missing" into an error.
    assert await store.get("nope", byte_range=ByteRange(suffix=0)) is None
    assert await store.get("nope", only_if=Conditions(etag_matches="0" * 32)) is None


async def test_binary_empty_and_unicode(store: ObjectStore) -> None:
    every_byte = bytes(range(256)) * 4
    await _put(store, "bin", every_byte)
    await _put(store, "empty", b"")
    await _put(store, "ünï/códe 🚀.txt", b"u")
    assert (await _get(store, "bin")).body == every_byte
    empty = await _get(store, "empty")
    assert (empty.body, empty.range, empty.info.size) == (b"", (0, 0), 0)
    assert empty.info.etag == hashlib.md5(b"").hexdigest()
    assert (await _get(store, "ünï/códe 🚀.txt")).body == b"u"
    assert await _keys(store) == ["bin", "empty", "ünï/códe 🚀.txt"]


async def test_overwrite_replaces_body_and_all_metadata(store: ObjectStore) -> None:
    await _put(store, "k", b"one", custom_metadata={"v": "1"}, http_metadata=HttpMetadata(content_type="a/b"))
    second = await _put(store, "k", b"two")
    got = await _get(store, "k")
    assert (got.body, got.info) == (b"two", second)
    assert (second.custom_metadata, second.http_metadata, second.etag) == ({}, HttpMetadata(), _md5(b"two"))


async def test_http_and_custom_metadata_round_trip(store: ObjectStore) -> None:
    http = HttpMetadata(
        content_type="image/png",
        content_language="en",
        content_disposition='attachment; filename="a.png"',
        content_encoding="identity",
        cache_control="max-age=60",
    )
    custom = {"owner": "u1", "name": "résumé.pdf", "empty": ""}
    put = await _put(store, "meta", DATA, http_metadata=http, custom_metadata=custom)
    assert (put.http_metadata, put.custom_metadata) == (http, custom)
    assert await store.head("meta") == put
    assert (await _get(store, "meta")).info == put
    assert (await store.list()).objects == [put]


# (range asked for, the bytes of DATA served, (offset, length) served)
RANGES_OF_DATA = [
    (ByteRange(offset=5), DATA[5:], (5, 15)),
    (ByteRange(offset=5, length=3), DATA[5:8], (5, 3)),
    (ByteRange(length=4), DATA[:4], (0, 4)),
    (ByteRange(suffix=4), DATA[-4:], (16, 4)),
    (ByteRange(offset=19), DATA[19:], (19, 1)),
    (ByteRange(offset=18, length=10), DATA[18:], (18, 2)),  # clamped at the end
    (ByteRange(suffix=100), DATA, (0, 20)),  # clamped at the start
    (ByteRange(), DATA, (0, 20)),  # R2 reads an empty range as "from 0 to the end"
]
# Ranges of "r" (DATA) and "empty" (b"") that R2 answers with 416.
UNSATISFIABLE_RANGES = [
    ("r", ByteRange(offset=20)),  # at the end
    ("r", ByteRange(offset=21, length=1)),  # past it
    ("r", ByteRange(offset=3, length=0)),
    ("r", ByteRange(suffix=0)),
    ("empty", ByteRange(offset=0)),  # an empty object has no byte to serve
    ("empty", ByteRange(suffix=1)),
    ("empty", ByteRange()),
]
MALFORMED_RANGES = [
    ByteRange(offset=-1),
    ByteRange(length=-1),
    ByteRange(suffix=-1),
    ByteRange(offset=1, suffix=2),
    ByteRange(length=1, suffix=2),
]


async def test_range_reads(store: ObjectStore) -> None:
    await _put(store, "r", DATA)
    for byte_range, body, served in RANGES_OF_DATA:
        got = await _get(store, "r", byte_range=byte_range)
        assert (got.body, got.range, got.info.size) == (body, served, 20), byte_range


async def test_unsatisfiable_ranges_are_refused(store: ObjectStore) -> None:
    await _put(store, "r", DATA)
    await _put(store, "empty", b"")
    for key, byte_range in UNSATISFIABLE_RANGES:
        with raises(InvalidArgument, match="not satisfiable"):
            await store.get(key, byte_range=byte_range)


async def test_malformed_ranges_are_refused_even_for_missing_objects(store: ObjectStore) -> None:
    for byte_range in MALFORMED_RANGES:
        with raises(InvalidArgument):
            await store.get("nope", byte_range=byte_range)


# --- open: the body as a stream -------------------------------------------------------------------------


async def test_open_streams_the_whole_object_and_its_ranges(store: ObjectStore) -> None:
    put = await _put(store, "r", DATA, http_metadata=HttpMetadata(content_type="text/plain"))
    whole = await _open(store, "r")
    assert (whole.info, whole.range, await _read(whole)) == (put, (0, 20), DATA)
    for byte_range, body, served in RANGES_OF_DATA:
        stream = await _open(store, "r", byte_range=byte_range)
        assert (stream.info, stream.range, await _read(stream)) == (put, served, body), byte_range


async def test_open_an_empty_object_yields_no_bytes(store: ObjectStore) -> None:
    put = await _put(store, "empty", b"")
    stream = await _open(store, "empty")
    assert (stream.info, stream.range, await _read(stream)) == (put, (0, 0), b"")


async def test_open_a_missing_object_is_none(store: ObjectStore) -> None:
    assert await store.open("nope") is None
    assert await store.open("nope", byte_range=ByteRange(suffix=0)) is None  # as `get`: missing wins


async def test_open_a_large_body_arrives_in_several_chunks(store: ObjectStore) -> None:
    data = bytes(range(256)) * 1200  # 300 KB: more than one chunk in both runtimes
    await _put(store, "big", data)
    stream = await _open(store, "big")
    chunks = [chunk async for chunk in stream.chunks()]
    assert all(type(chunk) is bytes for chunk in chunks)
    assert len(chunks) > 1
    assert b"".join(chunks) == data
    ranged = await _open(store, "big", byte_range=ByteRange(offset=1000, length=200_000))
    assert (ranged.range, await _read(ranged)) == ((1000, 200_000), data[1000:201_000])


async def test_open_then_aclose_without_reading_everything(store: ObjectStore) -> None:
    data = bytes(range(256)) * 1200
    await _put(store, "big", data)
    unread = await _open(store, "big")
    await unread.aclose()
    await unread.aclose()  # closing twice is harmless
    partly_read = await _open(store, "big")
    chunks = partly_read.chunks()
    first = await anext(chunks)
    assert data.startswith(first)
    await partly_read.aclose()  # the consumer stops reading: this alone releases the body
    # Nothing stayed open: the object can be read, replaced and deleted.
    assert (await _get(store, "big")).body == data
    await _put(store, "big", b"new")
    assert await _read(await _open(store, "big")) == b"new"
    await store.delete("big")
    assert await store.open("big") is None


async def test_open_refuses_the_ranges_get_refuses(store: ObjectStore) -> None:
    await _put(store, "r", DATA)
    await _put(store, "empty", b"")
    for key, byte_range in UNSATISFIABLE_RANGES:
        with raises(InvalidArgument, match="not satisfiable"):
            await store.open(key, byte_range=byte_range)
    for byte_range in MALFORMED_RANGES:
        with raises(InvalidArgument):
            await store.open("nope", byte_range=byte_range)
    with raises(LimitExceeded):
        await store.open("k" * 1025)
    with raises(InvalidArgument):
        await store.open("")


async def test_conditional_put(store: ObjectStore) -> None:
    # etag_does_not_match="*" is "create only if absent"
    created = await _put(store, "c", b"one", only_if=Conditions(etag_does_not_match="*"))
    assert await store.put("c", b"two", only_if=Conditions(etag_does_not_match="*")) is None
    assert await store.put("c", b"two", only_if=Conditions(etag_matches="deadbeef")) is None
    assert await store.put("c", b"two", only_if=Conditions(uploaded_after=created.uploaded)) is None
    assert (await _get(store, "c")).body == b"one"
    replaced = await _put(store, "c", b"two", only_if=Conditions(etag_matches=created.etag))
    assert (await _get(store, "c")).info == replaced
    # On a missing key, conditions that need an object fail; the others hold.
    assert await store.put("absent", b"x", only_if=Conditions(etag_matches="*")) is None
    assert await store.put("absent", b"x", only_if=Conditions(uploaded_after=created.uploaded)) is None
    assert await store.head("absent") is None
    later = created.uploaded + timedelta(days=1)
    assert await store.put("absent", b"x", only_if=Conditions(uploaded_before=later)) is not None
    assert await store.put("other", b"x", only_if=Conditions(etag_does_not_match=created.etag)) is not None


async def test_conditional_get(store: ObjectStore) -> None:
    put = await _put(store, "c", DATA)
    assert (await _get(store, "c", only_if=Conditions(etag_matches=put.etag))).body == DATA
    assert (await _get(store, "c", only_if=Conditions(etag_matches="*"))).body == DATA
    with raises(PreconditionFailed) as raised:
        await store.get("c", only_if=Conditions(etag_does_not_match=put.etag))
    assert isinstance(raised.exception, PreconditionFailed)
    assert raised.exception.info == put
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(etag_does_not_match="*"))
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(etag_matches="0" * 32))
    an_hour = timedelta(hours=1)
    assert await store.get("c", only_if=Conditions(uploaded_after=put.uploaded - an_hour)) is not None
    assert await store.get("c", only_if=Conditions(uploaded_before=put.uploaded + an_hour)) is not None
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(uploaded_after=put.uploaded + an_hour))
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(uploaded_before=put.uploaded - an_hour))
    # A failed condition wins over an unsatisfiable range, as in R2.
    with raises(PreconditionFailed):
        await store.get("c", byte_range=ByteRange(offset=99), only_if=Conditions(etag_matches="0" * 32))


async def test_etag_conditions_take_one_bare_etag(store: ObjectStore) -> None:
    put = await _put(store, "c", DATA)
    # One etag compared exactly: no lists, no weak etags.
    for not_this_etag in (f'W/"{put.etag}"', f"x, {put.etag}", f" {put.etag}", ""):
        with raises(PreconditionFailed):
            await store.get("c", only_if=Conditions(etag_matches=not_this_etag))
        assert await store.get("c", only_if=Conditions(etag_does_not_match=not_this_etag)) is not None
    # workerd refuses a quoted etag (the HTTP form, `http_etag`) rather than guessing.
    for quoted in (put.http_etag, '"*"', '""'):
        with raises(InvalidArgument):
            await store.get("c", only_if=Conditions(etag_matches=quoted))
        with raises(InvalidArgument):
            await store.put("c", b"x", only_if=Conditions(etag_does_not_match=quoted))
    assert (await _get(store, "c")).body == DATA


async def test_date_conditions_compare_whole_milliseconds(store: ObjectStore) -> None:
    put = await _put(store, "c", DATA)
    uploaded, microsecond, millisecond = put.uploaded, timedelta(microseconds=1), timedelta(milliseconds=1)
    fails = [
        Conditions(uploaded_after=uploaded),  # both are strict comparisons
        Conditions(uploaded_before=uploaded),
        Conditions(uploaded_before=uploaded + 999 * microsecond),  # the same millisecond
        Conditions(uploaded_after=uploaded + 999 * microsecond),
    ]
    holds = [
        Conditions(uploaded_before=uploaded + millisecond),
        Conditions(uploaded_after=uploaded - millisecond),
        Conditions(uploaded_after=uploaded - microsecond),  # in the millisecond before
    ]
    for conditions in fails:
        with raises(PreconditionFailed):
            await store.get("c", only_if=conditions)
    for conditions in holds:
        assert await store.get("c", only_if=conditions) is not None, conditions
    with raises(InvalidArgument, match="timezone"):
        await store.get("c", only_if=Conditions(uploaded_after=datetime(2020, 1, 1)))


async def test_a_passing_etag_condition_overrides_its_date_condition(store: ObjectStore) -> None:
    put = await _put(store, "c", DATA)
    past, future = put.uploaded - timedelta(days=1), put.uploaded + timedelta(days=1)
    # RFC 9110 13.2.2: If-Match overrides If-Unmodified-Since, If-None-Match overrides If-Modified-Since.
    assert await store.get("c", only_if=Conditions(etag_matches=put.etag, uploaded_before=past)) is not None
    assert (
        await store.get("c", only_if=Conditions(etag_does_not_match="0", uploaded_after=future)) is not None
    )
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(etag_matches="0", uploaded_before=future))
    with raises(PreconditionFailed):
        await store.get("c", only_if=Conditions(etag_does_not_match=put.etag, uploaded_after=past))


async def test_list_prefix_and_delimiter(store: ObjectStore) -> None:
    for key in ("users/1/a.png", "users/1/b.png", "users/2/c.png", "users/readme", "other"):
        await _put(store, key)
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
    top = await store.list(delimiter="/")
    assert ([o.key for o in top.objects], top.delimited_prefixes) == (["other"], ["users/"])
    assert await _keys(store, prefix="users/1/") == ["users/1/a.png", "users/1/b.png"]
    assert await _keys(store, prefix="users/1") == ["users/1/a.png", "users/1/b.png"]
    assert await _keys(store, prefix="nothing") == []


async def test_list_order_is_utf8_byte_order(store: ObjectStore) -> None:
    # U+FFFF sorts before U+1F680 in UTF-8 (and code points) but after it in UTF-16.
    keys = ["b", "a/b", "a", "Z", "é", "\uffff", "🚀", "a b", "~"]
    for key in keys:
        await _put(store, key)
    assert await _keys(store) == sorted(keys, key=lambda key: key.encode())


async def test_list_pages_visit_every_object_exactly_once(store: ObjectStore) -> None:
    keys = [f"f/{i:02d}" for i in range(17)]
    for key in keys:
        await _put(store, key)
    await _put(store, "g")  # outside the prefix, right after it
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list(prefix="f/", limit=5, cursor=cursor)
        assert len(page.objects) == (5 if page.truncated else 2)
        seen.extend(o.key for o in page.objects)
        if not page.truncated:
            assert page.cursor is None
            break
        assert page.cursor
        cursor = page.cursor
    assert seen == keys


async def test_a_page_that_ends_the_listing_is_not_truncated(store: ObjectStore) -> None:
    for key in ("a", "b", "c", "d"):
        await _put(store, key)
    whole = await store.list(limit=4)
    assert (len(whole.objects), whole.truncated, whole.cursor) == (4, False, None)
    first = await store.list(limit=2)
    second = await store.list(limit=2, cursor=first.cursor)
    assert (first.truncated, [o.key for o in second.objects], second.truncated) == (True, ["c", "d"], False)


async def test_a_list_page_holds_at_most_100_entries(store: ObjectStore) -> None:
    keys = [f"{i:03d}" for i in range(101)]
    await asyncio.gather(*(_put(store, key) for key in keys))
    first = await store.list(limit=1000)
    assert (len(first.objects), first.truncated) == (100, True)
    rest = await store.list(limit=1000, cursor=first.cursor)
    assert ([o.key for o in rest.objects], rest.truncated) == (["100"], False)
    await store.delete(keys)  # more keys than a page, in one call
    assert (await store.list()).objects == []


async def test_pages_with_a_delimiter_list_each_prefix_once(store: ObjectStore) -> None:
    for key in ("a/1", "a/2", "a/3", "b", "c/1", "c/2/x", "d"):
        await _put(store, key)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list(delimiter="/", limit=1, cursor=cursor)
        assert len(page.objects) + len(page.delimited_prefixes) == 1
        seen += page.delimited_prefixes + [o.key for o in page.objects]
        if not page.truncated:
            break
        cursor = page.cursor
    assert seen == ["a/", "b", "c/", "d"]


async def test_delete_many(store: ObjectStore) -> None:
    for key in ("a", "b", "c"):
        await _put(store, key)
    await store.delete(["a", "c", "missing"])
    await store.delete([])
    assert await _keys(store) == ["b"]


async def test_key_limits(store: ObjectStore) -> None:
    await _put(store, "k" * 1024)
    await _put(store, "é" * 512)  # 1024 bytes of UTF-8
    for too_long in ("k" * 1025, "é" * 513):
        with raises(LimitExceeded, match="1024"):
            await store.put(too_long, b"x")
        with raises(LimitExceeded):
            await store.get(too_long)
        with raises(LimitExceeded):
            await store.head(too_long)
        with raises(LimitExceeded):
            await store.delete(["ok", too_long])
    for invalid in ("", "lone \ud800 surrogate"):
        with raises(InvalidArgument):
            await store.put(invalid, b"x")
    assert await _keys(store) == ["k" * 1024, "é" * 512]


async def test_custom_metadata_limit(store: ObjectStore) -> None:
    await _put(store, "m", custom_metadata={"a": "x" * 2047})
    await _put(store, "m", custom_metadata={"a": "😀" * 511})  # 2045 bytes both in UTF-8 and in workerd
    for too_big in (
        {"ab": "x" * 2047},
        {"a": "é" * 1024},  # UTF-8 bytes, not characters: 2049
        {"a": "€" + "x" * 1100},  # 1104 bytes of UTF-8, but workerd counts 2 bytes per character: 2203
    ):
        with raises(LimitExceeded, match="2048"):
            await store.put("m", b"x", custom_metadata=too_big)
    assert (await _get(store, "m")).info.custom_metadata == {"a": "😀" * 511}


async def test_list_limit(store: ObjectStore) -> None:
    for limit in (0, 1001):
        with raises(InvalidArgument):
            await store.list(limit=limit)
    assert (await store.list(limit=1)).objects == []


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
