"""Time as the API and the database see it: ISO-8601 UTC strings with milliseconds
('2026-11-23T12:00:00.000Z'), which sort correctly as text in SQL.

Services keep the request's time as a `datetime` named `now` and pass moments on as datetimes; they
become text only where they are stored: repositories bind them with `iso`, and a new record's
timestamps (records hold the stored text) are `iso(now)`."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> datetime:
    return datetime.now(UTC)
