"""Messages: AI SDK UIMessage shape, idempotent (all-or-nothing) posts, paging both ways, edits,
edit-and-regenerate deletes, public reads, isolation, limits, one D1 round trip each."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from tests.api.conftest import CountingDatabase
from workerbase.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room for a message over the 1 MB limit (the shared test settings cap bodies at 64 KiB)."""
    return replace(settings, max_request_body_bytes=4 * 1024 * 1024)


def text(message_id: str, words: str, role: str = "user") -> dict[str, Any]:
    return {"id": message_id, "role": role, "parts": [{"type": "text", "text": words}]}


@pytest.fixture
async def chat(api: httpx.AsyncClient, ada: dict[str, str]) -> str:
    response = await api.post("/v1/chats", json={"title": "t"}, headers=ada)
    chat_id: str = response.json()["id"]
    return chat_id


async def post(api: httpx.AsyncClient, who: dict[str, str], chat: str, body: Any) -> httpx.Response:
    return await api.post(f"/v1/chats/{chat}/messages", json=body, headers=who)


async def test_post_one_or_many_and_read_back(
    api: httpx.AsyncClient, ada: dict[str, str], chat: str, db: CountingDatabase
) -> None:
    db.round_trips = 0
    one = await post(api, ada, chat, text("m1", "hello"))
    assert one.status_code == 201
    assert db.round_trips == 1
    assistant = {
        "id": "m2",
        "role": "assistant",
        "parts": [
            {"type": "reasoning", "text": "thinking"},
            {"type": "text", "text": "hi there"},
            {"type": "tool-weather", "toolCallId": "c1", "state": "output-available", "output": {"temp": 21}},
        ],
        "metadata": {"model": "gpt-x", "tokens": 12},
    }
    many = await post(api, ada, chat, [assistant, text("m3", "thanks")])
    assert many.status_code == 201
    assert [m["id"] for m in many.json()] == ["m2", "m3"]
    assert many.json()[0]["parts"] == assistant["parts"]
    assert many.json()[0]["metadata"] == {"model": "gpt-x", "tokens": 12}
    db.round_trips = 0
    listed = (await api.get(f"/v1/chats/{chat}/messages", headers=ada)).json()
    assert db.round_trips == 1
    assert [m["id"] for m in listed["items"]] == ["m1", "m2", "m3"]
    assert listed["next_cursor"] is None


async def test_reposts_are_idempotent_and_conflicts_change_nothing(
    api: httpx.AsyncClient, ada: dict[str, str], chat: str
) -> None:
    await post(api, ada, chat, [text("m1", "hello"), text("m2", "world")])
    retry = await post(api, ada, chat, [text("m1", "hello"), text("m2", "world")])
    assert retry.status_code == 200
    conflict = await post(api, ada, chat, [text("m3", "new"), text("m1", "edited")])
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "message_id_conflict"
    listed = (await api.get(f"/v1/chats/{chat}/messages", headers=ada)).json()
    assert [m["id"] for m in listed["items"]] == ["m1", "m2"]  # m3 was not half-added
    partly_new = await post(api, ada, chat, [text("m2", "world"), text("m3", "new")])
    assert partly_new.status_code == 201
    assert [m["id"] for m in (await api.get(f"/v1/chats/{chat}/messages", headers=ada)).json()["items"]] == [
        "m1",
        "m2",
        "m3",
    ]


async def test_paging_back_and_forth(api: httpx.AsyncClient, ada: dict[str, str], chat: str) -> None:
    ids = [f"m{n:02d}" for n in range(10)]
    await post(api, ada, chat, [text(i, i) for i in ids])
    latest = (await api.get(f"/v1/chats/{chat}/messages", params={"limit": 4}, headers=ada)).json()
    assert [m["id"] for m in latest["items"]] == ids[6:]
    seen = [m["id"] for m in latest["items"]]
    cursor = latest["next_cursor"]
    while cursor:
        page = (
            await api.get(f"/v1/chats/{chat}/messages", params={"limit": 4, "before": cursor}, headers=ada)
        ).json()
        seen = [m["id"] for m in page["items"]] + seen
        cursor = page["next_cursor"]
    assert seen == ids
    forward: list[str] = []
    cursor = ids[1]
    while cursor:
        page = (
            await api.get(f"/v1/chats/{chat}/messages", params={"limit": 3, "after": cursor}, headers=ada)
        ).json()
        forward += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
    assert forward == ids[2:]
    missing = await api.get(f"/v1/chats/{chat}/messages", params={"before": "nope"}, headers=ada)
    assert missing.status_code == 404
    both = await api.get(f"/v1/chats/{chat}/messages", params={"before": "m01", "after": "m02"}, headers=ada)
    assert both.status_code == 422


