"""Cloudflare Queues: the producer binding (`INGEST_QUEUE`) and the consumer shell the Worker's `queue`
handler runs (`src/entry.py`). Bodies are sent as JSON text (`contentType: "text"`): what arrives is
exactly what was sent, with none of the JS FFI's conversions of numbers and nulls in between.

The batch a consumer gets is the Workers SDK's wrapper of the runtime's MessageBatch: each message's
`body`, `attempts`, `ack()` and `retry({delaySeconds})`, and the batch's `queue` (its queue's name)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pyodide.ffi import JsException

from workerbase.errors import BindingUnavailable, ConfigurationError
from workerbase.logs import get_logger
from workerbase.ports import Consume, JsonValue, QueueMessage, retry_delay
from workerbase.ports.queues import BINDING, check_batch, check_delay, encoded


class WorkersQueue:
    def __init__(self, binding: Any) -> None:
        self._queue = binding

    async def send(self, body: JsonValue, *, delay_seconds: int = 0) -> None:
        check_delay(delay_seconds)
        await self._call("send", encoded(body), {"contentType": "text", "delaySeconds": delay_seconds})

    async def send_batch(self, bodies: Sequence[JsonValue], *, delay_seconds: int = 0) -> None:
        texts = check_batch(bodies, delay_seconds)
        messages = [{"body": text, "contentType": "text", "delaySeconds": delay_seconds} for text in texts]
        await self._call("sendBatch", messages)

    async def _call(self, method: str, *args: Any) -> None:
        if self._queue is None:
            raise ConfigurationError("the queue binding `INGEST_QUEUE` is not configured (wrangler.toml)")
        try:
            await getattr(self._queue, method)(*args)
        except JsException as exc:
            raise BindingUnavailable(BINDING, f"{method} failed: {exc}") from exc


async def deliver_batch(batch: Any, consume: Consume, *, retry_base_seconds: int | None = None) -> None:
    """Hand each message of a batch to `consume`: acknowledged when it returns, retried after its
    back-off when it raises (the queue's `max_retries` then sends it to the dead-letter queue)."""
    queue = str(batch.queue)
    for message in batch.messages:
        attempts = int(message.attempts)
        try:
            delivered = QueueMessage(str(message.id), json.loads(str(message.body)), attempts, queue)
            await consume(delivered)
        except Exception:
            fields = {"queue": queue, "message_id": str(message.id), "attempts": attempts}
            get_logger().warning(
                "a queue message failed; it will be delivered again", exc_info=True, extra={"fields": fields}
            )
            wait = retry_delay(attempts, retry_base_seconds)
            message.retry({"delaySeconds": wait})
        else:
            message.ack()
