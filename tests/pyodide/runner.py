"""Runs the contract test functions inside Pyodide with the Workers adapters as fixtures.

The suites are discovered (`suites.py`), and a contract suite that runs no test fails the run. The fixture
names match `tests/contracts/conftest.py`; every test gets freshly emptied bindings; a test that needs a
fixture missing here fails.
Only runs inside Pyodide (imports the Workers SDK); started by `tests/pyodide/run.mjs`.
"""

from __future__ import annotations

import importlib
import inspect
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import workerbase_test_env  # type: ignore[import-not-found]  # registered by harness.mjs
from workers import _EnvWrapper

from tests.pyodide.suites import collected_tests, contract_modules, not_run, shell_check_modules
from workerbase.ports import Statement

# Adapters are imported inside their fixture so one suite runs while another port is being built.


async def _empty_database(env: Any) -> Any:
    from workerbase.bindings.workers.d1 import WorkersDatabase

    db = WorkersDatabase(env.DB)
    # Triggers first (a cascading delete would run them against tables already gone), then virtual
    # tables (dropping one drops its shadow tables, which cannot be dropped on their own), then the rest.
    triggers = await db.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    if triggers.rows:
        await db.batch([Statement(f'DROP TRIGGER IF EXISTS "{row["name"]!s}"') for row in triggers.rows])
    for kind in ("CREATE VIRTUAL TABLE%", "CREATE TABLE%"):
        tables = await db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE ?"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY rowid DESC",
            [kind],
        )
        if tables.rows:
            # Newest first, so a table goes before the tables it references (a child's implicit DELETE
            # needs its parent); deferred foreign keys are checked at commit, when all are gone.
            drops = [Statement(f'DROP TABLE IF EXISTS "{row["name"]!s}"') for row in tables.rows]
            await db.batch([Statement("PRAGMA defer_foreign_keys = on"), *drops])
    return db


async def _empty_key_value(env: Any) -> Any:
    from workerbase.bindings.workers.kv import WorkersKeyValue

    while True:
        page = await env.CACHE.list()
        for key in page["keys"]:
            await env.CACHE.delete(key["name"])
        if page["list_complete"]:
            break
    return WorkersKeyValue(env.CACHE)


async def _empty_object_store(env: Any) -> Any:
    from workerbase.bindings.workers.r2 import WorkersObjectStore

    while True:
        listing = await env.FILES.list()
        keys = [obj.key for obj in listing.objects]
        if keys:
            await env.FILES.delete(keys)
        if not listing.truncated:
            break
    return WorkersObjectStore(env.FILES)


async def _crypto(env: Any) -> Any:
    from workerbase.bindings.workers.crypto import WorkersCrypto

    return WorkersCrypto()


async def _durable_storage(env: Any) -> Any:
    from workers.entrypoints import DurableObjectContext

    from workerbase.bindings.workers.durable import WorkersDurableStorage

    # A fresh object per test, its storage wrapped by the SDK's DurableObjectContext as `self.ctx.storage` is
    # in a deployed Durable Object (the adapter gets the wrapper, as `ChatRoomObject` passes it).
    ctx = DurableObjectContext(await workerbase_test_env.newDurableObjectContext())
    assert type(ctx.storage).__name__ == "_BindingWrapper", "the SDK no longer wraps DurableObjectStorage"
    return WorkersDurableStorage(ctx.storage)


async def _http_client(env: Any) -> Any:
    from workerbase.bindings.workers.http import WorkersHttpClient

    return WorkersHttpClient()


async def _http_server_url(env: Any) -> Any:
    return workerbase_test_env.httpServerUrl


async def _refused_url(env: Any) -> Any:
    return workerbase_test_env.refusedUrl


async def _vector_index(env: Any) -> Any:
    from workerbase.bindings.workers.vectorize import WorkersVectorIndex

    # The binding as the SDK wraps it in a deployed Worker's env (named VectorizeIndexImpl by the shim).
    binding = _EnvWrapper(_Bindings(VECTORIZE=workerbase_test_env.newVectorIndex(4))).VECTORIZE
    assert type(binding).__name__ == "_BindingWrapper", "the SDK no longer wraps Vectorize"
    return WorkersVectorIndex(binding, dimensions=4)


