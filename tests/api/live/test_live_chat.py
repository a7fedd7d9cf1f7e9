"""Live chat on the local runtime, over real HTTP, against a fake OpenAI-compatible server that speaks
the real streaming wire format: replies streamed and stored, client disconnects, resume, stop, upstream
errors and hangs, the daily limit."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets

from tests.api.conftest import Clock, CountingDatabase
from tests.api.live.conftest import DAILY_LIMIT, TIMEOUT_SECONDS
from tests.api.live_support import (
    STOPPED_ENDING,
    FakeOpenAI,
    eventually_stored,
    messages_of,
    read_all,
    reply_parts,
    sse_chunks,
    stream_acting_at,
    text_of,
    types_of,
    user_message,
)
from tests.node import find_node
from workerbase.bootstrap import Services
from workerbase.local import PROJECT_ROOT
from workerbase.platform import Platform
from workerbase.ports import GenerationJob, Outcome
from workerbase.services.live_chat import store_reply


async def test_a_reply_is_streamed_in_the_ui_message_protocol_and_stored(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, db: CountingDatabase
) -> None:
    chat_id = str(uuid.uuid4())
    db.round_trips = 0
    body = {"message": user_message("Say hello"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        chunks = await read_all(response)
    assert db.round_trips == 2  # the chat and the count, then the message (the room stores the reply)
    types = types_of(chunks)
    assert types == ["start", "start-step", "text-start"] + ["text-delta"] * 5 + [
        "text-end",
        "finish-step",
        "data-chat-title",  # the chat's first reply names it
        "finish",
        "[DONE]",
    ]
    assert text_of(chunks) == "Hello there, friend."
    assert chunks[-3] == {"type": "data-chat-title", "data": "Say hello"}
    reply_id = chunks[0]["messageId"]  # type: ignore[index]
    stored = await messages_of(live, ada, chat_id)
    assert [(m["role"], m["parts"]) for m in stored] == [
        ("user", body["message"]["parts"]),  # type: ignore[index]
        ("assistant", reply_parts("Hello there, friend.", title="Say hello")),
    ]
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).json()["title"] == "Say hello"
    assert [request["messages"][1:] for request in fake.title_requests] == [
        [{"role": "user", "content": "Say hello"}]
    ]
    assert stored[1]["id"] == reply_id
    assert stored[1]["metadata"] == {"model": "echo", "finishReason": "stop"}
    # The model got the history, with our key.
    upstream = fake.requests[-1]
    assert upstream["path"] == "/v1/chat/completions"
    assert upstream["headers"][b"authorization"] == b"Bearer sk-test"
    assert upstream["body"]["stream"] is True
    assert upstream["body"]["messages"] == [{"role": "user", "content": "Say hello"}]
    # The next message carries the whole conversation; useChat's default body (`messages`) works too.
    follow_up = user_message("Again")
    conversation = {
        "id": chat_id,
        "messages": [*stored, follow_up],
        "trigger": "submit-message",
        "model": "echo",
    }
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=conversation, headers=ada) as response:
        again = await read_all(response)
    assert text_of(again) == "Hello there, friend."
    assert "data-chat-title" not in types_of(again)  # titled already
    assert len(fake.title_requests) == 1
    assert [m["content"] for m in fake.requests[-1]["body"]["messages"]] == [
        "Say hello",
        "Hello there, friend.",
        "Again",
    ]


async def test_a_client_that_goes_away_does_not_lose_the_reply(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Tell me"), "model": "gated"}
    fake.open_gate(2)
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        seen = []
        async for chunk in sse_chunks(response):
            seen.append(chunk)
            if len([c for c in seen if isinstance(c, dict) and c["type"] == "text-delta"]) == 2:
                break  # the tab closes half-way
    fake.open_gate(3)
    stored = await eventually_stored(live, ada, chat_id, 2)
    assert stored[1]["parts"] == reply_parts("Hello there, friend.", title="Tell me")
    assert stored[1]["metadata"]["finishReason"] == "stop"


async def test_resuming_mid_stream_gets_every_chunk_exactly_once_in_order(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    assert (await live.get(f"/v1/chats/{chat_id}/stream", headers=ada)).status_code == 404  # no such chat
    body = {"message": user_message("Tell me"), "model": "gated"}
    fake.open_gate(2)
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as first:
        original: list[Any] = []
        async for chunk in sse_chunks(first):
            original.append(chunk)
            if len(original) == 5:  # start, start-step, text-start, two deltas
                break
    async with (
        live.stream("GET", f"/v1/chats/{chat_id}/stream", headers=ada) as resumed,
        live.stream("GET", f"/v1/chats/{chat_id}/stream", params={"offset": 5}, headers=ada) as continued,
    ):
        assert resumed.status_code == continued.status_code == 200
        assert resumed.headers["x-vercel-ai-ui-message-stream"] == "v1"
        fake.open_gate(3)
        everything, rest = await asyncio.gather(read_all(resumed), read_all(continued))
    assert everything[:5] == original
    assert everything[5:] == rest
    assert text_of(everything) == "Hello there, friend."
    assert everything[-1] == "[DONE]"
    await eventually_stored(live, ada, chat_id, 2)
    assert (await live.get(f"/v1/chats/{chat_id}/stream", headers=ada)).status_code == 204  # nothing running


async def test_stop_keeps_the_partial_reply_marked_incomplete(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Tell me"), "model": "gated"}
    fake.open_gate(2)

    async def refuse_another_then_stop() -> None:
        busy = await live.post(
            f"/v1/chats/{chat_id}/stream", json={"message": user_message("x"), "model": "echo"}, headers=ada
        )
        assert (busy.status_code, busy.json()["code"]) == (409, "generation_running")
        stopped = await live.post(f"/v1/chats/{chat_id}/stream/stop", headers=ada)
        assert stopped.status_code == 204

    chunks = await stream_acting_at(live, ada, chat_id, body, 5, refuse_another_then_stop)
    assert types_of(chunks[5:]) == STOPPED_ENDING
    stored = await messages_of(live, ada, chat_id)
    assert len(stored) == 2  # the refused message was taken back
    assert stored[1]["parts"] == reply_parts("Hello there")
    assert stored[1]["metadata"] == {"model": "gated", "finishReason": "abort", "incomplete": True}
    assert (await live.post(f"/v1/chats/{chat_id}/stream/stop", headers=ada)).status_code == 204


@pytest.mark.parametrize(
    ("model", "expected_text", "error"),
    [
        ("fails", "", "the model provider answered 500: The server had an error"),
        ("denied", "", "the model provider refused the server's credentials (401)"),  # no part of the key
        ("breaks", "Hello there", "the model provider failed: upstream overloaded"),
        ("hangs", "", f"the model sent nothing for {TIMEOUT_SECONDS} s"),
    ],
)
async def test_upstream_failures_end_the_stream_with_an_error_and_an_incomplete_reply(
    live: httpx.AsyncClient, ada: dict[str, str], model: str, expected_text: str, error: str
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Tell me"), "model": model}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        assert response.status_code == 200  # the stream had begun: failures arrive as chunks
        chunks = await read_all(response)
    errors = [c for c in chunks if isinstance(c, dict) and c["type"] == "error"]
    assert errors == [{"type": "error", "errorText": error}]
    stored = await messages_of(live, ada, chat_id)
    # `finish` carries the stored reply's metadata, which the AI SDK puts on the client's message.
    assert chunks[-2:] == [{"type": "finish", "messageMetadata": stored[1]["metadata"]}, "[DONE]"]
    assert stored[1]["parts"] == reply_parts(expected_text)
    assert stored[1]["metadata"] == {
        "model": model,
        "finishReason": "error",
        "incomplete": True,
        "error": error,
    }


@pytest.mark.parametrize(
    ("default_system_prompt", "own", "told"),
    [
        (None, "", None),
        ("Be brief.", "", "Be brief."),
        ("Be brief.", "Speak like a pirate.", "Speak like a pirate."),
    ],
)
async def test_the_model_is_told_the_chats_system_prompt_or_the_default(
    live: httpx.AsyncClient,
    ada: dict[str, str],
    fake: FakeOpenAI,
    own: str,
    told: str | None,
) -> None:
    chat = await live.post("/v1/chats", json={"system_prompt": own}, headers=ada)
    assert chat.json()["system_prompt"] == own
    body = {"message": user_message("Hi"), "model": "echo"}
    async with live.stream(
        "POST", f"/v1/chats/{chat.json()['id']}/stream", json=body, headers=ada
    ) as response:
        await read_all(response)
    sent = fake.requests[0]["body"]["messages"]
    expected = ([{"role": "system", "content": told}] if told else []) + [{"role": "user", "content": "Hi"}]
    assert sent == expected


async def test_a_failed_reply_gives_the_daily_message_back_once(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, platform: Platform, clock: Clock
) -> None:
    """Issue 13: a model that fails (before or during its reply) does not spend the user's message of the
    day. The give-back is in the reply's own batch, so the room's retries of
    a store give nothing back twice."""
    chat_id = str(uuid.uuid4())

    async def send(model: str) -> None:
        body = {"message": user_message(model), "model": model}
        async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
            await read_all(response)

    async def count() -> int:
        rows = (await platform.db.query("SELECT count FROM daily_message_counts")).rows
        value = rows[0]["count"]
        assert isinstance(value, int)
        return value

    await send("echo")
    await send("fails")
    await send("breaks")
    assert await count() == 1
    stored = await messages_of(live, ada, chat_id)
    failed = stored[3]
    assert failed["metadata"]["finishReason"] == "error"
    day = clock.now.date().isoformat()
    user_id = (await live.get("/v1/me", headers=ada)).json()["id"]
    job = GenerationJob(chat_id, user_id, failed["id"], "fails", counted_day=day)
    retried = Outcome("error", failed["metadata"]["error"])  # the room's alarm storing it again
    await store_reply(Services(platform, clock.now).messages, job, failed["parts"], retried, clock.now)
    assert await count() == 1
    assert len(await messages_of(live, ada, chat_id)) == 6


async def test_the_daily_limit_counts_messages_and_changes_nothing_when_reached(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    for n in range(DAILY_LIMIT):
        async with live.stream(
            "POST",
            f"/v1/chats/{chat_id}/stream",
            json={"message": user_message(f"m{n}"), "model": "echo"},
            headers=ada,
        ) as response:
            await read_all(response)
    other_chat = str(uuid.uuid4())
    refused = await live.post(
        f"/v1/chats/{other_chat}/stream",
        json={"message": user_message("one more"), "model": "echo"},
        headers=ada,
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "daily_message_limit"
    assert refused.json()["limit"] == DAILY_LIMIT
    assert 0 < int(refused.headers["retry-after"]) <= 86_400
    assert len(fake.requests) == DAILY_LIMIT
    assert (await live.get(f"/v1/chats/{other_chat}", headers=ada)).status_code == 404  # not even the chat
    assert len(await messages_of(live, ada, chat_id)) == 2 * DAILY_LIMIT


async def test_bad_requests_are_refused_before_anything_happens(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    cases = [
        {"message": user_message("x"), "model": "gpt-unknown"},
        {},
        {"message": {"id": "m", "role": "user", "parts": []}},
        {"message": user_message("x"), "clientTools": [{"name": "ask", "inputSchema": {"type": "string"}}]},
        {"message": user_message("x"), "clientTools": [{"name": "a b", "inputSchema": {"type": "object"}}]},
        {  # the server's own tool
            "message": user_message("x"),
            "clientTools": [{"name": "getWeather", "inputSchema": {"type": "object"}}],
        },
    ]
    for body in cases:
        response = await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=ada)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    # An assistant message continues the chat's newest reply: there is no chat.
    reply = {"message": {**user_message("x"), "role": "assistant"}}
    assert (await live.post(f"/v1/chats/{chat_id}/stream", json=reply, headers=ada)).status_code == 404
    assert fake.requests == []
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).status_code == 404
    assert (
        await live.post(f"/v1/chats/{chat_id}/stream", json={"message": user_message("x")})
    ).status_code == 401


@pytest.mark.parametrize(
    ("model", "text", "error"),
    [
        ("echo", "Hello there, friend.", None),
        ("breaks", "Hello there", "the model provider failed: upstream overloaded"),
    ],
)
async def test_the_ai_sdk_reads_our_stream(
    live: httpx.AsyncClient, ada: dict[str, str], model: str, text: str, error: str | None
) -> None:
    """`readUIMessageStream` from the npm `ai` package (what `useChat` runs) parses our bytes."""
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Hi"), "model": model}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        raw = b"".join([chunk async for chunk in response.aiter_bytes()])
    reader = await asyncio.create_subprocess_exec(
        find_node(),
        str(PROJECT_ROOT / "tests" / "api" / "read_ui_message_stream.mjs"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    output, _ = await reader.communicate(raw)
    assert reader.returncode == 0
    parsed = json.loads(output)
    assert parsed["error"] == error
    message = parsed["message"]
    reply = (await messages_of(live, ada, chat_id))[1]
    assert (message["id"], message["role"]) == (reply["id"], "assistant")
    if error is None:  # a reader that stops at the error never reaches `finish` and its metadata
        assert message["metadata"] == reply["metadata"]
    assert next(p for p in message["parts"] if p["type"] == "text")["text"] == text


async def ticket_url(live: httpx.AsyncClient, who: dict[str, str], chat_id: str) -> str:
    issued = await live.post(f"/v1/chats/{chat_id}/ws-ticket", headers=who)
    assert issued.status_code == 201, issued.text
    url: str = issued.json()["url"]
    return url


async def frames_until_finish(socket: Any) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
        frames.append(frame)
        if frame["type"] == "chunk" and frame["data"]["type"] == "finish":
            return frames


async def test_every_tab_sees_the_same_events_in_order_and_a_reconnect_catches_up(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat = (await live.post("/v1/chats", json={"title": "Live"}, headers=ada)).json()
    first_url, second_url = [await ticket_url(live, ada, chat["id"]) for _ in range(2)]
    assert first_url.startswith("ws://")
    async with websockets.connect(first_url) as first, websockets.connect(second_url) as second:
        body = {"message": user_message("Hi all"), "model": "echo"}
        async with live.stream("POST", f"/v1/chats/{chat['id']}/stream", json=body, headers=ada) as response:
            streamed = [c for c in await read_all(response) if isinstance(c, dict)]
        seen_first, seen_second = await asyncio.gather(
            frames_until_finish(first), frames_until_finish(second)
        )
    assert seen_first == seen_second
    assert [f["seq"] for f in seen_first] == sorted({f["seq"] for f in seen_first})
    assert seen_first[0]["type"] == "message"
    assert seen_first[0]["data"]["parts"] == body["message"]["parts"]  # type: ignore[index]
    assert [f["data"] for f in seen_first[1:]] == streamed  # the reply's chunks, as the SSE reader got them

    # A tab that was away since the user's message gets everything after it, then what comes next.
    async with websockets.connect(
        f"{await ticket_url(live, ada, chat['id'])}&after={seen_first[0]['seq']}"
    ) as back:
        assert await frames_until_finish(back) == seen_first[1:]
        await live.patch(f"/v1/chats/{chat['id']}", json={"title": "Renamed"}, headers=ada)
        update = json.loads(await asyncio.wait_for(back.recv(), 5))
        assert (update["type"], update["data"]["title"], update["seq"]) == (
            "chat",
            "Renamed",
            seen_first[-1]["seq"] + 1,
        )
        await back.send("ping")
        assert json.loads(await asyncio.wait_for(back.recv(), 5)) == {"type": "pong"}


async def test_websocket_tickets_are_single_use_short_lived_and_per_chat(
    live: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], clock: Any
) -> None:
    chat = (await live.post("/v1/chats", json={}, headers=ada)).json()
    other = (await live.post("/v1/chats", json={}, headers=ada)).json()
    url = await ticket_url(live, ada, chat["id"])
    async with websockets.connect(url):
        pass
    for refused in (url, url.replace(chat["id"], other["id"]), url.replace("ticket=", "ticket=x")):
        with pytest.raises(websockets.InvalidStatus) as failure:
            async with websockets.connect(refused):
                pass
        assert failure.value.response.status_code == 403
        assert failure.value.response.headers["content-type"] == "application/problem+json"
        assert json.loads(failure.value.response.body)["type"] == "urn:workerbase:problem:invalid_ticket"
    # The same admission as on Workers (api/chat_sockets.py): another path is 404, a bad `after` 400.
    fresh = await ticket_url(live, ada, chat["id"])
    for refused, status, code in (
        (fresh.replace(f"/chats/{chat['id']}/ws", "/chats/.nope/ws"), 404, "not_found"),  # not an id
        (f"{fresh}&after=x", 400, "invalid_argument"),
    ):
        with pytest.raises(websockets.InvalidStatus) as failure:
            async with websockets.connect(refused):
                pass
        assert failure.value.response.status_code == status
        assert json.loads(failure.value.response.body)["code"] == code
    assert (await live.post(f"/v1/chats/{chat['id']}/ws-ticket", headers=bob)).status_code == 404


async def test_deleting_a_chat_stops_its_reply_and_its_id_taken_by_another_user_is_a_new_room(
    live: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    fake.open_gate(1)
    body = {"message": user_message("Ada's secret"), "model": "gated"}
    frames: list[dict[str, Any]] = []

    async def delete_with_a_tab_open() -> None:
        async with websockets.connect(await ticket_url(live, ada, chat_id)) as tab:
            assert (await live.delete(f"/v1/chats/{chat_id}", headers=ada)).status_code == 204
            frames.extend(await frames_until_finish(tab))

    # At 4 chunks: start, start-step, text-start, one delta.
    chunks = await stream_acting_at(live, ada, chat_id, body, 4, delete_with_a_tab_open)
    assert types_of(chunks[4:]) == STOPPED_ENDING
    # The tab: its catch-up (the message, the reply so far), the deletion, then the stopped reply's end.
    assert [f["type"] for f in frames] == ["message"] + ["chunk"] * 4 + ["chat-deleted"] + ["chunk"] * 4
    assert frames[5]["data"] == {"id": chat_id}
    assert [f["data"]["type"] for f in frames[6:]] == ["text-end", "abort", "finish-step", "finish"]
    assert (await live.get(f"/v1/chats/{chat_id}/messages", headers=ada)).status_code == 404

    # Ids are the client's: Bob may take the deleted chat's. He gets a room of his own, with none of Ada's.
    body = {"message": user_message("Bob here"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=bob) as response:
        assert response.status_code == 200
        await read_all(response)
    async with websockets.connect(f"{await ticket_url(live, bob, chat_id)}&after=0") as tab:
        replayed = await frames_until_finish(tab)
    assert replayed[0]["seq"] == 1
    assert replayed[0]["data"]["parts"] == body["message"]["parts"]  # type: ignore[index]
    assert "Ada's secret" not in json.dumps(replayed)


async def test_resending_a_message_that_was_answered_is_refused_and_counts_nothing(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, db: CountingDatabase
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Once"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        await read_all(response)
    again = await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=ada)
    assert (again.status_code, again.json()["code"]) == (409, "message_already_answered")
    assert len(fake.requests) == 1
    assert len(await messages_of(live, ada, chat_id)) == 2
    counts = await db.query("SELECT count FROM daily_message_counts")
    assert [row["count"] for row in counts.rows] == [1]


async def test_a_refused_send_to_a_new_chat_leaves_no_chat_behind(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, db: CountingDatabase
) -> None:
    """Issue 12, defect 4: a send that was refused after its chat was made (here: a message id the caller
    used in another chat) left the new, empty chat behind. And the AI SDK's own `generateId()` ids (16
    alphanumerics, not UUIDs) are chat ids like any other."""
    first = await live.post("/v1/chats", json={}, headers=ada)
    taken = user_message("in the first chat")
    await live.post(f"/v1/chats/{first.json()['id']}/messages", json=taken, headers=ada)
    new_chat = "aB3dE5fG7hJ9kL1m"
    reused = {**taken, "parts": [{"type": "text", "text": "elsewhere"}]}
    refused = await live.post(f"/v1/chats/{new_chat}/stream", json={"message": reused}, headers=ada)
    assert (refused.status_code, refused.json()["code"]) == (409, "message_id_conflict")
    assert (await live.get(f"/v1/chats/{new_chat}", headers=ada)).status_code == 404
    assert [chat["id"] for chat in (await live.get("/v1/chats", headers=ada)).json()["items"]] == [
        first.json()["id"]
    ]
    counts = await db.query("SELECT count FROM daily_message_counts")
    assert [row["count"] for row in counts.rows] == [0]
    assert fake.requests == []
    body = {"message": user_message("Now a new one"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{new_chat}/stream", json=body, headers=ada) as response:
        assert response.status_code == 200
        await read_all(response)
    assert len(await eventually_stored(live, ada, new_chat, 2)) == 2


@pytest.mark.parametrize("package", ["ai", "ai-v6"])  # the current major and the previous one
async def test_the_ai_sdks_own_chat_sends_regenerates_and_edits(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, db: CountingDatabase, package: str
) -> None:
    """Issue 13: `chat.regenerate()` and an edit (`chat.sendMessage({text, messageId})`) were 409s. Driven
    by the npm `ai` package's `AbstractChat` and `DefaultChatTransport` (tests/api/ai_sdk_chat.mjs), with the
    SDK's own ids: the server drops the tail and answers again, and it keeps what the client shows."""
    token = ada["authorization"].removeprefix("Bearer ")
    script = PROJECT_ROOT / "tests" / "api" / "ai_sdk_chat.mjs"
    driver = await asyncio.create_subprocess_exec(
        find_node(),
        str(script),
        str(live.base_url).rstrip("/"),
        token,
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env={"AI_PACKAGE": package, "PATH": ""},
    )
    output, _ = await driver.communicate()
    assert driver.returncode == 0
    result = json.loads(output)
    steps = result["steps"]
    first_user, first_reply = steps["sent"]
    regenerated_user, regenerated_reply = steps["regenerated"]
    edited_user, edited_reply = steps["edited"]
    assert first_user["id"] == regenerated_user["id"] == edited_user["id"]
    assert len({first_reply["id"], regenerated_reply["id"], edited_reply["id"]}) == 3
    assert edited_user["parts"] == [{"type": "text", "text": "Tell me about lighthouses"}]
    # The server holds what the client shows: the edited message and the last reply, nothing else.
    stored = await messages_of(live, ada, result["chatId"])
    assert [(m["id"], m["role"]) for m in stored] == [
        (edited_user["id"], "user"),
        (edited_reply["id"], "assistant"),
    ]
    assert stored[0]["parts"] == edited_user["parts"]
    assert stored[1]["parts"] == edited_reply["parts"] == reply_parts("Hello there, friend.")
    # Each answer saw the history as it then was: the regenerate without the old reply, the edit alone.
    asked = [[m["content"] for m in request["body"]["messages"]] for request in fake.requests]
    assert asked == [["Tell me about harbors"]] * 2 + [["Tell me about lighthouses"]]
    counts = await db.query("SELECT count FROM daily_message_counts")
    assert [row["count"] for row in counts.rows] == [3]


