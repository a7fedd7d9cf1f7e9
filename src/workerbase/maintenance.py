"""Work no request does: run by the Worker's `scheduled` handler (a cron trigger in wrangler.toml) and,
locally, at start and every few minutes by `workerbase-local` (which also runs due Durable Object alarms,
as workerd does on its own)."""

from __future__ import annotations

from datetime import datetime, timedelta

from workerbase.logs import get_logger
from workerbase.platform import Platform
from workerbase.ports import run
from workerbase.repositories import daily_counts
from workerbase.services.files import FileService

# Clean-up steps per run (each removes up to 1,000 objects), so one run stays well inside a Worker's
# time limits; whatever is left waits for the next run.
MAX_GARBAGE_STEPS = 20


async def run_maintenance(platform: Platform, now: datetime) -> int:
    """Remove the R2 objects no file owns (deleted files, abandoned uploads) and daily message counts of
    past days. Returns how many objects went."""
    await run(platform.db, daily_counts.forget_before((now - timedelta(days=2)).date().isoformat()))
    files = FileService(platform.db, platform.files, platform.crypto, platform.settings, now)
    deleted = 0
    for _ in range(MAX_GARBAGE_STEPS):
        report = await files.collect_garbage()
        deleted += report.objects_deleted
        if not report.more_left:
            break
    get_logger().info("maintenance", extra={"fields": {"orphaned_objects_deleted": deleted}})
    return deleted