async def _embedder(env: Any) -> Any:
    from workerbase.bindings.workers.ai import WorkersAiEmbedder

    binding = _EnvWrapper(_Bindings(AI=workerbase_test_env.newEmbeddingAi())).AI
    return WorkersAiEmbedder(binding, "@cf/baai/bge-small-en-v1.5", timeout_seconds=5)


async def _queue(env: Any) -> Any:
    from workerbase.bindings.workers.queues import WorkersQueue

    return WorkersQueue(env.INGEST_QUEUE)


class _MiniflareBroker:
    """What Miniflare's broker delivers to the Worker's `queue` handler (harness.mjs hands each batch on),
    consumed through the Workers consumer shell as `src/entry.py` runs it, the batch wrapped by the SDK."""

    async def deliveries(self, consume: Any, count: int) -> list[Any]:
        import asyncio

        from workers.rpc import _BindingWrapper

        from workerbase.bindings.workers.queues import deliver_batch

        delivered: list[Any] = []

        async def counted(message: Any) -> None:
            delivered.append(message)
            await consume(message)

        while len(delivered) < count:
            batch = await asyncio.wait_for(workerbase_test_env.nextQueueBatch(), 20)
            try:
                await deliver_batch(_BindingWrapper(batch), counted, retry_base_seconds=0)
            finally:
                batch.done()
        return delivered


async def _queue_broker(env: Any) -> Any:
    return _MiniflareBroker()


class _Bindings:
    """An env holding the given bindings, for the SDK's `_EnvWrapper` to wrap."""

    def __init__(self, **bindings: Any) -> None:
        self.__dict__.update(bindings)


async def _env(env: Any) -> Any:
    return env


FIXTURES: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "env": _env,
    "db": _empty_database,
    "kv": _empty_key_value,
    "store": _empty_object_store,
    "crypto": _crypto,
    "durable_storage": _durable_storage,
    "http_client": _http_client,
    "http_server_url": _http_server_url,
    "refused_url": _refused_url,
    "vector_index": _vector_index,
    "embedder": _embedder,
    "queue": _queue,
    "queue_broker": _queue_broker,
}


async def run_contract_suites(selection: str = "") -> int:
    """Run every contract suite (`tests/contracts/test_*.py`) and Workers-shell check (`*_checks.py`), or
    those whose `module::test` name contains `selection` (a module name, or `test_database::test_null`);
    return the number that failed, plus one for each selected module that ran no test."""
    env = _EnvWrapper(workerbase_test_env.env)
    passed = failed = 0
    started = time.perf_counter()
    module_part = selection.split("::")[0]
    modules = [name for name in contract_modules() + shell_check_modules() if module_part in name]
    tests_run: dict[str, int] = {}
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except Exception:  # one broken module fails (counted once), the other suites still run
            failed += 1
            print(f"FAILED {module_name} (import)\n{traceback.format_exc()}")
            continue
        tests_run[module_name] = 0
        for name, test in collected_tests(module):
            if selection not in f"{module_name}::{name}":
                continue
            tests_run[module_name] += 1
            params = list(inspect.signature(test).parameters)
            if unknown := [param for param in params if param not in FIXTURES]:
                failed += 1
                where = "not among the FIXTURES of tests/pyodide/runner.py"
                print(f"FAILED {module_name}::{name}: needs {', '.join(unknown)}, {where}")
                continue
            try:
                outcome = test(**{param: await FIXTURES[param](env) for param in params})
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                failed += 1
                print(f"FAILED {module_name}::{name}\n{traceback.format_exc()}")
            else:
                passed += 1
                print(f"passed {module_name}::{name}")
    # A `module::test` selection leaves out other tests on purpose; otherwise each selected module must run.
    unrun = not_run([] if "::" in selection else modules, tests_run)
    if selection and not sum(tests_run.values()):
        unrun.append(f"no test matches {selection!r}")
    print(f"\npyodide contract suites: {time.perf_counter() - started:.1f}s")
    for reason in unrun:
        print(f"NOT RUN: {reason}")
    print(f"{passed} passed, {failed} failed")
    return failed + len(unrun)
