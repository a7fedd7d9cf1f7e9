"""Chats: CRUD, idempotent creation with client ids, listing, public chats, and isolation between
users (another user's chat is 404 on every route). One D1 round trip per endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.conftest import Clock, CountingDatabase
from workerbase.clock import iso


async def create(api: httpx.AsyncClient, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/chats", json=body, headers=who)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_read_update_delete(
    api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase
) -> None:
    db.round_trips = 0
    chat = await create(api, ada, title="Trip plans", metadata={"source": "discord", "channel_id": "42"})
    assert db.round_trips == 1
    assert (chat["title"], chat["visibility"], chat["archived"], chat["pinned"]) == (
        "Trip plans",
        "private",
        False,
        False,
    )
    assert chat["metadata"] == {"source": "discord", "channel_id": "42"}
    assert uuid.UUID(chat["id"])
    db.round_trips = 0
    assert (await api.get(f"/v1/chats/{chat['id']}", headers=ada)).json() == chat
    patched = await api.patch(f"/v1/chats/{chat['id']}", json={"pinned": True, "title": "Trip"}, headers=ada)
    assert patched.status_code == 200
    assert (patched.json()["pinned"], patched.json()["title"], patched.json()["metadata"]) == (
        True,
        "Trip",
        {"source": "discord", "channel_id": "42"},
    )
    assert (await api.delete(f"/v1/chats/{chat['id']}", headers=ada)).status_code == 204
    assert db.round_trips == 3
    assert (await api.get(f"/v1/chats/{chat['id']}", headers=ada)).status_code == 404


async def test_client_ids_and_idempotent_retries(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    chat_id = str(uuid.uuid4())
    first = await create(api, ada, id=chat_id, title="Hello")
    assert first["id"] == chat_id
    retry = await api.post("/v1/chats", json={"id": chat_id, "title": "Hello"}, headers=ada)
    assert retry.status_code == 200
    assert retry.json() == first
    different = await api.post("/v1/chats", json={"id": chat_id, "title": "Other"}, headers=ada)
    assert different.status_code == 409
    assert different.json()["code"] == "chat_id_taken"
    # Ids are per owner (tests/api/test_client_ids.py has the rest): bob's chat is his own.
    theirs = await api.post("/v1/chats", json={"id": chat_id, "title": "Hello"}, headers=bob)
    assert theirs.status_code == 201
    bad = await api.post("/v1/chats", json={"id": "not/an/id"}, headers=ada)
    assert bad.status_code == 422


async def test_list_newest_activity_first_with_filters_and_pages(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], clock: Clock, db: CountingDatabase
) -> None:
    titles = [f"chat {n}" for n in range(7)] + ["100% done_ok"]
    ids = []
    for title in titles:
        ids.append((await create(api, ada, title=title))["id"])
        clock.advance(1)
    await create(api, bob, title="bob's chat")
    await api.patch(f"/v1/chats/{ids[0]}", json={"archived": True}, headers=ada)
    seen: list[str] = []
    cursor = None
    db.round_trips = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/chats", params=params, headers=ada)).json()
        seen += [chat["id"] for chat in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids[1:]))
    assert db.round_trips == 3
    archived = (await api.get("/v1/chats", params={"archived": "true"}, headers=ada)).json()
    assert [chat["id"] for chat in archived["items"]] == [ids[0]]
    found = (await api.get("/v1/chats", params={"q": "% done_"}, headers=ada)).json()
    assert [chat["title"] for chat in found["items"]] == ["100% done_ok"]
    assert (await api.get("/v1/chats", params={"q": "CHAT 3"}, headers=ada)).json()["items"][0][
        "title"
    ] == "chat 3"
    bad = await api.get("/v1/chats", params={"cursor": "!!"}, headers=ada)
    assert bad.status_code == 400


async def test_a_walk_under_concurrent_activity_sees_no_chat_twice_and_a_catch_up_finds_the_rest(
    api: httpx.AsyncClient, ada: dict[str, str], clock: Clock
) -> None:
    """New activity moves a chat to the top, so a walk already past that point does not see it again
    (never twice) and may not meet it further down; re-reading the first page until a chat older than
    the walk's start shows those (the documented catch-up). Together: every chat exactly once."""
    ids = []
    for n in range(12):
        ids.append((await create(api, ada, title=f"chat {n}"))["id"])
        clock.advance(1)
    walk_started = iso(clock.now)
    clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/chats", params=params, headers=ada)).json()
        seen += [chat["id"] for chat in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # Between pages: activity on one chat already seen and one not yet seen, and a new chat.
        for bumped in (seen[0], ids[len(ids) - len(seen) - 1]):
            message = {"id": str(uuid.uuid4()), "role": "user", "parts": [{"type": "text", "text": "hi"}]}
            assert (await api.post(f"/v1/chats/{bumped}/messages", json=message, headers=ada)).is_success
            clock.advance(1)
        ids.append((await create(api, ada, title="new"))["id"])
        clock.advance(1)
    assert len(seen) == len(set(seen))
    caught_up = [
        chat["id"]
        for chat in (await api.get("/v1/chats", params={"limit": 100}, headers=ada)).json()["items"]
        if chat["last_activity_at"] > walk_started
    ]
    assert set(ids[:12]) <= set(seen) | set(caught_up)
    assert set(seen) < set(ids[:12])  # the walk alone missed some: the catch-up is needed


async def test_another_users_chat_is_404_everywhere(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    chat = await create(api, ada, title="secret")
    path = f"/v1/chats/{chat['id']}"
    assert (await api.get(path, headers=bob)).status_code == 404
    assert (await api.patch(path, json={"title": "pwned"}, headers=bob)).status_code == 404
    assert (await api.delete(path, headers=bob)).status_code == 404
    assert (await api.delete("/v1/chats", headers=bob)).status_code == 204
    assert (await api.get("/v1/chats", headers=bob)).json()["items"] == []
    assert (await api.get(path, headers=ada)).json()["title"] == "secret"
    assert (await api.get(path)).status_code == 401


async def test_delete_all_of_mine(api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]) -> None:
    for n in range(3):
        await create(api, ada, title=f"a{n}")
    kept = await create(api, bob, title="b")
    assert (await api.delete("/v1/chats", headers=ada)).status_code == 204
    assert (await api.get("/v1/chats", headers=ada)).json()["items"] == []
    assert (await api.get(f"/v1/chats/{kept['id']}", headers=bob)).status_code == 200


async def test_public_chats_are_readable_without_auth_only_while_public(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    chat = await create(api, ada, title="shared", visibility="public")
    public = await api.get(f"/v1/public/chats/{chat['id']}")
    assert public.status_code == 200
    assert public.json()["title"] == "shared"
    await api.patch(f"/v1/chats/{chat['id']}", json={"visibility": "private"}, headers=ada)
    assert (await api.get(f"/v1/public/chats/{chat['id']}")).status_code == 404
    assert (await api.get(f"/v1/public/chats/{uuid.uuid4()}")).status_code == 404


async def test_limits(api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase) -> None:
    db.round_trips = 0
    for body in (
        {"title": "x" * 201},
        {"metadata": {"blob": "x" * 16 * 1024}},
        {"visibility": "friends"},
        {"metadata": ["not", "an", "object"]},
    ):
        response = await api.post("/v1/chats", json=body, headers=ada)
        assert response.status_code == 422, body
    assert db.round_trips == 0
    chat = await create(api, ada, title="x" * 200, metadata={"blob": "x" * (16 * 1024 - 20)})
    too_big = await api.patch(
        f"/v1/chats/{chat['id']}", json={"metadata": {"blob": "x" * 16 * 1024}}, headers=ada
    )
    assert too_big.status_code == 422


async def test_a_chats_system_prompt_is_its_owners_and_not_shown_publicly(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    chat = await create(api, ada, system_prompt="Speak like a pirate.", visibility="public")
    assert chat["system_prompt"] == "Speak like a pirate."
    patched = await api.patch(f"/v1/chats/{chat['id']}", json={"system_prompt": "Be brief."}, headers=ada)
    assert patched.json()["system_prompt"] == "Be brief."
    untouched = await api.patch(f"/v1/chats/{chat['id']}", json={"title": "t"}, headers=ada)
    assert untouched.json()["system_prompt"] == "Be brief."
    public = (await api.get(f"/v1/public/chats/{chat['id']}")).json()
    assert "system_prompt" not in public
    too_long = await api.post("/v1/chats", json={"system_prompt": "x" * 16_001}, headers=ada)
    assert too_long.status_code == 422
