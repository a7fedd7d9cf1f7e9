"""An app on the local runtime in a temporary state directory, and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from workerbase.app import create_app
from workerbase.bindings.local.platform import open_local_platform
from workerbase.config import AuthSettings, Settings
from workerbase.local import PROJECT_ROOT
from workerbase.platform import Platform

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


@pytest.fixture
def platform(tmp_path: Path, settings: Settings) -> Platform:
    platform, _ = open_local_platform(tmp_path / "state", PROJECT_ROOT / "migrations", settings)
    return platform


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
