"""SQL for the login/signup throttles. Counting happens in SQL (`failures + 1` in an upsert) so concurrent
attempts cannot lose updates, and the exponential back-off is computed there too."""

from __future__ import annotations

from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement

# After `free` attempts in the window, each further one locks the key for base * 2^(n - free - 1)
# seconds, capped; attempts made while locked are not counted (they were refused without being tried).
# `?1` key, `?2` now, `?3` window start, `?4` free attempts, `?5` cap, `?6` base.
_RECORD_ATTEMPT = """
INSERT INTO login_throttles (key, failures, locked_until, updated_at)
VALUES (?1, 1, CASE WHEN 1 > ?4 THEN strftime('%Y-%m-%dT%H:%M:%fZ', ?2, '+' || ?6 || ' seconds') END, ?2)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN updated_at < ?3 THEN 1 ELSE failures + 1 END,
    locked_until = CASE
        WHEN (CASE WHEN updated_at < ?3 THEN 1 ELSE failures + 1 END) > ?4
        THEN strftime('%Y-%m-%dT%H:%M:%fZ', ?2, '+' || min(?5, ?6 << min(30,
            (CASE WHEN updated_at < ?3 THEN 1 ELSE failures + 1 END) - ?4 - 1)) || ' seconds')
    END,
    updated_at = ?2
WHERE locked_until IS NULL OR locked_until <= ?2
"""


def record_attempt(
    key: str,
    *,
    now: datetime,
    window_start: datetime,
    free_attempts: int,
    cap_seconds: int,
    base_seconds: int,
) -> Statement:
    return Statement(
        _RECORD_ATTEMPT, [key, iso(now), iso(window_start), free_attempts, cap_seconds, base_seconds]
    )


def clear(key: str) -> Statement:
    return Statement("DELETE FROM login_throttles WHERE key = ?", [key])


def select_locked_until(key: str) -> Statement:
    """The key's `locked_until` (no row if the key was never counted)."""
    return Statement("SELECT locked_until FROM login_throttles WHERE key = ?", [key])
