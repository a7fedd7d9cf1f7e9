from __future__ import annotations

from collections.abc import Sequence

import httpx

from tests.api.conftest import BASE_URL, with_platform
from workerbase.errors import BindingUnavailable
from workerbase.platform import Platform
from workerbase.ports import QueryResult, SqlParam, Statement


async def test_health_reports_each_binding_with_latency(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["environment"] == "development"
    assert set(body["checks"]) == {"d1", "kv", "r2"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["latency_ms"] >= 0


class UnreachableDatabase:
    """A database whose binding fails, as D1 does during an outage."""

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult:
        raise BindingUnavailable("D1", "network connection lost")

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        raise BindingUnavailable("D1", "network connection lost")


async def test_health_is_503_problem_when_a_binding_fails(platform: Platform) -> None:
    app = with_platform(platform, db=UnreachableDatabase())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "unhealthy"
    assert body["checks"]["d1"]["status"] == "error"
    assert body["checks"]["kv"]["status"] == "ok"
    assert body["checks"]["r2"]["status"] == "ok"
    assert "network connection lost" not in response.text


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/health" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
