"""What the fuzzer (`tests/fuzz/run.py`) found the OpenAPI document did not say: statuses a route answers
that it did not list, requests it called valid that the server refused, and invalid ones it took. Each
test is one finding, checked both ways: what the server answers, and that the document says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from workerbase.api.schemas import MAX_STORED_INTEGER
from workerbase.bindings.d1_rules import MAX_SAFE_INTEGER


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


async def test_a_retried_message_post_is_a_documented_200_with_its_body(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    chat = (await api.post("/v1/chats", json={}, headers=ada)).json()
    operation = "POST /v1/chats/{chat_id}/messages"
    message = {"id": "m1", "role": "user", "parts": [{"type": "text", "text": "hi"}]}
    assert (await api.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=ada)).status_code == 201
    retried = await api.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=ada)
    assert retried.status_code == 200
    assert_documented(document, operation, retried)
    schema = responses_of(document, operation)["200"]["content"]["application/json"]["schema"]
    assert schema["items"] == {"$ref": "#/components/schemas/MessageOut"}


def test_a_reposted_chat_documents_its_200_body(document: dict[str, Any]) -> None:
    schema = responses_of(document, "POST /v1/chats")["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ChatOut"}


async def test_an_empty_message_list_is_refused_as_the_document_says(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    chat = (await api.post("/v1/chats", json={}, headers=ada)).json()
    response = await api.post(f"/v1/chats/{chat['id']}/messages", json=[], headers=ada)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    body = document["paths"]["/v1/chats/{chat_id}/messages"]["post"]["requestBody"]
    # One message or a list of them, told apart by their JSON type.
    batch = body["content"]["application/json"]["schema"]["oneOf"][1]
    assert (batch["minItems"], batch["maxItems"]) == (1, 100)


async def test_a_malformed_multipart_upload_is_a_documented_400(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    headers = {**ada, "content-type": "multipart/form-data; boundary=b"}
    response = await api.post("/v1/files", content=b"--b\r\n--b--\r\n", headers=headers)
    assert response.status_code == 400
    assert_documented(document, "POST /v1/files", response)


def test_the_largest_stored_integer_is_d1s() -> None:
    assert MAX_STORED_INTEGER == MAX_SAFE_INTEGER


async def test_document_versions_past_what_d1_stores_are_refused_as_the_document_says(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    created = await api.post(
        "/v1/documents", json={"kind": "text", "title": "t", "content": "c"}, headers=ada
    )
    path = f"/v1/documents/{created.json()['id']}"
    too_large = MAX_STORED_INTEGER + 1
    refused = [
        await api.get(f"{path}?version={too_large}", headers=ada),
        await api.get(f"{path}/versions?cursor={too_large}", headers=ada),
        await api.get(f"{path}/suggestions?version={too_large}", headers=ada),
        await api.delete(f"{path}/versions?after={too_large}", headers=ada),
        await api.post(
            f"{path}/suggestions",
            json={"version": too_large, "original_text": "c", "suggested_text": "d"},
            headers=ada,
        ),
    ]
    for response in refused:
        assert response.status_code == 422, response.request.url
        assert response.json()["code"] == "validation_failed", response.text
    schemas = document["components"]["schemas"]
    assert schemas["SuggestionIn"]["properties"]["version"]["anyOf"][0]["maximum"] == MAX_STORED_INTEGER
    for parameter in document["paths"]["/v1/documents/{doc_id}/versions"]["get"]["parameters"]:
        if parameter["name"] == "cursor":
            assert parameter["schema"]["maximum"] == MAX_STORED_INTEGER


async def test_a_chat_flag_must_be_a_boolean_as_the_document_says(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    chat = (await api.post("/v1/chats", json={}, headers=ada)).json()
    for flag in ("pinned", "archived"):
        for not_a_boolean in (0, 1, "true", "yes"):
            response = await api.patch(f"/v1/chats/{chat['id']}", json={flag: not_a_boolean}, headers=ada)
            assert response.status_code == 422, (flag, not_a_boolean)
    assert (await api.patch(f"/v1/chats/{chat['id']}", json={"pinned": True}, headers=ada)).json()["pinned"]


async def test_a_knowledge_base_name_of_whitespace_is_refused_as_the_document_says(
    api: httpx.AsyncClient, ada: dict[str, str], document: dict[str, Any]
) -> None:
    name = document["components"]["schemas"]["KnowledgeBaseIn"]["properties"]["name"]
    assert name["pattern"] == r"[^\s\x1c-\x1f]"
    for blank in (" ", "\u0085", "\u3000 \t", "\x1c"):
        response = await api.post("/v1/knowledge-bases", json={"name": blank}, headers=ada)
        assert response.status_code == 422, repr(blank)
    created = await api.post("/v1/knowledge-bases", json={"name": " Papers\u0085"}, headers=ada)
    assert created.status_code == 201
    assert created.json()["name"] == "Papers"


def test_each_event_of_a_reply_stream_is_described(document: dict[str, Any]) -> None:
    for operation in ("POST /v1/chats/{chat_id}/stream", "GET /v1/chats/{chat_id}/stream"):
        stream = responses_of(document, operation)["200"]["content"]["text/event-stream"]
        # `schema` would be each event to an OpenAPI 3.1 reader and the array of them to a 3.2 one.
        assert "schema" not in stream, operation
        event = stream["itemSchema"]
        assert event["required"] == ["data"]
        assert event["properties"]["data"]["type"] == "string"