async def test_new_messages_do_not_disturb_paging_back(
    api: httpx.AsyncClient, ada: dict[str, str], chat: str
) -> None:
    await post(api, ada, chat, [text(f"a{n}", "x") for n in range(6)])
    first = (await api.get(f"/v1/chats/{chat}/messages", params={"limit": 3}, headers=ada)).json()
    await post(api, ada, chat, [text("new1", "x"), text("new2", "x")])  # arrive while the user scrolls up
    older = (
        await api.get(
            f"/v1/chats/{chat}/messages", params={"limit": 3, "before": first["next_cursor"]}, headers=ada
        )
    ).json()
    assert [m["id"] for m in first["items"] + older["items"]] == ["a3", "a4", "a5", "a0", "a1", "a2"]


async def test_edit_delete_and_regenerate(
    api: httpx.AsyncClient, ada: dict[str, str], chat: str, db: CountingDatabase
) -> None:
    await post(api, ada, chat, [text(f"m{n}", f"text {n}") for n in range(5)])
    db.round_trips = 0
    edited = await api.patch(
        f"/v1/chats/{chat}/messages/m1", json={"parts": [{"type": "text", "text": "better"}]}, headers=ada
    )
    assert edited.status_code == 200
    assert edited.json()["parts"] == [{"type": "text", "text": "better"}]
    assert (await api.delete(f"/v1/chats/{chat}/messages/m4", headers=ada)).status_code == 204
    assert (
        await api.delete(f"/v1/chats/{chat}/messages", params={"after": "m1"}, headers=ada)
    ).status_code == 204
    assert db.round_trips == 3
    remaining = (await api.get(f"/v1/chats/{chat}/messages", headers=ada)).json()["items"]
    assert [(m["id"], m["parts"][0]["text"]) for m in remaining] == [("m0", "text 0"), ("m1", "better")]
    assert (await api.delete(f"/v1/chats/{chat}/messages/m4", headers=ada)).status_code == 404
    assert (
        await api.delete(f"/v1/chats/{chat}/messages", params={"after": "gone"}, headers=ada)
    ).status_code == 404
    # Regenerate: the next assistant message reuses nothing and appends after m1.
    assert (await post(api, ada, chat, text("m2b", "again", role="assistant"))).status_code == 201


async def test_another_users_chat_and_messages_are_404(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], chat: str
) -> None:
    await post(api, ada, chat, text("m1", "private"))
    assert (await api.get(f"/v1/chats/{chat}/messages", headers=bob)).status_code == 404
    assert (await post(api, bob, chat, text("b1", "intrusion"))).status_code == 404
    assert (
        await api.patch(f"/v1/chats/{chat}/messages/m1", json={"metadata": {"x": 1}}, headers=bob)
    ).status_code == 404
    assert (await api.delete(f"/v1/chats/{chat}/messages/m1", headers=bob)).status_code == 404
    assert (
        await api.delete(f"/v1/chats/{chat}/messages", params={"after": "m1"}, headers=bob)
    ).status_code == 404
    assert (await api.get(f"/v1/public/chats/{chat}/messages")).status_code == 404
    assert [m["id"] for m in (await api.get(f"/v1/chats/{chat}/messages", headers=ada)).json()["items"]] == [
        "m1"
    ]


async def test_public_chat_messages_need_no_auth(
    api: httpx.AsyncClient, ada: dict[str, str], chat: str
) -> None:
    await post(api, ada, chat, text("m1", "shared"))
    await api.patch(f"/v1/chats/{chat}", json={"visibility": "public"}, headers=ada)
    public = await api.get(f"/v1/public/chats/{chat}/messages")
    assert public.status_code == 200
    assert [m["id"] for m in public.json()["items"]] == ["m1"]


async def test_limits(api: httpx.AsyncClient, ada: dict[str, str], chat: str, db: CountingDatabase) -> None:
    db.round_trips = 0
    too_many_parts = {"id": "x", "role": "user", "parts": [{"type": "text", "text": "a"}] * 101}
    too_big = {"id": "x", "role": "user", "parts": [{"type": "text", "text": "a" * (1024 * 1024)}]}
    big_metadata = {**text("x", "a"), "metadata": {"blob": "a" * 16 * 1024}}
    for body in (
        too_many_parts,
        too_big,
        big_metadata,
        {"id": "x", "role": "tool", "parts": [{"type": "text", "text": "a"}]},
        {"id": "x", "role": "user", "parts": []},
        [text(f"m{n}", "a") for n in range(101)],
        [text("same", "a"), text("same", "b")],
    ):
        response = await post(api, ada, chat, body)
        assert response.status_code == 422, str(body)[:80]
    assert db.round_trips == 0
    await post(api, ada, chat, text("m1", "a"))
    too_much = await api.patch(
        f"/v1/chats/{chat}/messages/m1", json={"metadata": {"blob": "a" * 16 * 1024}}, headers=ada
    )
    assert too_much.status_code == 422
