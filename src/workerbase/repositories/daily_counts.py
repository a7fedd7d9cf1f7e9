"""SQL for the daily message counts (migration 0011)."""

from __future__ import annotations

from workerbase.ports import Statement

# Counts one more message unless the day's limit (?3) is reached: no row changes then (a limit of 0
# allows none, so the day's first message is no exception).
_TAKE = (
    "INSERT INTO daily_message_counts (user_id, day, count) SELECT ?1, ?2, 1 WHERE ?3 > 0"
    " ON CONFLICT (user_id, day) DO UPDATE SET count = count + 1 WHERE count < ?3"
)


def take_one(user_id: str, day: str, limit: int) -> Statement:
    return Statement(_TAKE, [user_id, day, limit])


def give_back(user_id: str, day: str) -> Statement:
    """For a message that was counted but not sent to the model after all."""
    return Statement(
        "UPDATE daily_message_counts SET count = count - 1 WHERE user_id = ? AND day = ? AND count > 0",
        [user_id, day],
    )


def give_back_unless_stored(user_id: str, day: str, message_id: str) -> Statement:
    """`give_back`, once: only while the message is not stored, so it goes in the batch that stores it
    (before the insert), and a retried store gives nothing back twice."""
    return Statement(
        "UPDATE daily_message_counts SET count = count - 1 WHERE user_id = ?1 AND day = ?2 AND count > 0"
        " AND NOT EXISTS (SELECT 1 FROM messages WHERE user_id = ?1 AND id = ?3)",
        [user_id, day, message_id],
    )


def forget_before(day: str) -> Statement:
    return Statement("DELETE FROM daily_message_counts WHERE day < ?", [day])
