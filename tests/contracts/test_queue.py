"""Queue port contract (Cloudflare Queues). Runs against the local SQLite queue (pytest) and, in Pyodide
(tests/pyodide), the Workers adapter and consumer shell against Miniflare's queue broker: workerd's own
delivery, retries and dead-letter queue (`tests/pyodide/harness.mjs` hands each batch it delivers to the
Worker's `queue` handler on to Python).

The fixtures: `queue`, the producer; `queue_broker`, whose `deliveries(consume, count)` hands what the
queue delivers to `consume` until `count` deliveries (failed ones count too) and returns them. Both
queues retry a failed message twice (`max_retries = 2`), with no back-off, then dead-letter it."""

from __future__ import annotations

import math
from typing import Any, Protocol

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument, LimitExceeded, UnsupportedValue
from workerbase.ports import Consume, Queue, QueueMessage
from workerbase.ports.queues import MAX_BODY_BYTES


class Broker(Protocol):
    async def deliveries(self, consume: Consume, count: int) -> list[QueueMessage]: ...


async def acknowledge(message: QueueMessage) -> None:
    return None


async def test_a_message_arrives_as_it_was_sent(queue: Queue, queue_broker: Broker) -> None:
    body: Any = {"source": "s-1", "big": 2**53 + 1, "text": "héllo 🌍", "none": None, "list": [1.5, True]}
    await queue.send(body)
    (message,) = await queue_broker.deliveries(acknowledge, 1)
    assert message.body == body  # JSON text across: no JS number or null conversions
    assert (message.attempts, message.dead_letter) == (1, False)
    assert message.id


async def test_a_batch_arrives_whole(queue: Queue, queue_broker: Broker) -> None:
    await queue.send_batch([{"n": 1}, {"n": 2}, {"n": 3}])
    delivered = await queue_broker.deliveries(acknowledge, 3)
    assert sorted(m.body["n"] for m in delivered) == [1, 2, 3]


async def test_a_failing_message_comes_again_then_to_the_dead_letter_queue(
    queue: Queue, queue_broker: Broker
) -> None:
    async def fail_unless_dead_letter(message: QueueMessage) -> None:
        if not message.dead_letter:
            raise RuntimeError("the source cannot be read")

    await queue.send({"source": "broken"})
    delivered = await queue_broker.deliveries(fail_unless_dead_letter, 4)
    assert [(m.attempts, m.dead_letter) for m in delivered[:3]] == [(1, False), (2, False), (3, False)]
    assert delivered[3].dead_letter
    assert delivered[3].body == {"source": "broken"}
    assert len({m.id for m in delivered[:3]}) == 1  # the same message each time


async def test_a_message_that_fails_once_is_delivered_again_and_then_done(
    queue: Queue, queue_broker: Broker
) -> None:
    seen: list[int] = []

    async def fail_first(message: QueueMessage) -> None:
        seen.append(message.attempts)
        if message.attempts == 1:
            raise RuntimeError("a provider hiccup")

    await queue.send({"source": "flaky"})
    delivered = await queue_broker.deliveries(fail_first, 2)
    assert [m.attempts for m in delivered] == seen == [1, 2]


async def test_messages_past_the_limits_are_refused_and_nothing_is_sent(
    queue: Queue, queue_broker: Broker
) -> None:
    with raises(LimitExceeded):
        await queue.send({"text": "x" * MAX_BODY_BYTES})
    with raises(LimitExceeded):
        await queue.send_batch([{"n": n} for n in range(101)])
    with raises(LimitExceeded):  # 3 x 100 KB: each fits, the batch does not
        await queue.send_batch([{"text": "x" * 100_000}] * 3)
    with raises(UnsupportedValue):
        await queue.send({"x": math.nan})
    with raises(UnsupportedValue):
        await queue.send({"x": b"bytes"})
    with raises(InvalidArgument):
        await queue.send({"x": 1}, delay_seconds=-1)
    with raises(LimitExceeded):
        await queue.send_batch([])
    await queue.send({"marker": True})
    (only,) = await queue_broker.deliveries(acknowledge, 1)
    assert only.body == {"marker": True}
