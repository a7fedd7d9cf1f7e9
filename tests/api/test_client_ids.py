"""Issue 12, defects 1-3: client ids (chats, messages, documents) have a bounded, URL-safe charset, are
refused precisely otherwise with nothing stored, and are scoped per owner: another user's id neither
conflicts nor tells anything. Public chats keep working by id alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import CountingDatabase

# What clients generate: the AI SDK's generateId() (16 alphanumerics), crypto.randomUUID(), nanoid (with
# `_` and `-`), prefixed ids, and the longest allowed.
GOOD_IDS = ["aB3dE5fG7hJ9kL1m", str(uuid.uuid4()), "V1StGXR8_Z5jdHi6B-myT", "msg_01.x~y", "x" * 128]
# NUL and other control characters, path separators, `.`/`..` segments and anything starting with a dot,
# characters a URL path changes (`%`, `?`, `#`, space), non-ASCII, empty and too long.
BAD_IDS = [
    "a\x00b",
    "a\nb",
    "a/b",
    "..",
    ".",
    ".hidden",
    "../x",
    "a%2Fb",
    "a?b",
    "a#b",
    "a b",
    "é",
    "",
    "x" * 129,
]


def message(message_id: str, text: str = "hi") -> dict[str, Any]:
    return {"id": message_id, "role": "user", "parts": [{"type": "text", "text": text}]}


async def new_chat(api: httpx.AsyncClient, user: dict[str, str], **fields: Any) -> str:
    response = await api.post("/v1/chats", json=fields, headers=user)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_invalid(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("client_id", GOOD_IDS)
async def test_ids_clients_generate_are_taken_as_they_are(
    api: httpx.AsyncClient, ada: dict[str, str], client_id: str
) -> None:
    assert await new_chat(api, ada, id=client_id) == client_id
    posted = await api.post(f"/v1/chats/{client_id}/messages", json=message(client_id), headers=ada)
    assert posted.status_code == 201
    page = await api.get(f"/v1/chats/{client_id}/messages", params={"before": client_id}, headers=ada)
    assert page.json()["items"] == []
    document = await api.post(
        "/v1/documents", json={"id": client_id, "title": "t", "kind": "text"}, headers=ada
    )
    assert (document.status_code, document.json()["id"]) == (201, client_id)
    assert (await api.get(f"/v1/documents/{client_id}", headers=ada)).status_code == 200
    assert (await api.delete(f"/v1/chats/{client_id}/messages/{client_id}", headers=ada)).status_code == 204


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_a_bad_id_in_a_body_is_422_naming_it_and_nothing_is_stored(
    api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase, bad_id: str
) -> None:
    chat_id = await new_chat(api, ada)
    db.round_trips = 0
    assert_invalid(await api.post("/v1/chats", json={"id": bad_id}, headers=ada), "body.id")
    # Defect 1: a NUL in a message id was stored, then the read-back missed it: a 500 on every retry.
    posted = await api.post(f"/v1/chats/{chat_id}/messages", json=message(bad_id), headers=ada)
    assert_invalid(posted, "body.id")
    listed = await api.post(
        f"/v1/chats/{chat_id}/messages", json=[message("ok"), message(bad_id)], headers=ada
    )
    assert_invalid(listed, "body.1.id")
    streamed = await api.post(f"/v1/chats/{chat_id}/stream", json={"message": message(bad_id)}, headers=ada)
    assert_invalid(streamed, "body.message.id")
    document = await api.post("/v1/documents", json={"id": bad_id, "title": "t", "kind": "text"}, headers=ada)
    assert_invalid(document, "body.id")
    assert db.round_trips == 0  # refused before anything was read or written
    assert (await api.get(f"/v1/chats/{chat_id}/messages", headers=ada)).json()["items"] == []
    assert len((await api.get("/v1/chats", headers=ada)).json()["items"]) == 1


@pytest.mark.parametrize("bad_id", ["a\x00b", ".hidden", "~" + "x" * 128, "a b", "é"])
async def test_a_bad_id_in_a_path_or_query_is_422(
    api: httpx.AsyncClient, ada: dict[str, str], bad_id: str
) -> None:
    chat_id = await new_chat(api, ada)
    quoted = httpx.URL(f"/v1/chats/{chat_id}/messages/x").copy_with(
        raw_path=f"/v1/chats/{chat_id}/messages/{bad_id}".encode()
        .replace(b"\x00", b"%00")
        .replace(b" ", b"%20")
        .replace("é".encode(), b"%C3%A9")
    )
    assert_invalid(await api.delete(str(quoted), headers=ada), "path.message_id")
    page = await api.get(f"/v1/chats/{chat_id}/messages", params={"after": bad_id}, headers=ada)
    assert_invalid(page, "query.after")
    assert (await api.get(f"/v1/chats/{chat_id}", headers=ada)).status_code == 200


async def test_dot_segments_and_slashes_never_redirect_into_another_resource(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    """Defect 2: `DELETE /v1/chats/{id}/messages/..%2F` answered 307 to `.../messages/..`, which a client
    resolves to the chat itself: following it deleted the whole chat."""
    chat_id = await new_chat(api, ada)
    await api.post(f"/v1/chats/{chat_id}/messages", json=message("m1"), headers=ada)
    for raw in ("messages/..%2F", "messages/m1/", "messages/.%2E", "messages/m1%2F"):
        url = httpx.URL(f"/v1/chats/{chat_id}/x").copy_with(raw_path=f"/v1/chats/{chat_id}/{raw}".encode())
        response = await api.delete(str(url), headers=ada)
        assert response.status_code in (404, 422), (raw, response.status_code)
        assert "location" not in response.headers
        assert response.headers["content-type"] == "application/problem+json"
    assert (await api.get(f"/v1/chats/{chat_id}", headers=ada)).status_code == 200
    assert len((await api.get(f"/v1/chats/{chat_id}/messages", headers=ada)).json()["items"]) == 1
    assert (await api.get("/v1/chats/", headers=ada)).status_code == 404


async def test_ids_are_per_owner_for_chats_messages_votes_and_documents(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    """Defect 3: another user's id answered 409 (`chat_id_taken`, `message_id_conflict`): an existence
    oracle, and a collision for imported data. Now each user's ids are their own."""
    shared = "aB3dE5fG7hJ9kL1m"
    for user, text in ((ada, "ada's"), (bob, "bob's")):
        assert await new_chat(api, user, id=shared, title=text) == shared
        posted = await api.post(f"/v1/chats/{shared}/messages", json=message("m1", text), headers=user)
        assert posted.status_code == 201, posted.text
        vote = await api.put(f"/v1/chats/{shared}/messages/m1/vote", json={"value": "up"}, headers=user)
        assert vote.status_code == 204
        document = await api.post(
            "/v1/documents", json={"id": shared, "title": text, "kind": "text", "content": text}, headers=user
        )
        assert (document.status_code, document.json()["version"]) == (201, 1)
    for user, text in ((ada, "ada's"), (bob, "bob's")):
        assert (await api.get(f"/v1/chats/{shared}", headers=user)).json()["title"] == text
        items = (await api.get(f"/v1/chats/{shared}/messages", headers=user)).json()["items"]
        assert [m["parts"][0]["text"] for m in items] == [text]
        assert (await api.get(f"/v1/documents/{shared}", headers=user)).json()["content"] == text
        hits = (await api.get("/v1/search/messages", params={"q": "bob"}, headers=user)).json()["items"]
        assert len(hits) == (1 if user is bob else 0)
    # One user's deletes touch only their own.
    assert (await api.delete(f"/v1/chats/{shared}/messages/m1/vote", headers=bob)).status_code == 204
    assert (await api.delete(f"/v1/chats/{shared}", headers=bob)).status_code == 204
    assert (await api.get(f"/v1/chats/{shared}", headers=bob)).status_code == 404
    assert (await api.get(f"/v1/chats/{shared}/votes", headers=ada)).json()["items"][0]["value"] == "up"
    assert len((await api.get(f"/v1/chats/{shared}/messages", headers=ada)).json()["items"]) == 1
    # Reusing a message id within one's own chats is still refused (and says nothing about others).
    other = await new_chat(api, ada)
    conflict = await api.post(f"/v1/chats/{other}/messages", json=message("m1"), headers=ada)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "message_id_conflict")


