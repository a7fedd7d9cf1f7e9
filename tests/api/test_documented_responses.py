"""What the fuzzer (`tests/fuzz/run.py`) found the OpenAPI document did not say: statuses a route answers
that it did not list, requests it called valid that the server refused, and invalid ones it took. Each
test is one finding, checked both ways: what the server answers, and that the document says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def responses_of(document: dict[str, Any], operation: str) -> dict[str, Any]:
    method, path = operation.split(" ", 1)
    responses: dict[str, Any] = document["paths"][path][method.lower()]["responses"]
    return responses


def assert_documented(document: dict[str, Any], operation: str, response: httpx.Response) -> None:
    """The response's status is one the operation lists, with its problem `code` named, if it is one."""
    documented = responses_of(document, operation)
    assert str(response.status_code) in documented, (operation, response.status_code, response.text)
    if response.status_code >= 400:
        assert f"`{response.json()['code']}`" in documented[str(response.status_code)]["description"]


@pytest.mark.parametrize(
    ("operation", "query"),
    [
        ("GET /v1/chats", ""),
        ("GET /v1/files", ""),
        ("GET /v1/knowledge-bases", ""),
        ("GET /v1/me/api-keys", ""),
        ("GET /v1/search/messages", "q=hello&"),
    ],
)
async def test_a_cursor_no_list_returned_is_a_documented_400(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any], operation: str, query: str
) -> None:
    path = operation.split(" ", 1)[1]
    response = await api.get(f"{path}?{query}cursor=0000", headers=ada)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert_documented(document, operation, response)


def test_every_opaque_cursor_documents_its_400_and_a_numeric_one_does_not(document: dict[str, Any]) -> None:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            cursor = next((p for p in operation.get("parameters", []) if p["name"] == "cursor"), None)
            if cursor is None:
                continue
            numeric = "integer" in str(cursor["schema"])
            assert ("invalid_cursor" in str(operation["responses"].get("400"))) != numeric, (method, path)


def test_a_stream_refused_while_a_reply_runs_is_documented(document: dict[str, Any]) -> None:
    stream = responses_of(document, "POST /v1/chats/{chat_id}/stream")
    assert "`generation_running`" in stream["409"]["description"]
    assert "`reply_not_stored`" in stream["503"]["description"]


async def test_a_malformed_multipart_upload_is_a_documented_400(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    headers = {**ada, "content-type": "multipart/form-data; boundary=b"}
    response = await api.post("/v1/files", content=b"--b\r\n--b--\r\n", headers=headers)
    assert response.status_code == 400
    assert_documented(document, "POST /v1/files", response)
