"""The queue port: Cloudflare Queues on Workers (`bindings/workers/queues.py`), a SQLite queue consumed
in-process locally (`bindings/local/queues.py`). Long work (ingesting a knowledge source) is sent as a
message and done by the consumer, so a request answers at once.

Delivery is at least once, as on Queues: a consumer must be idempotent. A message the consumer fails
(raises) is delivered again after a back-off (`retry_delay`), up to the queue's retries; then it goes to
the queue's dead-letter queue, named `<queue>-dlq`, whose consumer is told it failed for good. Both
adapters check Queues' limits before sending.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from workerbase.errors import InvalidArgument, LimitExceeded, UnsupportedValue
from workerbase.frozen import Frozen
from workerbase.ports.key_value import JsonValue

BINDING = "Queues"
# A message is at most 128 KB, about 100 bytes of which are the platform's own.
MAX_BODY_BYTES = 128_000 - 100
MAX_BATCH_MESSAGES = 100
MAX_BATCH_BYTES = 256_000 - 100 * MAX_BATCH_MESSAGES
MAX_DELAY_SECONDS = 12 * 60 * 60
DEAD_LETTER_SUFFIX = "-dlq"
# Back-off between deliveries of a failed message: 10 s, 20 s, 40 s... at most 10 minutes.
RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 600


class QueueMessage(Frozen):
    id: str
    body: JsonValue
    attempts: int  # 1 on the first delivery
    queue: str  # the queue it came from (a dead-letter queue ends in DEAD_LETTER_SUFFIX)

    @property
    def dead_letter(self) -> bool:
        """The message failed every retry of its queue: its consumer gives up on it."""
        return self.queue.endswith(DEAD_LETTER_SUFFIX)


# What a queue delivers each message to: returning acknowledges it, raising has it delivered again.
Consume = Callable[[QueueMessage], Awaitable[None]]


class Queue(Protocol):
    async def send(self, body: JsonValue, *, delay_seconds: int = 0) -> None: ...

    async def send_batch(self, bodies: Sequence[JsonValue], *, delay_seconds: int = 0) -> None:
        """All or none (at most MAX_BATCH_MESSAGES, MAX_BATCH_BYTES in all)."""
        ...


def retry_delay(attempts: int, base_seconds: int | None = None) -> int:
    """How long a message that failed its `attempts`-th delivery waits for the next (`base_seconds`:
    RETRY_BASE_SECONDS unless a test wants none)."""
    base = RETRY_BASE_SECONDS if base_seconds is None else base_seconds
    return min(base * (1 << max(attempts - 1, 0)), RETRY_MAX_SECONDS)


def encoded(body: JsonValue) -> str:
    """The body as both adapters send it (JSON), after Queues' size limit is checked."""
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UnsupportedValue(f"a queue message is JSON: {exc}") from exc
    if len(text.encode()) > MAX_BODY_BYTES:
        raise LimitExceeded(BINDING, "message_bytes", f"a queue message is at most {MAX_BODY_BYTES} bytes")
    return text


def check_batch(bodies: Sequence[JsonValue], delay_seconds: int) -> list[str]:
    check_delay(delay_seconds)
    if not 1 <= len(bodies) <= MAX_BATCH_MESSAGES:
        raise LimitExceeded(BINDING, "batch_messages", f"a batch is 1 to {MAX_BATCH_MESSAGES} messages")
    texts = [encoded(body) for body in bodies]
    if sum(len(text.encode()) for text in texts) > MAX_BATCH_BYTES:
        raise LimitExceeded(BINDING, "batch_bytes", f"a batch is at most {MAX_BATCH_BYTES} bytes")
    return texts


def check_delay(delay_seconds: int) -> None:
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise InvalidArgument(f"a delay is 0 to {MAX_DELAY_SECONDS} s")