async def test_answering_again_is_all_or_nothing_and_only_for_the_callers_user_messages(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Once"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        await read_all(response)
    before = await messages_of(live, ada, chat_id)
    reply = before[1]
    # The assistant's reply is not a user message to edit; a message id of another chat conflicts.
    as_user = {"id": reply["id"], "role": "user", "parts": [{"type": "text", "text": "x"}]}
    refused = await live.post(
        f"/v1/chats/{chat_id}/stream", json={"message": as_user, "trigger": "regenerate-message"}, headers=ada
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "message_id_conflict")
    other = (await live.post("/v1/chats", json={}, headers=ada)).json()["id"]
    moved = {**before[0], "parts": [{"type": "text", "text": "moved"}]}
    refused = await live.post(
        f"/v1/chats/{other}/stream", json={"message": moved, "messageId": moved["id"]}, headers=ada
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "message_id_conflict")
    assert await messages_of(live, ada, chat_id) == before
    assert await messages_of(live, ada, other) == []
    assert len(fake.requests) == 1
    # Without the trigger, re-sending an answered message is refused as before.
    again = await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=ada)
    assert (again.status_code, again.json()["code"]) == (409, "message_already_answered")


async def test_guests_have_their_own_daily_limit(live: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    session = (await live.post("/v1/auth/guest")).json()
    visitor = {"authorization": f"Bearer {session['access_token']}"}
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Hi"), "model": "echo"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=visitor) as response:
        assert response.status_code == 200
        await read_all(response)
    body = {"message": user_message("More"), "model": "echo"}
    refused = await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=visitor)
    assert (refused.status_code, refused.json()["code"]) == (429, "daily_message_limit")
    assert refused.json()["limit"] == 1


@pytest.mark.parametrize("deleted", ["/v1/chats", "/v1/me"])
async def test_deleting_every_chat_or_the_account_stops_their_replies(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, deleted: str
) -> None:
    chat_id = str(uuid.uuid4())
    fake.open_gate(1)
    body = {"message": user_message("Go on"), "model": "gated"}

    async def delete() -> None:
        assert (await live.delete(deleted, headers=ada)).status_code == 204

    chunks = await stream_acting_at(live, ada, chat_id, body, 4, delete)  # one delta in
    assert types_of(chunks[4:]) == STOPPED_ENDING
    assert len(fake.requests) == 1
