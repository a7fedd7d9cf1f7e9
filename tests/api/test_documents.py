"""Versioned documents and suggestions, with isolation between users and one D1 round trip each."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.conftest import CountingDatabase


async def save(api: httpx.AsyncClient, who: dict[str, str], **body: Any) -> httpx.Response:
    return await api.post("/v1/documents", json={"kind": "text", "title": "Essay", **body}, headers=who)


async def test_versions(api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase) -> None:
    db.round_trips = 0
    first = await save(api, ada, content="draft 1")
    assert first.status_code == 201
    doc = first.json()
    assert (doc["version"], doc["content"]) == (1, "draft 1")
    for n in (2, 3):
        again = await save(api, ada, id=doc["id"], content=f"draft {n}", kind="code")
        assert again.json()["version"] == n
    assert db.round_trips == 3
    latest = (await api.get(f"/v1/documents/{doc['id']}", headers=ada)).json()
    assert (latest["version"], latest["content"], latest["kind"]) == (3, "draft 3", "code")
    v1 = (await api.get(f"/v1/documents/{doc['id']}", params={"version": 1}, headers=ada)).json()
    assert v1["content"] == "draft 1"
    page = (await api.get(f"/v1/documents/{doc['id']}/versions", params={"limit": 2}, headers=ada)).json()
    assert [d["version"] for d in page["items"]] == [1, 2]
    rest = await api.get(
        f"/v1/documents/{doc['id']}/versions", params={"cursor": page["next_cursor"]}, headers=ada
    )
    assert [d["version"] for d in rest.json()["items"]] == [3]
    assert (
        await api.delete(f"/v1/documents/{doc['id']}/versions", params={"after": 1}, headers=ada)
    ).status_code == 204
    assert (await api.get(f"/v1/documents/{doc['id']}", headers=ada)).json()["version"] == 1
    assert (
        await api.get(f"/v1/documents/{doc['id']}", params={"version": 3}, headers=ada)
    ).status_code == 404
    assert (await save(api, ada, id=doc["id"], content="redo")).json()["version"] == 2


async def test_suggestions(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    doc = (await save(api, ada, content="teh cat")).json()
    made = await api.post(
        f"/v1/documents/{doc['id']}/suggestions",
        json={"original_text": "teh", "suggested_text": "the", "description": "typo"},
        headers=ada,
    )
    assert made.status_code == 201
    suggestion = made.json()
    assert (suggestion["document_version"], suggestion["resolved"]) == (1, False)
    listed = (await api.get(f"/v1/documents/{doc['id']}/suggestions", headers=ada)).json()["items"]
    assert [s["id"] for s in listed] == [suggestion["id"]]
    resolved = await api.post(
        f"/v1/documents/{doc['id']}/suggestions/{suggestion['id']}/resolve", headers=ada
    )
    assert resolved.json()["resolved"] is True
    await save(api, ada, id=doc["id"], content="the cat")
    assert (await api.get(f"/v1/documents/{doc['id']}/suggestions", headers=ada)).json()["items"] == []
    old = await api.get(f"/v1/documents/{doc['id']}/suggestions", params={"version": 1}, headers=ada)
    assert len(old.json()["items"]) == 1


async def test_another_users_document_is_404_and_its_id_is_theirs_alone(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    doc = (await save(api, ada, content="mine")).json()
    base = f"/v1/documents/{doc['id']}"
    assert (await api.get(base, headers=bob)).status_code == 404
    assert (await api.get(f"{base}/versions", headers=bob)).status_code == 404
    assert (await api.delete(f"{base}/versions", params={"after": 1}, headers=bob)).status_code == 404
    suggestion = {"original_text": "mine", "suggested_text": "yours"}
    assert (await api.post(f"{base}/suggestions", json=suggestion, headers=bob)).status_code == 404
    assert (await api.get(f"{base}/suggestions", headers=bob)).status_code == 404
    # Ids are per owner: bob's document under the same id is his own first version.
    his = await save(api, bob, id=doc["id"], content="his")
    assert (his.status_code, his.json()["version"]) == (201, 1)
    assert (await api.get(base, headers=ada)).json()["content"] == "mine"
    assert (await api.get(f"/v1/documents/{uuid.uuid4()}", headers=ada)).status_code == 404


async def test_document_validation(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    for body in ({"kind": "video"}, {"title": ""}, {"id": "no/pe"}):
        assert (await save(api, ada, **body)).status_code == 422
