"""Replies beyond plain text, driven and read by the AI SDK's own client code (the npm `ai` package, the
current major and the previous one): server-side tools in a loop with the model, reasoning, the
ai-chatbot's document tool with its data parts, files reaching the model, usage on `finish`, and a resume
in the middle of a tool call. The fake provider (tests/api/live_support.py) speaks OpenAI's streaming
format, `tool_calls` deltas and `reasoning_content` included."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.api.live_support import FakeOpenAI, messages_of, read_all, types_of, user_message
from tests.node import find_node
from workerbase.local import PROJECT_ROOT

AI_PACKAGES = ["ai", "ai-v6"]  # the current major and the previous one (package.json)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
# The chunks of the `weather` model's reply: a step calling getWeather, a step answering with its result.
WEATHER_REPLY = [
    "start",
    "start-step",
    "tool-input-start",
    *["tool-input-delta"] * 3,
    "tool-input-available",
    "tool-output-available",
    "finish-step",
    "start-step",
    "text-start",
    *["text-delta"] * 3,
    "text-end",
    "finish-step",
    "data-chat-title",  # the chat's first reply names it
    "finish",
    "[DONE]",
]


async def node(script: str, *args: str, package: str = "ai", stdin: bytes | None = None) -> Any:
    process = await asyncio.create_subprocess_exec(
        find_node(),
        str(PROJECT_ROOT / "tests" / "api" / script),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env={"AI_PACKAGE": package, "PATH": ""},
    )
    output, _ = await process.communicate(stdin)
    assert process.returncode == 0
    return json.loads(output)


async def sdk_reads(raw: bytes, package: str) -> dict[str, Any]:
    """The message the AI SDK's `readUIMessageStream` builds from our stream's bytes."""
    parsed = await node("read_ui_message_stream.mjs", package=package, stdin=raw)
    assert parsed["error"] is None
    message: dict[str, Any] = parsed["message"]
    return message


async def raw_stream(
    live: httpx.AsyncClient, who: dict[str, str], chat_id: str, body: dict[str, Any]
) -> bytes:
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=who) as response:
        assert response.status_code == 200
        return b"".join([chunk async for chunk in response.aiter_bytes()])


def chunks_in(raw: bytes) -> list[Any]:
    data = [line.removeprefix(b"data: ") for line in raw.split(b"\n") if line.startswith(b"data: ")]
    return [item.decode() if item == b"[DONE]" else json.loads(item) for item in data]


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_a_tool_round_trip_streams_tool_parts_and_stores_what_the_sdk_shows(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, package: str
) -> None:
    chat_id = str(uuid.uuid4())
    raw = await raw_stream(
        live, ada, chat_id, {"message": user_message("Weather in Berlin?"), "model": "weather"}
    )
    chunks = chunks_in(raw)
    assert types_of(chunks) == WEATHER_REPLY
    call = chunks[6]
    assert call == {
        "type": "tool-input-available",
        "toolCallId": "call_w1",
        "toolName": "getWeather",
        "input": {"latitude": 52.52, "longitude": 13.41},
    }
    assert "latitude=52.52&longitude=13.41" in fake.forecasts[0]
    assert chunks[7]["output"]["current"]["temperature_2m"] == 3.5
    # The second step was told the call and its result, as OpenAI's format has them.
    told = fake.requests[1]["body"]["messages"]
    assert told[-2]["tool_calls"] == [
        {
            "id": "call_w1",
            "type": "function",
            "function": {"name": "getWeather", "arguments": '{"latitude":52.52,"longitude":13.41}'},
        }
    ]
    assert told[-1]["role"] == "tool"
    assert told[-1]["tool_call_id"] == "call_w1"
    assert json.loads(told[-1]["content"]) == chunks[7]["output"]
    # Every tool the settings enable is offered, with its JSON schema.
    offered = {tool["function"]["name"]: tool for tool in fake.requests[0]["body"]["tools"]}
    assert set(offered) == {"createDocument", "updateDocument", "requestSuggestions", "getWeather"}
    assert offered["getWeather"]["function"]["parameters"]["required"] == ["latitude", "longitude"]

    shown = await sdk_reads(raw, package)
    stored = (await messages_of(live, ada, chat_id))[1]
    assert stored["parts"] == shown["parts"]
    assert [p["type"] for p in stored["parts"]] == [
        "step-start",
        "tool-getWeather",
        "step-start",
        "text",
        "data-chat-title",
    ]
    assert stored["parts"][1]["state"] == "output-available"
    assert stored["parts"][3]["text"] == "It is 3.5°C in Berlin."
    # Usage over both steps, on `finish` and stored.
    usage = {"inputTokens": 20, "outputTokens": 7, "totalTokens": 27}
    assert (
        stored["metadata"]
        == shown["metadata"]
        == {"model": "weather", "finishReason": "stop", "usage": usage}
    )

    # The next message's history carries the tool call and its result.
    await raw_stream(live, ada, chat_id, {"message": user_message("Thanks"), "model": "echo"})
    history = fake.requests[-1]["body"]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant", "user"]
    assert history[1]["tool_calls"][0]["id"] == "call_w1"
    assert history[3]["content"] == "It is 3.5°C in Berlin."


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_reasoning_and_a_call_to_no_such_tool_are_parts_the_sdk_reads(
    live: httpx.AsyncClient, ada: dict[str, str], package: str
) -> None:
    chat_id = str(uuid.uuid4())
    raw = await raw_stream(live, ada, chat_id, {"message": user_message("Think"), "model": "thinks"})
    shown = await sdk_reads(raw, package)
    assert [(p["type"], p.get("text")) for p in shown["parts"]] == [
        ("step-start", None),
        ("reasoning", "Let me think."),
        ("text", "Done."),
        ("data-chat-title", None),
    ]
    assert (await messages_of(live, ada, chat_id))[1]["parts"] == shown["parts"]

    raw = await raw_stream(live, ada, chat_id, {"message": user_message("Launch"), "model": "rocket"})
    shown = await sdk_reads(raw, package)
    tool = shown["parts"][1]
    if package == "ai-v6":  # ai 6 kept arguments that fail as `rawInput`; 7 (and we) keep them as `input`
        tool["input"] = tool.pop("rawInput")
    assert (tool["type"], tool["state"], tool["input"]) == (
        "tool-launchRockets",
        "output-error",
        {"count": 3},
    )
    assert "there is no tool 'launchRockets'" in tool["errorText"]
    assert shown["parts"][-1]["text"] == "Sorry, I cannot."
    assert (await messages_of(live, ada, chat_id))[3]["parts"] == shown["parts"]


async def test_the_document_tool_streams_the_ai_chatbots_data_parts_and_writes_a_version(
    live: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    chat_id = str(uuid.uuid4())
    raw = await raw_stream(
        live, ada, chat_id, {"message": user_message("Write about harbors"), "model": "document"}
    )
    chunks = chunks_in(raw)
    data = [c for c in chunks if isinstance(c, dict) and c["type"].startswith("data-")]
    assert data.pop() == {"type": "data-chat-title", "data": "Write about harbors"}
    assert [c["type"] for c in data] == [
        "data-kind",
        "data-id",
        "data-title",
        "data-clear",
        *["data-textDelta"] * 3,
        "data-finish",
    ]
    assert all(c["transient"] for c in data)
    assert (
        "".join(c["data"] for c in data if c["type"] == "data-textDelta") == "# Harbors\n\nShips dock here."
    )
    output = next(c for c in chunks if isinstance(c, dict) and c["type"] == "tool-output-available")["output"]
    assert output["id"] == data[1]["data"]
    assert output["content"] == "A document was created and is now visible to the user."
    document = (await live.get(f"/v1/documents/{output['id']}", headers=ada)).json()
    assert (document["title"], document["kind"], document["content"]) == (
        "Harbors",
        "text",
        "# Harbors\n\nShips dock here.",
    )
    stored = (await messages_of(live, ada, chat_id))[1]
    # The artifact's parts are transient: not kept (the chat's title is).
    assert [p["type"] for p in stored["parts"] if p["type"].startswith("data-")] == ["data-chat-title"]


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_files_reach_the_model_as_image_and_text_content(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, package: str
) -> None:
    """Sent by the SDK's `chat.sendMessage({text, files})`: an uploaded image by `fileId` (its signed
    `url` too, as the ai-chatbot sends it), and a text file as a data URL."""
    upload = await live.post("/v1/files", files={"file": ("dot.png", PNG, "image/png")}, headers=ada)
    assert upload.status_code == 201, upload.text
    image = upload.json()
    notes = "data:text/plain;base64," + base64.b64encode(b"Bring a coat.").decode()
    files = [
        {
            "type": "file",
            "mediaType": "image/png",
            "url": image["url"],
            "filename": "dot.png",
            "fileId": image["id"],
        },
        {"type": "file", "mediaType": "text/plain", "url": notes, "filename": "notes.txt"},
    ]
    token = ada["authorization"].removeprefix("Bearer ")
    spec = {"text": "What is this?", "files": files, "body": {"model": "echo"}}
    chat_id = str(uuid.uuid4())
    messages = await node(
        "ai_sdk_send.mjs", str(live.base_url), token, chat_id, json.dumps(spec), package=package
    )
    assert [m["role"] for m in messages] == ["user", "assistant"]
    content = fake.requests[-1]["body"]["messages"][-1]["content"]
    assert content[0] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
    }
    assert content[1] == {"type": "text", "text": '<file name="notes.txt">\nBring a coat.\n</file>'}
    assert content[2] == {"type": "text", "text": "What is this?"}


async def test_resuming_in_the_middle_of_a_tool_call_gets_every_chunk_once(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    fake.forecast_gate.clear()  # the tool's request waits
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Weather?"), "model": "weather"}
    first: list[Any] = []
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                first.append(json.loads(line.removeprefix("data: ")))
                if first[-1]["type"] == "tool-input-available":
                    break
    async with live.stream("GET", f"/v1/chats/{chat_id}/stream?offset=3", headers=ada) as resumed:
        assert resumed.status_code == 200
        fake.forecast_gate.set()
        rest = await read_all(resumed)
    assert rest[: len(first) - 3] == first[3:]  # what both saw is the same, once each
    assert types_of(rest) == WEATHER_REPLY[3:]  # and the rest followed, in order
    stored = (await messages_of(live, ada, chat_id))[1]
    assert stored["parts"][1]["state"] == "output-available"
