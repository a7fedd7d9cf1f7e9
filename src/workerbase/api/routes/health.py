"""`GET /health`: checks D1, KV and R2 concurrently, each with its latency."""

import asyncio
import time
from collections.abc import Awaitable
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import PlatformDep
from workerbase.api.problems import problem_response
from workerbase.logs import get_logger

router = DeferredRouter(tags=["health"])

# A key nobody writes: reading it exercises the binding without touching user data.
PROBE_KEY = "__workerbase_health__"


class CheckResult(BaseModel):
    status: Literal["ok", "error"]
    latency_ms: float


class HealthReport(BaseModel):
    status: Literal["ok"]
    environment: str
    checks: dict[str, CheckResult]


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"description": "A binding failed; problem+json with the same `checks`."}},
)
async def health(request: Request, platform: PlatformDep) -> Any:
    probes: dict[str, Awaitable[object]] = {
        "d1": platform.db.query("SELECT 1 AS ok"),
        "kv": platform.kv.get(PROBE_KEY),
        "r2": platform.files.head(PROBE_KEY),
    }
    results = await asyncio.gather(*(_timed(name, probe) for name, probe in probes.items()))
    checks = dict(zip(probes, results, strict=True))
    if all(check.status == "ok" for check in checks.values()):
        return HealthReport(status="ok", environment=platform.settings.environment, checks=checks)
    failed = [name for name, check in checks.items() if check.status != "ok"]
    return problem_response(
        request,
        503,
        "unhealthy",
        title="A binding is failing",
        detail=f"Failing: {', '.join(failed)}.",
        checks={name: check.model_dump() for name, check in checks.items()},
    )


async def _timed(name: str, probe: Awaitable[object]) -> CheckResult:
    started = time.perf_counter()
    try:
        await probe
        status: Literal["ok", "error"] = "ok"
    except Exception:
        get_logger().exception("health check failed", extra={"fields": {"binding": name}})
        status = "error"
    return CheckResult(status=status, latency_ms=round((time.perf_counter() - started) * 1000, 2))
