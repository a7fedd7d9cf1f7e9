"""A chat's title: made by the TITLE_MODEL from the first message beside the first reply, streamed as the
ai-chatbot's `data-chat-title` part last, and stored unless the chat was named meanwhile."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.live_support import FakeOpenAI, messages_of, read_all, sse_chunks, types_of, user_message


async def until_finish_step(chunks: AsyncIterator[dict[str, Any] | str]) -> list[dict[str, Any] | str]:
    seen = []
    async for chunk in chunks:
        seen.append(chunk)
        if isinstance(chunk, dict) and chunk["type"] == "finish-step":
            return seen
    raise AssertionError("the stream ended before its step did")


async def test_the_title_is_asked_beside_the_reply_and_never_holds_its_text_back(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    fake.title_gate.clear()  # the title model is slow
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Plan a trip to Lisbon in May"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        chunks = sse_chunks(response)
        seen = await until_finish_step(chunks)  # the whole reply came while the title was being written
        assert len(fake.title_requests) == 1  # asked while the reply was written
        fake.title_gate.set()
        rest = [chunk async for chunk in chunks]
    assert "text-end" in types_of(seen)
    assert rest[0] == {"type": "data-chat-title", "data": "Plan a trip"}
    assert types_of(rest) == ["data-chat-title", "finish", "[DONE]"]
    chat = (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()
    assert chat["title"] == "Plan a trip"


async def test_a_chat_named_while_its_title_was_written_keeps_its_name(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    fake.title_gate.clear()
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Plan a trip"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        chunks = sse_chunks(response)
        await until_finish_step(chunks)
        renamed = await live.patch(f"/v1/chats/{chat_id}", json={"title": "Mine"}, headers=ada)
        assert renamed.status_code == 200
        fake.title_gate.set()
        assert [chunk async for chunk in chunks][-3]["type"] == "data-chat-title"  # type: ignore[index]
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()["title"] == "Mine"


async def test_a_chat_with_a_title_is_not_titled_again(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    created = await live.post("/v1/chats", json={"title": "Named by hand"}, headers=ada)
    chat_id = created.json()["id"]
    body = {"message": user_message("Hello"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        assert "data-chat-title" not in types_of(await read_all(response))
    assert fake.title_requests == []
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()["title"] == "Named by hand"


async def test_an_image_alone_gives_no_title_and_the_next_text_does(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    image = "data:image/png;base64,iVBORw0KGgo="
    first = {
        "id": str(uuid.uuid4()),
        "role": "user",
        "parts": [{"type": "file", "mediaType": "image/png", "url": image}],
    }
    async with live.stream(
        "POST", f"/v1/chats/{chat_id}/stream", json={"message": first, "model": "echo"}, headers=ada
    ) as response:
        assert "data-chat-title" not in types_of(await read_all(response))
    body = {"message": user_message("What is in it?"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        assert "data-chat-title" in types_of(await read_all(response))
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()["title"] == "What is in"


@pytest.mark.parametrize("title_model", ["fails"])
async def test_a_title_model_that_fails_leaves_the_message_start_as_title(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    text = (
        "Could you explain, step by step and with examples, how a Durable Object keeps state between"
        " requests?"
    )
    body = {"message": user_message(text), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        chunks = await read_all(response)
    title = "Could you explain, step by step and with examples, how a Durable Object keeps…"
    assert {"type": "data-chat-title", "data": title} in chunks
    stored = await messages_of(live, ada, chat_id)
    assert stored[1]["metadata"]["finishReason"] == "stop"  # the reply itself is whole
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()["title"] == title
