"""The Workers composition path, run only inside Pyodide (tests/pyodide/run.mjs): building a request's
Platform from the SDK-wrapped `env`, as `src/entry.py` does for every request.

(The FastAPI app itself cannot be loaded here: Pyodide builds of pydantic_core come from a package
index this machine cannot reach. Everything below the app is exercised.)
"""

from __future__ import annotations

from typing import Any

from workerbase.bindings.workers.platform import platform_from_scope
from workerbase.config import AuthSettings, Settings


async def test_settings_come_from_env_vars_with_defaults_for_missing_ones(env: Any) -> None:
    platform = platform_from_scope({"type": "http", "env": env})
    assert platform.settings == Settings(
        environment="production",
        log_level="info",
        max_request_body_bytes=2048,
        auth=AuthSettings(jwt_secrets=("pyodide-suite-jwt-secret-0123456789abcdef",)),
    )


async def test_platform_bindings_answer_the_health_probes(env: Any) -> None:
    platform = platform_from_scope({"type": "http", "env": env})
    assert (await platform.db.query("SELECT 1 AS ok")).rows == [{"ok": 1}]
    assert await platform.kv.get("__workerbase_health__") is None
    assert await platform.files.head("__workerbase_health__") is None
    assert len(platform.crypto.random_bytes(16)) == 16
