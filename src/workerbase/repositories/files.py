"""SQL for files, the R2 objects no file owns (`pending_objects`) and each user's storage use.

An upload is three steps: `reserve_upload` (a pending row holding the bytes against the quota), the R2
put, then `file_from_pending` + `release_filed` + `requeue_unfiled` in one batch. The clean-up turns
reservations that are too old into deletes (`abandon_uploads`), deletes the objects `select_garbage`
lists, then forgets them (`forget_pending`). The triggers of migration 0010 keep `storage_usage` and
queue the object of every deleted file row for removal.
"""

from __future__ import annotations

import json
from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import FileRecord
from workerbase.repositories.rows import RecordRows

FILE = RecordRows(FileRecord)

# The f-strings below only put the record's column list into SQL (hence the noqa on S608).
_SELECT = f"SELECT {FILE.columns()} FROM files"  # noqa: S608
# ?1 user, ?2/?3 position after (created_at, id) or NULLs, ?4 limit. Newest first.
_SELECT_PAGE = (
    _SELECT + " WHERE user_id = ?1 AND (?2 IS NULL OR (created_at, id) < (?2, ?3))"
    " ORDER BY created_at DESC, id DESC LIMIT ?4"
)
# ?1 key, ?2 user, ?3 bytes, ?4 now, ?5 quota: inserts nothing if the bytes do not fit.
_RESERVE = (
    "INSERT INTO pending_objects (object_key, user_id, reason, bytes, created_at)"
    " SELECT ?1, ?2, 'upload', ?3, ?4"
    " WHERE coalesce((SELECT stored_bytes + reserved_bytes FROM storage_usage WHERE user_id = ?2), 0) + ?3"
    " <= ?5"
)
# The file row replaces its reservation, which must still be one: the clean-up turns reservations it
# gives up on into deletes, and their objects must not be filed.
_FILE_FROM_PENDING = (
    f"INSERT INTO files ({FILE.columns()})"  # noqa: S608
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM pending_objects"
    " WHERE object_key = ?3 AND user_id = ?2 AND reason = 'upload'"
)
# If the file was not filed (the clean-up gave up on it, perhaps while the put was still writing),
# queue its object for deletion again: the clean-up may have deleted it before it was written. A new
# `created_at` (the database's clock: anything but the reservation's) keeps a clean-up that listed the
# old row from forgetting this one (`forget_pending` matches both columns).
_REQUEUE_UNFILED = (
    "INSERT INTO pending_objects (object_key, user_id, reason, bytes, created_at)"
    " SELECT ?1, ?2, 'delete', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    " WHERE NOT EXISTS (SELECT 1 FROM files WHERE object_key = ?1)"
    " ON CONFLICT (object_key) DO UPDATE SET created_at = excluded.created_at"
)
_RELEASE_FILED = (
    "DELETE FROM pending_objects WHERE object_key = ?1 AND reason = 'upload'"
    " AND EXISTS (SELECT 1 FROM files WHERE object_key = ?1)"
)
_ABANDON_UPLOADS = (
    "UPDATE pending_objects SET reason = 'delete', bytes = 0 WHERE reason = 'upload' AND created_at < ?"
)
_SELECT_GARBAGE = "SELECT object_key, created_at FROM pending_objects WHERE reason = 'delete' LIMIT ?"


def reserve_upload(file: FileRecord, quota: int) -> Statement:
    """Reserves the file's bytes from its `created_at` (the clean-up's clock for abandoned uploads)."""
    return Statement(_RESERVE, [file.object_key, file.user_id, file.size, file.created_at, quota])


def select_usage(user_id: str) -> Statement:
    return Statement("SELECT stored_bytes, reserved_bytes FROM storage_usage WHERE user_id = ?", [user_id])


def release_reservation(object_key: str) -> Statement:
    return Statement("DELETE FROM pending_objects WHERE object_key = ? AND reason = 'upload'", [object_key])


def file_from_pending(file: FileRecord) -> Statement:
    return Statement(
        _FILE_FROM_PENDING,
        [
            file.id,
            file.user_id,
            file.object_key,
            file.filename,
            file.content_type,
            file.size,
            file.sha256,
            file.created_at,
        ],
    )


def release_filed(object_key: str) -> Statement:
    return Statement(_RELEASE_FILED, [object_key])


def requeue_unfiled(object_key: str, user_id: str) -> Statement:
    return Statement(_REQUEUE_UNFILED, [object_key, user_id])


def select_owned(file_id: str, user_id: str) -> Statement:
    return Statement(_SELECT + " WHERE id = ? AND user_id = ?", [file_id, user_id])


def select_any(file_id: str) -> Statement:
    """For signed links, which carry no user: the signature is checked against the owner read here."""
    return Statement(_SELECT + " WHERE id = ?", [file_id])


def select_page(user_id: str, after: tuple[str, str] | None, limit: int) -> Statement:
    created_at, file_id = after if after is not None else (None, None)
    return Statement(_SELECT_PAGE, [user_id, created_at, file_id, limit])


def delete_owned(file_id: str, user_id: str) -> Statement:
    """The trigger queues the object for removal; RETURNING tells the caller which one to delete now."""
    return Statement(
        "DELETE FROM files WHERE id = ? AND user_id = ? RETURNING object_key", [file_id, user_id]
    )


def abandon_uploads(reserved_before: datetime) -> Statement:
    return Statement(_ABANDON_UPLOADS, [iso(reserved_before)])


def select_garbage(limit: int) -> Statement:
    return Statement(_SELECT_GARBAGE, [limit])


def select_deleted_objects_of(user_id: str, limit: int) -> Statement:
    return Statement(
        "SELECT object_key, created_at FROM pending_objects WHERE user_id = ? AND reason = 'delete' LIMIT ?",
        [user_id, limit],
    )


def forget_pending(listed: list[tuple[str, str]]) -> Statement:
    """The (object_key, created_at) rows a clean-up listed, once their objects are gone: a row queued
    again since has another `created_at` and stays. One JSON parameter: D1 allows 100 bound ones."""
    return Statement(
        "DELETE FROM pending_objects WHERE (object_key, created_at) IN"
        " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
        [json.dumps(listed)],
    )
