"""Local-only R2 behaviour: keys that look like paths, persistence, crash safety, the injected clock,
processes sharing a bucket, and list edge cases the contract suite cannot reach through Miniflare."""

from __future__ import annotations

import asyncio
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest

from workerbase.bindings.local.r2 import FileObjectStore
from workerbase.bindings.local.r2_rules import first_key_after_prefix
from workerbase.errors import BindingUnavailable, InvalidArgument
from workerbase.ports import Conditions, PreconditionFailed

INDEX_FILES = {"index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"}


def _entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def _files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


async def test_keys_never_become_paths(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    store = FileObjectStore(root)
    keys = ("../escape", "/etc/passwd", "a/../../b", "..", "C:\\x", "nul\x00byte", "blobs/x")
    for key in keys:
        await store.put(key, b"data")
    for key in keys:
        got = await store.get(key)
        assert got is not None
        assert got.body == b"data"
    assert _entries(tmp_path) == ["bucket"]
    blobs = {name for name in _files(root) if name.startswith("blobs/")}
    assert len(blobs) == len(keys)
    assert _files(root) - blobs <= INDEX_FILES


async def test_objects_persist_across_reopen(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path, clock=lambda: 1_732_370_021.123)
    put = await store.put("k", b"kept", custom_metadata={"a": "1"})
    store.close()
    reopened = await FileObjectStore(tmp_path).get("k")
    assert reopened is not None
    assert (reopened.body, reopened.info) == (b"kept", put)


async def test_uploaded_is_the_clock_at_millisecond_precision(tmp_path: Path) -> None:
    now = 1_700_000_000.0
    store = FileObjectStore(tmp_path, clock=lambda: now)
    for reading, expected_ms in ((1.001, 1001), (1_700_000_000.1239, 1_700_000_000_123)):
        now = reading
        put = await store.put("k", b"x")
        assert put is not None
        assert put.uploaded == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=expected_ms)
    # So a condition inside the same millisecond compares as equal (strictly after: fails).
    uploaded_after = datetime.fromtimestamp(1_700_000_000.1235, UTC)
    with pytest.raises(PreconditionFailed):
        await store.get("k", only_if=Conditions(uploaded_after=uploaded_after))


async def test_a_crash_while_writing_leaves_the_old_object_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileObjectStore(tmp_path)
    await store.put("k", b"old")

    def crash(source: object, destination: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(BindingUnavailable, match="unplugged"):
        await store.put("k", b"new")
    monkeypatch.undo()
    got = await store.get("k")
    assert got is not None
    assert got.body == b"old"
    assert len(_entries(tmp_path / "blobs")) == 1


async def test_files_a_killed_process_left_behind_are_swept_on_open(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    await store.put("k", b"kept")
    store.close()
    # A process killed mid-put leaves a temp file, or a content file the index never pointed at.
    (tmp_path / "blobs" / "0123.tmp").write_bytes(b"half")
    (tmp_path / "blobs" / "4567").write_bytes(b"never indexed")
    reopened = FileObjectStore(tmp_path)
    assert len(_entries(tmp_path / "blobs")) == 1
    got = await reopened.get("k")
    assert got is not None
    assert got.body == b"kept"


async def test_a_failed_index_update_removes_the_new_content(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    await store.put("k", b"old")
    store._index.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON objects BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(BindingUnavailable, match="boom"):
        await store.put("other", b"new")
    assert await store.head("other") is None
    assert len(_entries(tmp_path / "blobs")) == 1


async def test_a_conditional_put_loses_to_another_process_that_wrote_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = FileObjectStore(tmp_path), FileObjectStore(tmp_path)
    write_blob = ours._write_blob

    def another_process_creates_the_key(data: bytes) -> str:
        # Between our condition check and our index update, the other process creates the key.
        other = threading.Thread(target=asyncio.run, args=(theirs.put("k", b"theirs"),))
        other.start()
        other.join()
        return write_blob(data)

    monkeypatch.setattr(ours, "_write_blob", another_process_creates_the_key)
    assert await ours.put("k", b"ours", only_if=Conditions(etag_does_not_match="*")) is None
    got = await ours.get("k")
    assert got is not None
    assert got.body == b"theirs"
    assert len(_entries(tmp_path / "blobs")) == 1


async def test_a_read_racing_a_replace_reads_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FileObjectStore(tmp_path)
    await store.put("k", b"body")
    open_blob = store._open_blob
    races: list[str] = []

    def open_after_one_race(blob: str) -> BinaryIO:
        races.append(blob)
        if len(races) % 2:  # every other open finds the file replaced meanwhile
            raise FileNotFoundError("replaced meanwhile")
        return open_blob(blob)

    monkeypatch.setattr(store, "_open_blob", open_after_one_race)
    got = await store.get("k")
    assert got is not None
    assert got.body == b"body"
    stream = await store.open("k")
    assert stream is not None
    assert b"".join([chunk async for chunk in stream.chunks()]) == b"body"
    assert len(races) == 4


async def test_garbled_cursors_are_invalid_arguments(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    for cursor in ("not a cursor", "bnVsbA==", "WzEsMl0="):  # garbage, `null`, `[1,2]`
        with pytest.raises(InvalidArgument, match="cursor"):
            await store.list(cursor=cursor)


async def test_a_delimiter_ending_in_the_last_code_point(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    for key in ("x\U0010ffff1", "x\U0010ffff2", "y"):
        await store.put(key, b"x")
    page = await store.list(delimiter="\U0010ffff", limit=1)
    assert (page.delimited_prefixes, page.objects, page.truncated) == (["x\U0010ffff"], [], True)
    rest = await store.list(delimiter="\U0010ffff", cursor=page.cursor)
    assert ([o.key for o in rest.objects], rest.delimited_prefixes) == (["y"], [])


def test_first_key_after_prefix() -> None:
    assert first_key_after_prefix("a/") == "a0"
    assert first_key_after_prefix("a\U0010ffff") == "b"
    assert first_key_after_prefix("\ud7ff") == "\ue000"  # surrogates are not keys
    assert first_key_after_prefix("\U0010ffff") is None
    assert first_key_after_prefix("") is None
