"""Every non-2xx response is application/problem+json with a stable code and no internals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from tests.api.conftest import BASE_URL
from workerbase.app import create_app
from workerbase.config import Settings
from workerbase.errors import BindingUnavailable, ConstraintViolation
from workerbase.platform import Platform

PROBLEM = "application/problem+json"


class Note(BaseModel):
    title: str = Field(min_length=1, max_length=10)
    stars: int = Field(ge=0)


def add_probe_routes(app: FastAPI) -> None:
    """Routes that exercise the error machinery (the product has few body-taking routes yet)."""

    @app.post("/probe/notes", status_code=201)
    async def create_note(note: Note) -> Note:
        return note

    @app.get("/probe/binding-down")
    async def binding_down() -> None:
        raise BindingUnavailable("D1", "internal: connection to 10.0.0.7 reset")

    @app.get("/probe/conflict")
    async def conflict() -> None:
        raise ConstraintViolation("unique", "UNIQUE constraint failed: users.email")

    @app.get("/probe/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture
async def probe_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    add_probe_routes(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:workerbase:problem:{code}"
    assert isinstance(body["title"], str)
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_route_is_404(probe_client: httpx.AsyncClient) -> None:
    assert_problem(await probe_client.get("/nope"), 404, "not_found")


async def test_wrong_method_is_405_with_allow(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.delete("/health")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


async def test_malformed_json_is_400(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/probe/notes", content=b'{"title": "x",', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


async def test_validation_error_is_422_naming_fields(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post("/probe/notes", json={"title": "far too long a title", "stars": -1})
    body = assert_problem(response, 422, "validation_failed")
    assert isinstance(body["errors"], list)
    assert {error["field"] for error in body["errors"]} == {"body.title", "body.stars"}


async def test_missing_body_is_422(probe_client: httpx.AsyncClient) -> None:
    body = assert_problem(await probe_client.post("/probe/notes"), 422, "validation_failed")
    assert body["errors"] == [{"field": "body", "message": "Field required", "type": "missing"}]


async def test_body_over_the_limit_is_413_from_content_length(probe_client: httpx.AsyncClient) -> None:
    # The test settings cap bodies at 64 KiB.
    response = await probe_client.post("/probe/notes", content=b"x" * (64 * 1024 + 1))
    assert_problem(response, 413, "payload_too_large")


async def test_body_over_the_limit_is_413_when_streamed_without_length(
    probe_client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 4096

    response = await probe_client.post("/probe/notes", content=chunks())
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")


async def test_binding_failure_is_503_without_internals(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.get("/probe/binding-down")
    body = assert_problem(response, 503, "binding_unavailable")
    assert body["binding"] == "D1"
    assert "10.0.0.7" not in response.text


async def test_constraint_violation_is_409(probe_client: httpx.AsyncClient) -> None:
    assert_problem(await probe_client.get("/probe/conflict"), 409, "conflict")


async def test_unexpected_error_is_500_without_internals(
    probe_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await probe_client.get("/probe/crash")
    body = assert_problem(response, 500, "internal_error")
    assert "detail" not in body
    assert "hunter2" not in response.text
    # The traceback goes to the log instead, with the request id the client saw.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    crash = next(line for line in lines if line["message"] == "unhandled error")
    assert crash["request_id"] == body["request_id"]
    assert "RuntimeError" in crash["exception"]


async def test_misconfigured_setting_is_500_naming_it(platform: Platform) -> None:
    def factory(scope: object) -> Platform:
        Settings.from_env(lambda name: "prod" if name == "ENVIRONMENT" else None)
        raise AssertionError("unreachable")

    app = create_app(factory)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        response = await client.get("/health")
    body = assert_problem(response, 500, "misconfigured")
    assert "ENVIRONMENT" in str(body["detail"])


async def test_request_id_is_echoed_or_generated(probe_client: httpx.AsyncClient) -> None:
    supplied = await probe_client.get("/health", headers={"x-request-id": "trace-123"})
    assert supplied.headers["x-request-id"] == "trace-123"
    unsafe = await probe_client.get("/health", headers={"x-request-id": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    assert len(unsafe.headers["x-request-id"]) == 32


async def test_each_request_logs_one_json_line(
    probe_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await probe_client.get("/health", headers={"x-request-id": "log-me"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 1
    assert requests[0] | {"duration_ms": 0, "time": ""} == {
        "time": "",
        "level": "info",
        "logger": "workerbase",
        "message": "request",
        "request_id": "log-me",
        "method": "GET",
        "path": "/health",
        "status": response.status_code,
        "duration_ms": 0,
    }
