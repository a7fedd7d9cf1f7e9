"""The OpenAPI document says what the server does (issue 12, defect 11), and its pages work offline."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.conftest import BASE_URL

PROBLEM_REF = "#/components/schemas/Problem"
# What anyone may call: no bearer credential.
PUBLIC = {
    "POST /v1/auth/signup",
    "POST /v1/auth/guest",
    "POST /v1/auth/login",
    "POST /v1/auth/refresh",
    "POST /v1/auth/logout",
    "GET /v1/public/chats/{chat_id}",
    "GET /v1/public/chats/{chat_id}/messages",
    "GET /health",
}
# A bearer credential or a signed link.
EITHER = {"GET /v1/files/{file_id}/content"}


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_no_fastapi_validation_error_anywhere(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in document["components"]["schemas"]


def test_every_4xx_and_5xx_is_a_problem(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code"}
    assert {"detail", "request_id", "errors"} <= set(problem["properties"])
    for key, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": PROBLEM_REF}}
                }, (key, status)


def test_statuses_follow_from_what_each_route_is_made_of(document: dict[str, Any]) -> None:
    ops = operations(document)
    get_chat = ops["GET /v1/chats/{chat_id}"]["responses"]
    assert {"401", "403", "404", "422", "503"} <= set(get_chat)
    create_chat = ops["POST /v1/chats"]["responses"]
    assert {"400", "401", "403", "409", "413", "415", "422"} <= set(create_chat)
    assert "chat_id_taken" in create_chat["409"]["description"]
    signup = ops["POST /v1/auth/signup"]["responses"]
    assert {"409", "429"} <= set(signup)
    assert "401" not in signup
    assert "email_taken" in signup["409"]["description"]
    stream = ops["POST /v1/chats/{chat_id}/stream"]["responses"]
    assert "daily_message_limit" in stream["429"]["description"]
    assert "404" not in ops["GET /v1/chats"]["responses"]


def test_upload_documents_multipart_and_raw_bodies(document: dict[str, Any]) -> None:
    body = operations(document)["POST /v1/files"]["requestBody"]
    multipart = body["content"]["multipart/form-data"]["schema"]
    assert multipart["properties"]["file"] == {"type": "string", "format": "binary"}
    assert multipart["required"] == ["file"]
    assert body["content"]["*/*"]["schema"]["format"] == "binary"


def test_bearer_security_on_authenticated_routes_only(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    ops = operations(document)
    assert set(ops) >= PUBLIC | EITHER
    for key, operation in ops.items():
        if key in PUBLIC:
            assert operation.get("security", []) == [], key
            assert "invalid_token" not in operation["responses"].get("401", {}).get("description", ""), key
        elif key in EITHER:
            assert operation["security"] == [{"bearer": []}, {}], key
        else:
            assert operation["security"] == [{"bearer": []}], key
            assert {"401", "403"} <= set(operation["responses"]), key


def test_event_stream_and_websocket_are_described(document: dict[str, Any]) -> None:
    ops = operations(document)
    for key in ("POST /v1/chats/{chat_id}/stream", "GET /v1/chats/{chat_id}/stream"):
        ok = ops[key]["responses"]["200"]
        assert set(ok["content"]) == {"text/event-stream"}, key
        assert "UI message stream" in ok["description"]
    assert "/v1/chats/{chat_id}/ws" in document["info"]["description"]
    assert "ws-ticket" in document["info"]["description"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_our_own_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", response.text)
    assert urls
    own = urlsplit(BASE_URL).netloc
    for url in urls:
        assert urlsplit(url).netloc in ("", own), url
    assets = [url for url in urls if url != "/openapi.json"]
    assert assets
    for url in assets:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content
    for absolute in re.findall(r"https?://[^/'\"\s]+", response.text):
        assert urlsplit(absolute).netloc == own, absolute
