"""Fixtures that give the contract tests the local (CPython) adapters, fresh for every test.

`tests/pyodide/runner.py` gives the same test functions the Workers adapters over Miniflare's bindings.
The fixture names (`db`, `kv`, `store`, `crypto`, `durable_storage`, `http_client`, `http_server_url`,
`refused_url`, `vector_index`, `embedder`, `queue`, `queue_broker`) are the contract between the two
runners.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from workerbase.bindings.local.crypto import LocalCrypto
from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.durable import SqliteDurableStorage
from workerbase.bindings.local.embeddings import LocalEmbedder
from workerbase.bindings.local.http import HttpxClient
from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.bindings.local.r2 import FileObjectStore
from workerbase.bindings.local.vectors import SqliteVectorIndex
from workerbase.ports import Consume, QueueMessage


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "d1.sqlite3")
    yield database
    database.close()


@pytest.fixture
def kv(tmp_path: Path) -> Iterator[SqliteKeyValue]:
    store = SqliteKeyValue(tmp_path / "kv.sqlite3")
    yield store
    store.close()


@pytest.fixture
def store(tmp_path: Path) -> FileObjectStore:
    return FileObjectStore(tmp_path / "r2")


@pytest.fixture
def vector_index(tmp_path: Path) -> Iterator[SqliteVectorIndex]:
    index = SqliteVectorIndex(tmp_path / "vectorize.sqlite3", dimensions=4)
    yield index
    index.close()


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    return LocalEmbedder()


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[SqliteQueue]:
    local = SqliteQueue(tmp_path / "queue.sqlite3", "contract-queue", max_retries=2, retry_base_seconds=0)
    yield local
    local.close()


class LocalBroker:
    """Delivers what the local queue has due, as the local runtime's consumer loop does."""

    def __init__(self, queue: SqliteQueue) -> None:
        self._queue = queue

    async def deliveries(self, consume: Consume, count: int) -> list[QueueMessage]:
        delivered: list[QueueMessage] = []

        async def counted(message: QueueMessage) -> None:
            delivered.append(message)
            await consume(message)

        while len(delivered) < count:
            if await self._queue.deliver_due(counted, batch_size=count - len(delivered)) == 0:
                raise AssertionError(f"{len(delivered)} deliveries, not {count}: nothing more is due")
        return delivered


@pytest.fixture
def queue_broker(queue: SqliteQueue) -> LocalBroker:
    return LocalBroker(queue)


@pytest.fixture
def crypto() -> LocalCrypto:
    return LocalCrypto()


@pytest.fixture
def durable_storage(tmp_path: Path) -> Iterator[SqliteDurableStorage]:
    storage = SqliteDurableStorage(tmp_path / "durable.sqlite3", "contract", on_alarm_set=lambda at: None)
    yield storage
    storage.close()


@pytest.fixture
async def http_client() -> AsyncIterator[HttpxClient]:
    client = HttpxClient()
    yield client
    await client.aclose()


@pytest.fixture
async def http_server_url() -> AsyncIterator[str]:
    """The contract's HTTP server, served by uvicorn on this test's event loop (in Pyodide, the harness
    serves the same routes from Node)."""
    from tests.api.live_support import serving
    from tests.contracts.test_http_client import ContractHttpServer

    async with serving(ContractHttpServer()) as url:
        yield url


@pytest.fixture
def refused_url() -> str:
    """A local port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
