"""CORS from `CORS_ORIGINS`: preflights answered for every route, allowed origins echoed on every response
(problems and streams included), other origins and an unset setting given no CORS headers, credentials
never allowed, origins validated when the settings are read, and the setting read per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from tests.api.conftest import BASE_URL
from tests.api.test_errors import assert_problem
from workerbase.app import create_app
from workerbase.config import Settings
from workerbase.errors import ConfigurationError
from workerbase.platform import Platform

APP = "https://app.example.com"
LOCAL = "http://localhost:3000"
EVIL = "https://evil.example.net"
REQUIRED = {"ENVIRONMENT": "development", "JWT_SECRETS": "x" * 32}


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.startswith("access-control-")}


def preflight(
    method: str = "POST", origin: str = APP, headers: str = "authorization, content-type"
) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": headers,
    }


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, cors_origins=(APP, LOCAL))


async def test_preflight_is_answered_for_every_route(api: httpx.AsyncClient) -> None:
    for method, path in [
        ("PATCH", "/v1/chats/some-chat"),
        ("POST", "/v1/chats/some-chat/stream"),
        ("POST", "/v1/files"),
        ("GET", "/health"),
        ("DELETE", "/v1/me"),
    ]:
        response = await api.options(path, headers=preflight(method))
        assert response.status_code == 204, (path, response.text)
        assert response.content == b""
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == APP
        assert method in headers["access-control-allow-methods"].split(", ")
        allowed = {name.lower() for name in headers["access-control-allow-headers"].split(", ")}
        assert {"authorization", "content-type", "x-request-id"} <= allowed
        assert int(headers["access-control-max-age"]) > 0
        assert "access-control-allow-credentials" not in headers
        assert response.headers["vary"] == "Origin"


async def test_allowed_origin_gets_the_headers_on_answers_and_problems(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    ok = await api.get("/v1/chats", headers={**ada, "origin": LOCAL})
    assert ok.status_code == 200
    problem = await api.get("/v1/chats", headers={"origin": LOCAL})  # no token: 401
    too_large = await api.post("/v1/chats", content=b"x" * (64 * 1024 + 1), headers={**ada, "origin": LOCAL})
    assert_problem(problem, 401, "invalid_token")
    assert_problem(too_large, 413, "payload_too_large")  # answered by the outer middleware itself
    for response in (ok, problem, too_large):
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == LOCAL
        exposed = {name.lower() for name in headers["access-control-expose-headers"].split(", ")}
        assert {
            "x-request-id",
            "retry-after",
            "x-vercel-ai-ui-message-stream",
            "content-disposition",
        } <= exposed
        assert "access-control-allow-credentials" not in headers
        assert "Origin" in response.headers.get_list("vary")


async def test_another_origin_gets_no_cors_headers_and_its_preflight_a_403(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    response = await api.get("/v1/chats", headers={**ada, "origin": EVIL})
    assert response.status_code == 200
    assert cors_headers(response) == {}
    assert response.headers["vary"] == "Origin"
    refused = await api.options("/v1/chats", headers=preflight(origin=EVIL))
    body = assert_problem(refused, 403, "origin_not_allowed")
    assert "CORS_ORIGINS" in str(body["detail"])
    assert cors_headers(refused) == {}


async def test_a_plain_options_and_a_request_without_origin_are_not_cors(api: httpx.AsyncClient) -> None:
    plain = await api.options(
        "/v1/chats/some-chat", headers={"origin": APP}
    )  # no Access-Control-Request-Method
    assert_problem(plain, 405, "method_not_allowed")
    assert plain.headers["allow"] == "GET, PATCH, DELETE"
    same_origin = await api.get("/health")
    assert cors_headers(same_origin) == {}
    # Still varies by Origin: a browser must not reuse this cached answer for another origin's fetch.
    assert same_origin.headers["vary"] == "Origin"


async def test_streamed_responses_pass_through_untouched(app: FastAPI, api: httpx.AsyncClient) -> None:
    @app.get("/probe/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(3):
                yield f"data: {number}\n\n".encode()

        return StreamingResponse(chunks(), media_type="text/event-stream")

    async with api.stream("GET", "/probe/stream", headers={"origin": APP}) as response:
        received = [chunk async for chunk in response.aiter_raw()]
    assert b"".join(received) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["access-control-allow-origin"] == APP


async def test_any_origin(platform: Platform) -> None:
    app = create_app(
        lambda scope: replace(platform, settings=replace(platform.settings, cors_origins=("*",)))
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        response = await client.get("/health", headers={"origin": EVIL})
        answered = await client.options("/v1/chats", headers=preflight(origin=EVIL))
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers
    assert answered.status_code == 204
    assert answered.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answered.headers


async def test_unset_means_no_cors_and_the_setting_is_read_per_request(platform: Platform) -> None:
    origins: list[tuple[str, ...]] = [()]
    app = create_app(
        lambda scope: replace(platform, settings=replace(platform.settings, cors_origins=origins[0]))
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        response = await client.get("/health", headers={"origin": APP})
        assert cors_headers(response) == {}
        assert "vary" not in response.headers
        assert_problem(await client.options("/v1/chats", headers=preflight()), 405, "method_not_allowed")
        origins[0] = (APP,)  # as a new deployment's env would
        assert (await client.options("/v1/chats", headers=preflight())).status_code == 204


def test_origins_are_parsed_and_validated() -> None:
    def origins(value: str) -> tuple[str, ...]:
        return Settings.from_env({**REQUIRED, "CORS_ORIGINS": value}.get).cors_origins

    assert Settings.from_env(REQUIRED.get).cors_origins == ()
    assert origins(f" {APP} , {LOCAL},") == (APP, LOCAL)
    assert origins("http://127.0.0.1:8080") == ("http://127.0.0.1:8080",)
    assert origins("*") == ("*",)
    for bad in [
        "app.example.com",
        "https://app.example.com/",
        "https://app.example.com/app",
        "https://app.example.com?x=1",
        "ftp://app.example.com",
        "https://user@app.example.com",
        "https://app.example.com:99999",
        "https://App.Example.com",
        "https://app.example.com:443",  # browsers never send the default port
        "http://localhost:80",
        "https://app.example.com.",
        f"*,{APP}",
    ]:
        with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
            origins(bad)


async def test_an_apps_own_request_headers_are_allowed_from_the_setting(platform: Platform) -> None:
    settings = replace(platform.settings, cors_origins=(APP,), cors_allow_headers=("X-Tenant-Id",))
    app = create_app(lambda scope: replace(platform, settings=settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        answered = await client.options("/v1/chats", headers=preflight(headers="authorization, x-tenant-id"))
    allowed = answered.headers["access-control-allow-headers"].lower().split(", ")
    assert {"authorization", "content-type", "x-tenant-id"} <= set(allowed)


def test_allowed_headers_are_parsed_and_validated() -> None:
    def headers(value: str) -> tuple[str, ...]:
        return Settings.from_env({**REQUIRED, "CORS_ALLOW_HEADERS": value}.get).cors_allow_headers

    assert Settings.from_env(REQUIRED.get).cors_allow_headers == ()
    assert headers(" X-Tenant-Id, x-trace ,") == ("X-Tenant-Id", "x-trace")
    for bad in ["X Tenant", "X-Tenant:1", "é"]:
        with pytest.raises(ConfigurationError, match="CORS_ALLOW_HEADERS"):
            headers(bad)
