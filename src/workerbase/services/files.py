"""Files: validated uploads into R2, metadata in D1, downloads, signed links, clean-up.

No file is ever visible half-made: the file row (what lists and downloads read) is written only after
its object is in R2, and every object without a row is recorded in `pending_objects` first, so the
scheduled clean-up (`collect_garbage`) can remove whatever a failure or a crash left behind.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from workerbase.clock import iso
from workerbase.config import Settings
from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.logs import get_logger
from workerbase.pagination import page_of, position_after
from workerbase.ports import ByteRange, Crypto, Database, HttpMetadata, ObjectStore, ObjectStream, run
from workerbase.records import FileRecord
from workerbase.repositories import files
from workerbase.repositories.batches import run_batch
from workerbase.services.file_links import MAX_LINK_SECONDS, InvalidLink, LinkSigner, SignedLink
from workerbase.services.file_names import sanitise_filename
from workerbase.services.file_types import Claim, decide_type

# The clean-up gives up on uploads reserved longer ago than this and deletes their objects.
ABANDONED_AFTER = timedelta(hours=1)
# Objects deleted per clean-up step: R2 deletes up to 1,000 keys per call.
GARBAGE_BATCH = 1000


class FileNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such file"


class EmptyFile(WorkerbaseError):
    status = 422
    code = "empty_file"
    title = "The file is empty"
    public_detail = True


class FileTooLarge(WorkerbaseError):
    status = 413
    code = "file_too_large"
    title = "The file is too large"
    public_detail = True

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"files may be at most {max_bytes} bytes")
        self.max_bytes = max_bytes

    def problem_extras(self) -> dict[str, Any]:
        return {"max_bytes": self.max_bytes}


class StorageQuotaExceeded(WorkerbaseError):
    status = 413
    code = "storage_quota_exceeded"
    title = "The file does not fit in your storage quota"
    public_detail = True

    def __init__(self, size: int, remaining: int, quota: int) -> None:
        super().__init__(f"the file is {size} bytes and {remaining} bytes of your quota remain")
        self.remaining = remaining
        self.quota = quota

    def problem_extras(self) -> dict[str, Any]:
        return {"remaining_bytes": self.remaining, "quota_bytes": self.quota}


class UploadTooSlow(WorkerbaseError):
    status = 503
    code = "upload_expired"
    title = "The upload took too long to complete; send it again"
    public_detail = True


class GarbageReport(Frozen):
    objects_deleted: int
    more_left: bool


class FileService:
    def __init__(
        self, db: Database, store: ObjectStore, crypto: Crypto, settings: Settings, now: datetime
    ) -> None:
        self._db = db
        self._store = store
        self._settings = settings.files
        self._links = LinkSigner(crypto, settings.auth.jwt_secrets)
        self._now = now

    @property
    def max_file_bytes(self) -> int:
        return self._settings.max_file_bytes

    async def upload(self, user_id: str, data: bytes, claim: Claim) -> FileRecord:
        """Two D1 round trips (reserve the bytes, then file the object) around one R2 put."""
        if not data:
            raise EmptyFile("the file has no content")
        if len(data) > self._settings.max_file_bytes:
            raise FileTooLarge(self._settings.max_file_bytes)
        content_type = decide_type(
            data, claim, allowed=self._settings.allowed_types, on_mismatch=self._settings.type_mismatch
        )
        file_id = str(uuid.uuid4())
        record = FileRecord(
            id=file_id,
            user_id=user_id,
            object_key=f"users/{user_id}/files/{file_id}",
            filename=sanitise_filename(claim.filename, content_type),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=iso(self._now),
        )
        await self._reserve(record)
        try:
            await self._store.put(
                record.object_key,
                data,
                http_metadata=HttpMetadata(content_type=content_type),
                custom_metadata={"file_id": file_id, "user_id": user_id},
            )
        except Exception:
            await self._abandon(record)
            raise
        # If this batch fails we cannot know whether it committed, so nothing is undone: either the file
        # is filed, or its reservation remains and the clean-up deletes the object.
        file_it = files.file_from_pending(record)
        done = await run_batch(
            self._db,
            [
                file_it,
                files.release_filed(record.object_key),
                files.requeue_unfiled(record.object_key, user_id),
            ],
        )
        if done[file_it].meta.changes == 0:  # the clean-up gave up on the reservation: the object is garbage
            await self._delete_object(record.object_key)
            raise UploadTooSlow("the upload took longer than an hour")
        return record

    async def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[FileRecord], str | None]:
        select = files.select_page(user_id, position_after(cursor), limit + 1)
        rows = (await run(self._db, select)).rows
        return page_of(files.FILE.decode_all(rows), limit, lambda f: (f.created_at, f.id))

    async def get(self, user_id: str, file_id: str) -> FileRecord:
        row = (await run(self._db, files.select_owned(file_id, user_id))).first()
        if row is None:
            raise FileNotFound("no such file")
        return files.FILE.decode(row)

    async def get_by_link(self, file_id: str, link: SignedLink) -> FileRecord:
        """The file a signed link names; 403 if the link is not one we made for it or has expired."""
        row = (await run(self._db, files.select_any(file_id))).first()
        if row is None:  # answered like a tampered link: no existence oracle
            raise InvalidLink("the link's signature does not match")
        record = files.FILE.decode(row)
        self._links.verify(file_id, record.user_id, link, int(self._now.timestamp()))
        return record

    async def delete(self, user_id: str, file_id: str) -> None:
        """One D1 round trip and one R2 delete. The row goes first (the file vanishes at once); the
        trigger has queued its object, so if the R2 delete fails the clean-up finishes the job."""
        deleted = (await run(self._db, files.delete_owned(file_id, user_id))).first()
        if deleted is None:
            raise FileNotFound("no such file")
        await self._delete_object(str(deleted["object_key"]))

    async def open_content(self, record: FileRecord, byte_range: ByteRange | None) -> ObjectStream:
        stream = await self._store.open(record.object_key, byte_range=byte_range)
        if stream is None:  # only if the row outlived its object, which deletion order prevents
            raise FileNotFound("the file's content is missing")
        return stream

    async def read(self, user_id: str, file_id: str) -> tuple[FileRecord, bytes] | None:
        """One of the user's files whole (for the model: files are at most MAX_FILE_BYTES_CEILING); None
        if they have no such file."""
        try:
            record = await self.get(user_id, file_id)
            stream = await self.open_content(record, None)
        except FileNotFound:
            return None
        try:
            return record, b"".join([chunk async for chunk in stream.chunks()])
        finally:
            await stream.aclose()

    def link(self, owner_id: str, file_id: str, expires_in: int | None = None) -> SignedLink:
        """A signed link. Without `expires_in`, the default lifetime rounded up to a whole window, so the
        links in successive responses stay equal for a while (browsers keep caching the image)."""
        now = self._now.timestamp()
        latest = math.floor(now) + MAX_LINK_SECONDS
        if expires_in is None:
            ttl = self._settings.link_ttl_seconds
            window = min(ttl, 3600)
            expires = min(math.ceil((now + ttl) / window) * window, latest)
        else:
            expires = min(math.floor(now) + expires_in, latest)
        return self._links.sign(file_id, owner_id, expires)

    async def collect_garbage(self, *, user_id: str | None = None) -> GarbageReport:
        """Delete the objects no file owns: those of deleted files, and of uploads abandoned for an hour
        (`user_id`: only that user's deleted files, e.g. right after the account went). Deleting an
        object twice is harmless, so a crash between the two steps only repeats work next time."""
        if user_id is None:
            abandon = files.abandon_uploads(self._now - ABANDONED_AFTER)
            select = files.select_garbage(GARBAGE_BATCH)
            garbage = (await run_batch(self._db, [abandon, select]))[select]
        else:
            garbage = await run(self._db, files.select_deleted_objects_of(user_id, GARBAGE_BATCH))
        listed = [(str(row["object_key"]), str(row["created_at"])) for row in garbage.rows]
        if listed:
            await self._store.delete([key for key, _ in listed])
            await run(self._db, files.forget_pending(listed))
        return GarbageReport(objects_deleted=len(listed), more_left=len(listed) == GARBAGE_BATCH)

    async def remove_objects_of_deleted_user(self, user_id: str) -> None:
        """Right after an account's deletion, which has already succeeded: a failure here is only
        logged, and the scheduled clean-up removes what is left."""
        try:
            await self.collect_garbage(user_id=user_id)
        except Exception as exc:
            get_logger().warning("deleted account's objects left for the clean-up: %s", exc)

    async def _reserve(self, record: FileRecord) -> None:
        quota = self._settings.storage_quota_bytes
        reserved, usage = await self._db.batch(
            [
                files.reserve_upload(record, quota),
                files.select_usage(record.user_id),
            ]
        )
        if reserved.meta.changes == 0:
            row = usage.first()
            used = int(row["stored_bytes"] or 0) + int(row["reserved_bytes"] or 0) if row else 0
            raise StorageQuotaExceeded(record.size, max(quota - used, 0), quota)

    async def _delete_object(self, key: str) -> None:
        """Delete an object already queued for deletion: if this fails, the clean-up does it."""
        try:
            await self._store.delete(key)
        except Exception as exc:
            get_logger().warning("object left for the clean-up: %s", exc)

    async def _abandon(self, record: FileRecord) -> None:
        """After a failed upload: delete the object (if the put got that far), then the reservation.
        If either fails, the reservation remains and the clean-up does both later."""
        try:
            await self._store.delete(record.object_key)
            await run(self._db, files.release_reservation(record.object_key))
        except Exception as exc:
            get_logger().warning("abandoned upload left for the clean-up: %s", exc)
