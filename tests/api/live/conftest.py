"""The live-chat tests' fixtures: a fake OpenAI-compatible provider (tests/api/live_support.py) served over
real HTTP, settings pointing at it, and the app served as `workerbase-local` serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI

from tests.api.live_support import SCRIPTS, FakeOpenAI, serving
from workerbase.config import ModelSettings, Settings
from workerbase.local import ChatSocketsFirst
from workerbase.platform import Platform

MODELS = ("echo", "gated", "fails", "denied", "breaks", "hangs", *SCRIPTS)
DAILY_LIMIT = 4
TIMEOUT_SECONDS = 2


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    yield fake
    fake.shut_down.set()


@pytest.fixture
async def fake_url(fake: FakeOpenAI) -> AsyncIterator[str]:
    async with serving(fake) as url:
        yield f"{url}/v1"


@pytest.fixture
def default_system_prompt() -> str | None:
    """SYSTEM_PROMPT; a test parametrizes it by this name."""
    return None


@pytest.fixture
def title_model() -> str:
    """TITLE_MODEL; a test parametrizes it by this name."""
    return "titles"


@pytest.fixture
def approval_tools() -> tuple[str, ...]:
    """CHAT_TOOLS_NEEDING_APPROVAL; a test parametrizes it by this name."""
    return ()


@pytest.fixture
def settings(
    settings: Settings,
    fake_url: str,
    default_system_prompt: str | None,
    title_model: str,
    approval_tools: tuple[str, ...],
) -> Settings:
    models = ModelSettings(
        base_url=fake_url,
        api_key="sk-test",
        allowed=MODELS,
        timeout_seconds=TIMEOUT_SECONDS,
        daily_messages=(("guest", 1), ("user", DAILY_LIMIT)),
        system_prompt=default_system_prompt,
        title_model=title_model,
        approval_tools=approval_tools,
        weather_api_url=fake_url.removesuffix("/v1") + "/forecast",
    )
    return replace(settings, models=models, auth=replace(settings.auth, guest_accounts=True))


@pytest.fixture
async def live(app: FastAPI, platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The app served as `workerbase-local` serves it: chat WebSockets taken before the app."""
    async with (
        serving(ChatSocketsFirst(app, platform)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client


@pytest.fixture
def signup_client(live: httpx.AsyncClient) -> httpx.AsyncClient:
    """`ada` (tests/api/conftest.py) signs up over real HTTP too."""
    return live
