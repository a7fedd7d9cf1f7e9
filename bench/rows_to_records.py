"""Rows to records: `RecordRows.decode` against the hand-written decoders it replaced (kept here as the
reference), on a page of 50 messages (JSON columns) and one of 50 files (scalars only).

Interleaved rounds on the same rows; prints the median microseconds per page and the ratio of medians.
Usage: uv run python bench/rows_to_records.py [rounds=200]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from workerbase.ports import Row
from workerbase.records import FileRecord, MessageRecord
from workerbase.repositories.files import FILE
from workerbase.repositories.messages import MESSAGE

PAGE = 50
CALLS_PER_ROUND = 20


def message_by_hand(row: Row) -> MessageRecord:
    return MessageRecord(
        id=str(row["id"]),
        chat_id=str(row["chat_id"]),
        user_id=str(row["user_id"]),
        seq=int(row["seq"] or 0),
        role=str(row["role"]),
        parts=json.loads(str(row["parts"])),
        metadata=None if row["metadata"] is None else json.loads(str(row["metadata"])),
        created_at=str(row["created_at"]),
        updated_at=str(row["updated_at"]),
    )


def file_by_hand(row: Row) -> FileRecord:
    return FileRecord(
        id=str(row["id"]),
        user_id=str(row["user_id"]),
        object_key=str(row["object_key"]),
        filename=str(row["filename"]),
        content_type=str(row["content_type"]),
        size=int(row["size"] or 0),
        sha256=str(row["sha256"]),
        created_at=str(row["created_at"]),
    )


def message_rows() -> list[Row]:
    return [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "chat_id": "11111111-1111-4111-8111-111111111111",
            "user_id": "22222222-2222-4222-8222-222222222222",
            "seq": n + 1,
            "role": "user" if n % 2 == 0 else "assistant",
            "parts": json.dumps([{"type": "text", "text": f"message number {n} " * 8}]),
            "metadata": None if n % 2 == 0 else '{"model":"m","finishReason":"stop"}',
            "created_at": "2026-11-23T12:00:00.000Z",
            "updated_at": "2026-11-23T12:00:00.000Z",
        }
        for n in range(PAGE)
    ]


def file_rows() -> list[Row]:
    return [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "user_id": "22222222-2222-4222-8222-222222222222",
            "object_key": f"users/22222222-2222-4222-8222-222222222222/files/{n}",
            "filename": f"photo-{n}.png",
            "content_type": "image/png",
            "size": 1000 + n,
            "sha256": "ab" * 32,
            "created_at": "2026-11-23T12:00:00.000Z",
        }
        for n in range(PAGE)
    ]


def per_page_us(decode: Callable[[Row], Any], rows: list[Row]) -> float:
    started = time.perf_counter()
    for _ in range(CALLS_PER_ROUND):
        [decode(row) for row in rows]
    return (time.perf_counter() - started) / CALLS_PER_ROUND * 1e6


def compare(name: str, by_hand: Callable[[Row], Any], generic: Callable[[Row], Any], rows: list[Row]) -> None:
    assert [by_hand(row) for row in rows] == [generic(row) for row in rows]
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    hand_times, generic_times = [], []
    for _ in range(rounds):
        hand_times.append(per_page_us(by_hand, rows))
        generic_times.append(per_page_us(generic, rows))
    hand, generic_median = statistics.median(hand_times), statistics.median(generic_times)
    print(
        f"  {name:<18} by hand {hand:7.1f} us   RecordRows {generic_median:7.1f} us"
        f"   ratio {generic_median / hand:.2f}"
    )


def main() -> None:
    print(f"Rows to records on CPython {sys.version.split()[0]}: median per page of {PAGE} rows")
    compare("messages (JSON)", message_by_hand, MESSAGE.decode, message_rows())
    compare("files (scalars)", file_by_hand, FILE.decode, file_rows())


if __name__ == "__main__":
    main()
