"""Votes and full-text search, including search after edits and deletes, and isolation between users."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import CountingDatabase
from workerbase.pagination import encode_cursor


def text(message_id: str, words: str) -> dict[str, Any]:
    return {"id": message_id, "role": "user", "parts": [{"type": "text", "text": words}]}


async def new_chat(api: httpx.AsyncClient, who: dict[str, str], *messages: dict[str, Any]) -> str:
    chat_id: str = (await api.post("/v1/chats", json={}, headers=who)).json()["id"]
    if messages:
        assert (
            await api.post(f"/v1/chats/{chat_id}/messages", json=list(messages), headers=who)
        ).status_code == 201
    return chat_id


async def test_votes(api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase) -> None:
    chat = await new_chat(api, ada, text("m1", "one"), text("m2", "two"))
    db.round_trips = 0
    assert (
        await api.put(f"/v1/chats/{chat}/messages/m1/vote", json={"value": "up"}, headers=ada)
    ).status_code == 204
    assert (
        await api.put(f"/v1/chats/{chat}/messages/m1/vote", json={"value": "down"}, headers=ada)
    ).status_code == 204
    assert (
        await api.put(f"/v1/chats/{chat}/messages/m2/vote", json={"value": "up"}, headers=ada)
    ).status_code == 204
    listed = (await api.get(f"/v1/chats/{chat}/votes", headers=ada)).json()["items"]
    assert db.round_trips == 4
    assert [(v["message_id"], v["value"]) for v in listed] == [("m1", "down"), ("m2", "up")]
    assert (await api.delete(f"/v1/chats/{chat}/messages/m2/vote", headers=ada)).status_code == 204
    assert (await api.delete(f"/v1/chats/{chat}/messages/m2/vote", headers=ada)).status_code == 404
    bad = await api.put(f"/v1/chats/{chat}/messages/m1/vote", json={"value": "meh"}, headers=ada)
    assert bad.status_code == 422
    missing = await api.put(f"/v1/chats/{chat}/messages/nope/vote", json={"value": "up"}, headers=ada)
    assert missing.status_code == 404


async def test_votes_of_another_user_are_404(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    chat = await new_chat(api, ada, text("m1", "one"))
    await api.put(f"/v1/chats/{chat}/messages/m1/vote", json={"value": "up"}, headers=ada)
    assert (
        await api.put(f"/v1/chats/{chat}/messages/m1/vote", json={"value": "down"}, headers=bob)
    ).status_code == 404
    assert (await api.delete(f"/v1/chats/{chat}/messages/m1/vote", headers=bob)).status_code == 404
    assert (await api.get(f"/v1/chats/{chat}/votes", headers=bob)).status_code == 404
    assert (await api.get(f"/v1/chats/{chat}/votes", headers=ada)).json()["items"][0]["value"] == "up"


async def test_search_ranks_highlights_and_follows_edits(
    api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase
) -> None:
    chat = await new_chat(
        api,
        ada,
        text("m1", "The quick brown fox jumps over the lazy dog"),
        text("m2", "fox fox fox: a story about <b>foxes</b> and a fox"),
        text("m3", "nothing to see here"),
    )
    db.round_trips = 0
    found = (await api.get("/v1/search/messages", params={"q": "fox"}, headers=ada)).json()
    assert db.round_trips == 1
    assert [hit["message_id"] for hit in found["items"]] == ["m2", "m1"]
    assert found["items"][0]["chat_id"] == chat
    assert "<mark>fox</mark>" in found["items"][0]["snippet_html"]
    assert "&lt;b&gt;" in found["items"][0]["snippet_html"]  # the user's text is escaped
    await api.patch(
        f"/v1/chats/{chat}/messages/m1", json={"parts": [{"type": "text", "text": "a turtle"}]}, headers=ada
    )
    await api.delete(f"/v1/chats/{chat}/messages/m2", headers=ada)
    assert (await api.get("/v1/search/messages", params={"q": "fox"}, headers=ada)).json()["items"] == []
    turtle = (await api.get("/v1/search/messages", params={"q": "TURTLE"}, headers=ada)).json()
    assert [hit["message_id"] for hit in turtle["items"]] == ["m1"]
    hostile = await api.get("/v1/search/messages", params={"q": 'fox" OR NEAR(* ^'}, headers=ada)
    assert hostile.status_code == 200
    assert (await api.get("/v1/search/messages", params={"q": "?!"}, headers=ada)).status_code == 422


async def test_search_pages_and_isolation(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    await new_chat(api, ada, *[text(f"m{n}", f"apple number {n} " + "pie " * n) for n in range(7)])
    await new_chat(api, bob, text("b1", "apple from bob"))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"q": "apple", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/search/messages", params=params, headers=ada)).json()
        seen += [hit["message_id"] for hit in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"m{n}" for n in range(7)]
    assert len(seen) == len(set(seen))
    bobs = (await api.get("/v1/search/messages", params={"q": "apple"}, headers=bob)).json()
    assert [hit["message_id"] for hit in bobs["items"]] == ["b1"]


async def test_search_refuses_cursors_it_did_not_return(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    await new_chat(api, ada, text("m1", "apple"))
    for cursor in ["garbage!", encode_cursor("-1.5", "m1"), encode_cursor("a", "b", "-1.5", "m1")]:
        page = await api.get("/v1/search/messages", params={"q": "apple", "cursor": cursor}, headers=ada)
        assert page.status_code == 400
        assert page.json()["code"] == "invalid_cursor"
