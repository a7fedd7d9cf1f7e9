"""Local-only R2 behaviour: crash safety and keys that look like paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workerbase.bindings.local.r2 import FileObjectStore
from workerbase.errors import BindingUnavailable, InvalidArgument


async def test_keys_never_become_paths(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    store = FileObjectStore(root)
    for key in ("../escape", "/etc/passwd", "a/../../b", "..", "C:\\x"):
        await store.put(key, b"data")
        assert (await store.get(key)).body == b"data"  # type: ignore[union-attr]
    assert not (tmp_path / "escape").exists()
    written = {path.relative_to(root).parts[0] for path in root.rglob("*") if path.is_file()}
    assert written <= {"blobs", "index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"}


async def test_objects_persist_across_reopen(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    put = await store.put("k", b"kept", custom_metadata={"a": "1"})
    reopened = await FileObjectStore(tmp_path).get("k")
    assert reopened is not None
    assert (reopened.body, reopened.info) == (b"kept", put)


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
    assert (await store.get("k")).body == b"old"  # type: ignore[union-attr]
    # The half-written temp file is swept on the next open.
    FileObjectStore(tmp_path)
    assert len(list((tmp_path / "blobs").iterdir())) == 1


async def test_a_failed_index_update_removes_the_new_content(tmp_path: Path) -> None:
    store = FileObjectStore(tmp_path)
    await store.put("k", b"old")
    store._index.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON objects BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(BindingUnavailable, match="boom"):
        await store.put("other", b"new")
    assert await store.head("other") is None
    assert len(list((tmp_path / "blobs").iterdir())) == 1


async def test_a_garbled_cursor_is_an_invalid_argument(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="cursor"):
        await FileObjectStore(tmp_path).list(cursor="not a cursor")