async def test_a_public_chat_is_read_by_its_id_alone_and_public_ids_stay_unique(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    shared = str(uuid.uuid4())
    await new_chat(api, ada, id=shared, title="ada's", visibility="public")
    await api.post(f"/v1/chats/{shared}/messages", json=message("m1", "ada's"), headers=ada)
    await new_chat(api, bob, id=shared, title="bob's")
    await api.post(f"/v1/chats/{shared}/messages", json=message("m1", "bob's"), headers=bob)
    public = await api.get(f"/v1/public/chats/{shared}")
    assert public.json()["title"] == "ada's"
    items = (await api.get(f"/v1/public/chats/{shared}/messages")).json()["items"]
    assert [m["parts"][0]["text"] for m in items] == ["ada's"]
    # Making bob's chat public under the same id would make the public link ambiguous: refused, and
    # nothing changes. It tells bob only what the public link tells anyone.
    refused = await api.patch(f"/v1/chats/{shared}", json={"visibility": "public"}, headers=bob)
    assert (refused.status_code, refused.json()["code"]) == (409, "public_chat_id_taken")
    assert (await api.get(f"/v1/chats/{shared}", headers=bob)).json()["visibility"] == "private"
    another = await new_chat(api, ada, visibility="public")
    created = await api.post("/v1/chats", json={"id": another, "visibility": "public"}, headers=bob)
    assert (created.status_code, created.json()["code"]) == (409, "public_chat_id_taken")
    assert (await api.get(f"/v1/chats/{another}", headers=bob)).status_code == 404
    # Once ada's is private again, bob's may be public.
    await api.patch(f"/v1/chats/{shared}", json={"visibility": "private"}, headers=ada)
    assert (
        await api.patch(f"/v1/chats/{shared}", json={"visibility": "public"}, headers=bob)
    ).status_code == 200
    assert (await api.get(f"/v1/public/chats/{shared}")).json()["title"] == "bob's"
    items = (await api.get(f"/v1/public/chats/{shared}/messages")).json()["items"]
    assert [m["parts"][0]["text"] for m in items] == ["bob's"]
