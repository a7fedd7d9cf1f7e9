"""Issue 12, defects 5 and 6: numbers JSON cannot carry, and creates by an account deleted since its token
was issued. Each is refused precisely, and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import CountingDatabase, signup
from workerbase.api.deps import PrincipalDep
from workerbase.errors import ConstraintViolation

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}


def text_message(message_id: str) -> dict[str, Any]:
    return {"id": message_id, "role": "user", "parts": [{"type": "text", "text": "hi"}]}


# --- defect 5: NaN, Infinity, -Infinity and literals too large for a double -----------------------------

# Python's json reads these; RFC 8259 has no such numbers, and SQLite's JSON functions refuse them (a CHECK
# failure) or, inside an array, turn them into null.
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999", "-1" + "0" * 400 + ".5"]


@pytest.mark.parametrize("number", NON_FINITE)
async def test_non_finite_numbers_in_chat_metadata_are_422_and_nothing_is_stored(
    api: httpx.AsyncClient, ada: dict[str, str], number: str
) -> None:
    chat_id = str(uuid.uuid4())
    body = f'{{"id": "{chat_id}", "metadata": {{"source": "x", "score": {number}}}}}'
    response = await api.post("/v1/chats", content=body, headers={**ada, **JSON})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [error["field"] for error in problem["errors"]] == ["body.metadata.score"]
    assert problem["errors"][0]["type"] == "finite_number"
    assert (await api.get(f"/v1/chats/{chat_id}", headers=ada)).status_code == 404


async def test_non_finite_numbers_in_message_parts_and_metadata_are_422_naming_each(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    chat_id = (await api.post("/v1/chats", json={}, headers=ada)).json()["id"]
    body = (
        '[{"id": "m1", "role": "user", "parts": [{"type": "data-x", "data": {"values": [1, NaN]}}]},'
        ' {"id": "m2", "role": "user", "parts": [{"type": "text", "text": "NaN"}],'
        ' "metadata": {"t": -Infinity}}]'
    )
    response = await api.post(f"/v1/chats/{chat_id}/messages", content=body, headers={**ada, **JSON})
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [
        "body.0.parts.0.data.values.1",
        "body.1.metadata.t",
    ]
    assert (await api.get(f"/v1/chats/{chat_id}/messages", headers=ada)).json()["items"] == []


async def test_non_finite_numbers_are_refused_by_every_json_route(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    """One check for every route with a JSON body, before the route's model sees it: even where the model
    has no number at all (a top-level number, or one in a field the model ignores)."""
    for path, body, field in [
        ("/v1/documents", '{"kind": "text", "title": "t", "extra": Infinity}', "body.extra"),
        ("/v1/knowledge-bases", "NaN", "body"),
        ("/v1/auth/login", '{"email": "a@example.com", "password": "x", "n": [NaN]}', "body.n.0"),
    ]:
        response = await api.post(path, content=body, headers={**ada, **JSON})
        assert response.status_code == 422, (path, response.text)
        assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_finite_numbers_and_the_words_in_strings_are_kept(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    body = '{"metadata": {"text": "NaN Infinity 1e999", "big": 1e308, "small": -2.5e-300, "n": [1, 2.5]}}'
    response = await api.post("/v1/chats", content=body, headers={**ada, **JSON})
    assert response.status_code == 201, response.text
    assert response.json()["metadata"] == {
        "text": "NaN Infinity 1e999",
        "big": 1e308,
        "small": -2.5e-300,
        "n": [1, 2.5],
    }


# --- defect 6: creates after DELETE /me -----------------------------------------------------------------


async def test_creates_by_a_deleted_account_are_401_invalid_token(
    api: httpx.AsyncClient, db: CountingDatabase
) -> None:
    """Its access token still verifies (no D1 read authenticates it), but the account and everything it
    owned are gone: each create is the 401 a client handles by signing in again, not a 409."""
    who = {"authorization": f"Bearer {(await signup(api, 'gone@example.com'))['access_token']}"}
    chat_id = (await api.post("/v1/chats", json={}, headers=who)).json()["id"]
    assert (await api.post(f"/v1/chats/{chat_id}/messages", json=text_message("m1"), headers=who)).is_success
    assert (await api.delete("/v1/me", headers=who)).status_code == 204

    new_chat = str(uuid.uuid4())
    creates: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/chats", {"json": {"id": new_chat}}),
        ("POST", f"/v1/chats/{new_chat}/stream", {"json": {"message": text_message("m4")}}),
        ("POST", "/v1/documents", {"json": {"kind": "text", "title": "t", "content": "c"}}),
        ("POST", "/v1/files", {"files": {"file": ("a.txt", b"hello", "text/plain")}}),
        ("POST", "/v1/me/api-keys", {"json": {"name": "k", "scopes": ["read"]}}),
        ("POST", "/v1/knowledge-bases", {"json": {"name": "kb"}}),
    ]
    for method, path, kwargs in creates:
        response = await api.request(method, path, headers=who, **kwargs)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "invalid_token", (method, path)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # Writes into a chat: the chat went with the account (or never was), and says so.
    for method, path, body in [
        ("POST", f"/v1/chats/{chat_id}/messages", text_message("m3")),
        ("POST", f"/v1/chats/{new_chat}/messages", text_message("m2")),
        ("PUT", f"/v1/chats/{chat_id}/messages/m1/vote", {"value": "up"}),
    ]:
        response = await api.request(method, path, json=body, headers=who)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), (path, response.text)
    for table in ("chats", "messages", "documents", "files", "api_keys", "knowledge_bases"):
        assert (await db.query(f"SELECT count(*) AS n FROM {table}")).first() == {"n": 0}, table


async def test_a_live_account_keeps_its_conflicts_and_writes_cost_no_extra_round_trip(
    app: FastAPI, api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase
) -> None:
    """The account is looked up only when a write failed on a foreign key: a write that succeeds costs
    what it did, and a foreign key that failed for another reason (a parent deleted meanwhile) stays 409."""

    @app.post("/probe/parent-gone")
    async def parent_gone(principal: PrincipalDep) -> None:
        raise ConstraintViolation("foreign_key", "FOREIGN KEY constraint failed")

    before = db.round_trips
    assert (await api.post("/v1/chats", json={}, headers=ada)).status_code == 201
    assert db.round_trips - before == 1
    response = await api.post("/probe/parent-gone", headers=ada)
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
