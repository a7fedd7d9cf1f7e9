"""An app on the local runtime in a temporary state directory, and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from workerbase.app import create_app
from workerbase.config import AuthSettings, Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime
from workerbase.platform import Platform
from workerbase.ports import Database, QueryResult, SqlParam, Statement

BASE_URL = "http://testserver"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="development",
        max_request_body_bytes=64 * 1024,
        auth=AuthSettings(
            jwt_secrets=("api-tests-jwt-secret-0123456789abcdef",), jwt_issuer="https://api.test"
        ),
    )


class CountingDatabase:
    """Counts D1 round trips (one per `query` or `batch`) so tests can hold endpoints to their budget."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.round_trips = 0

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult:
        self.round_trips += 1
        return await self.inner.query(sql, params)

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        self.round_trips += 1
        return await self.inner.batch(statements)


@pytest.fixture
def platform(tmp_path: Path, settings: Settings) -> Platform:
    platform, _ = open_local_runtime(tmp_path / "state", PROJECT_ROOT / "migrations", settings)
    return replace(platform, db=CountingDatabase(platform.db))


@pytest.fixture
def db(platform: Platform) -> CountingDatabase:
    assert isinstance(platform.db, CountingDatabase)
    return platform.db


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(lambda scope: platform)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client


def with_platform(platform: Platform, **changes: Any) -> FastAPI:
    """An app whose platform has some bindings replaced (e.g. by a failing one)."""
    return create_app(lambda scope: replace(platform, **changes))


PASSWORD = "correct horse battery staple"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(app: FastAPI, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose notion of "now" is the test's clock."""

    app.state.clock = lambda: clock.now
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client


async def signup(api: httpx.AsyncClient, email: str = "Ada@Example.com ") -> dict[str, Any]:
    response = await api.post("/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def signup_client(api: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client the shared users (`ada`, `bob`) sign up through: `api`, unless a module overrides it (live
    chat signs up over real HTTP, leaving the app's clock alone)."""
    return api


@pytest.fixture
async def ada(signup_client: httpx.AsyncClient) -> dict[str, str]:
    """The authorization header of a signed-up user."""
    return bearer((await signup(signup_client, "ada@example.com"))["access_token"])


@pytest.fixture
async def bob(signup_client: httpx.AsyncClient) -> dict[str, str]:
    """The authorization header of a second signed-up user (for what one user must not see of another's)."""
    return bearer((await signup(signup_client, "bob@example.com"))["access_token"])
