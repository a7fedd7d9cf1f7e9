"""Work no request does: run by the Worker's `scheduled` handler (a cron trigger in wrangler.toml) and,
locally, at start and every few minutes by `workerbase-local` (which also runs due Durable Object alarms,
as workerd does on its own)."""

from __future__ import annotations

from datetime import datetime, timedelta

from workerbase.logs import get_logger
from workerbase.ports import Database, run
from workerbase.repositories import accounts, daily_counts
from workerbase.services.files import FileService
from workerbase.services.ingestion import IngestionService

# Guests deleted per run (each with everything it owns), and how old a guest must be to be considered.
MAX_GUESTS_DELETED = 200
GUEST_GRACE = timedelta(hours=1)
# Clean-up steps per run (each removes up to 1,000 objects), so one run stays well inside a Worker's
# time limits; whatever is left waits for the next run.
MAX_GARBAGE_STEPS = 20


class Maintenance:
    def __init__(self, db: Database, files: FileService, ingestion: IngestionService, now: datetime) -> None:
        self._db = db
        self._files = files
        self._ingestion = ingestion
        self._now = now

    async def run(self) -> int:
        """Remove guest accounts no one can sign in to any more, the R2 objects no file owns (deleted files
        and guests', abandoned uploads), daily message counts of past days and the vectors of deleted
        knowledge chunks. Returns how many objects went."""
        now = self._now
        # Each step on its own: one that fails (a long cascade hitting a D1 limit) must not hold up the
        # others.
        for step in (
            daily_counts.forget_before((now - timedelta(days=2)).date().isoformat()),
            accounts.delete_unreachable_guests(now - GUEST_GRACE, now, MAX_GUESTS_DELETED),
        ):
            try:
                await run(self._db, step)
            except Exception:
                get_logger().exception("maintenance step failed", extra={"fields": {"sql": step.sql[:60]}})
        deleted = 0
        for _ in range(MAX_GARBAGE_STEPS):
            report = await self._files.collect_garbage()
            deleted += report.objects_deleted
            if not report.more_left:
                break
        vectors = 0
        try:
            vectors = await self._ingestion.purge_deleted_vectors()
        except Exception:
            get_logger().exception("maintenance step failed", extra={"fields": {"step": "vectors"}})
        fields = {"orphaned_objects_deleted": deleted, "vectors_deleted": vectors}
        get_logger().info("maintenance", extra={"fields": fields})
        return deleted
