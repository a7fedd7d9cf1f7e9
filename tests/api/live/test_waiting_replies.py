"""Replies that wait for the client, as the AI SDK's protocol has them: a client-side tool (the client
runs it and answers with `addToolOutput`) and a tool that needs the user's approval
(`addToolApprovalResponse`). Driven by the npm `ai` package's own AbstractChat (ai 7 and ai 6), which
sends the answer itself (`sendAutomaticallyWhen`); the reply then goes on under the same message."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.api.live.test_reply_parts import AI_PACKAGES, node
from tests.api.live_support import FakeOpenAI, messages_of, read_all, types_of, user_message

GET_LOCATION = {
    "name": "getLocation",
    "description": "Where the user is, as the browser knows it",
    "inputSchema": {
        "type": "object",
        "properties": {"accuracy": {"type": "string", "enum": ["city", "exact"]}},
        "required": ["accuracy"],
    },
}


async def sdk_chat(live: httpx.AsyncClient, who: dict[str, str], spec: dict[str, Any], package: str) -> Any:
    token = who["authorization"].removeprefix("Bearer ")
    return await node("ai_sdk_tools.mjs", str(live.base_url), token, json.dumps(spec), package=package)


def chat_id_of(request: dict[str, Any]) -> str:
    return str(request["id"])


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_a_client_side_tools_output_lets_the_reply_go_on(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, package: str
) -> None:
    spec = {"text": "Where am I?", "model": "locates", "answer": "output", "clientTools": [GET_LOCATION]}
    run = await sdk_chat(live, ada, spec, package)
    # The call was offered to the model with the client's schema, streamed, and the reply ended waiting.
    offered = {tool["function"]["name"]: tool["function"] for tool in fake.requests[0]["body"]["tools"]}
    assert offered["getLocation"]["parameters"] == GET_LOCATION["inputSchema"]
    # The client ran it (`onToolCall`) and the SDK sent the conversation again, its last message the
    # reply with the output, to go on with it.
    answer = run["requests"][1]
    waited = answer["messages"][-1]
    assert (answer["trigger"], answer["messageId"]) == ("submit-message", waited["id"])
    assert waited["role"] == "assistant"
    assert waited["metadata"]["finishReason"] == "tool-calls"
    call = next(p for p in waited["parts"] if p["type"] == "tool-getLocation")
    assert (call["state"], call["input"]) == ("output-available", {"accuracy": "city"})
    # The model was told the output, and the reply went on in the same message.
    assert json.loads(fake.requests[1]["body"]["messages"][-1]["content"]) == {"city": "Lisbon"}
    shown = run["messages"]
    assert [m["role"] for m in shown] == ["user", "assistant"]
    assert shown[1]["id"] == waited["id"]
    assert [p["type"] for p in shown[1]["parts"]] == [
        "step-start",
        "tool-getLocation",
        "data-chat-title",
        "step-start",
        "text",
    ]
    assert shown[1]["parts"][1]["output"] == {"city": "Lisbon"}
    assert shown[1]["parts"][-1]["text"] == "You are in Lisbon."
    stored = await messages_of(live, ada, chat_id_of(answer))
    assert [m["id"] for m in stored] == [m["id"] for m in shown]
    assert stored[1]["parts"] == shown[1]["parts"]
    assert stored[1]["metadata"]["finishReason"] == shown[1]["metadata"]["finishReason"] == "stop"


@pytest.mark.parametrize("approval_tools", [("getWeather",)])
@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_an_approved_call_runs_and_the_reply_goes_on(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, package: str
) -> None:
    fake.forecasts.clear()
    run = await sdk_chat(live, ada, {"text": "Weather?", "model": "weather", "answer": "approve"}, package)
    asked = next(p for p in run["sent"][1]["parts"] if p["type"] == "tool-getWeather")
    assert asked["state"] == "approval-requested"
    assert asked["input"] == {"latitude": 52.52, "longitude": 13.41}
    assert len(fake.requests) == 2  # the call waited: the forecast was fetched only once approved
    assert len(fake.forecasts) == 1
    shown = run["messages"][1]
    weather = shown["parts"][1]
    assert weather["state"] == "output-available"
    assert weather["approval"] == {"id": asked["approval"]["id"], "approved": True}
    assert weather["output"]["current"]["temperature_2m"] == 3.5
    assert shown["parts"][-1]["text"] == "It is 3.5°C in Berlin."
    stored = await messages_of(live, ada, chat_id_of(run["requests"][1]))
    assert stored[1]["parts"] == shown["parts"]


@pytest.mark.parametrize("approval_tools", [("getWeather",)])
@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_a_denied_call_does_not_run_and_the_model_is_told_why(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, package: str
) -> None:
    spec = {"text": "Weather?", "model": "weather", "answer": "deny", "reason": "not now"}
    run = await sdk_chat(live, ada, spec, package)
    assert fake.forecasts == []
    assert fake.requests[-1]["body"]["messages"][-1] == {
        "role": "tool",
        "content": "The user denied this tool call: not now",
        "tool_call_id": "call_w1",
    }
    shown = run["messages"][1]
    assert shown["parts"][1]["state"] == "output-denied"
    assert shown["parts"][1]["approval"]["approved"] is False
    assert shown["parts"][-1]["text"] == "Alright, no forecast."
    stored = await messages_of(live, ada, chat_id_of(run["requests"][1]))
    assert stored[1]["parts"] == shown["parts"]


async def waiting_reply(live: httpx.AsyncClient, who: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A chat whose reply waits for getLocation's output, and that reply as stored."""
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Where am I?"), "model": "locates", "clientTools": [GET_LOCATION]}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=who) as response:
        await read_all(response)
    return chat_id, (await messages_of(live, who, chat_id))[1]


def with_call(reply: dict[str, Any], **changes: Any) -> dict[str, Any]:
    parts = [dict(p, **changes) if p["type"] == "tool-getLocation" else p for p in reply["parts"]]
    return {"id": reply["id"], "role": "assistant", "parts": parts}


async def go_on(
    live: httpx.AsyncClient, who: dict[str, str], chat_id: str, message: dict[str, Any]
) -> httpx.Response:
    body = {"messages": [message], "model": "locates", "clientTools": [GET_LOCATION]}
    return await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=who)


async def test_only_the_answers_to_waiting_calls_are_taken(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id, reply = await waiting_reply(live, ada)
    # No answer: refused, and nothing changed.
    refused = await go_on(live, ada, chat_id, reply)
    assert refused.status_code == 409
    assert refused.json()["code"] == "nothing_to_continue"
    assert (await messages_of(live, ada, chat_id))[1] == reply
    # The answer, with the rest of the message rewritten: only the answer is taken.
    answer = with_call(reply, state="output-available", output={"city": "Porto"})
    answer["parts"] = [{"type": "text", "text": "I never said this", "state": "done"}, *answer["parts"]]
    response = await go_on(live, ada, chat_id, answer)
    assert response.status_code == 200
    assert '"delta":"Porto"' in response.text
    stored = (await messages_of(live, ada, chat_id))[1]
    assert [p["type"] for p in stored["parts"]][:3] == ["step-start", "tool-getLocation", "data-chat-title"]
    # Once the reply went on, nothing of it waits: the same answer again is refused.
    again = await go_on(live, ada, chat_id, answer)
    assert again.status_code == 409
    assert len(fake.requests) == 2


async def test_a_server_tools_output_cannot_come_from_the_client(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI
) -> None:
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Weather?"), "model": "weather"}
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=ada) as response:
        await read_all(response)
    reply = (await messages_of(live, ada, chat_id))[1]
    forged = {**reply, "parts": [*reply["parts"][:1], {**reply["parts"][1], "output": {"current": {}}}]}
    response = await go_on(live, ada, chat_id, {k: forged[k] for k in ("id", "role", "parts")})
    assert response.status_code == 409  # its calls all ended: it waits for nothing
    assert (await messages_of(live, ada, chat_id))[1] == reply


async def test_an_older_reply_or_another_users_is_not_continued(
    live: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    chat_id, reply = await waiting_reply(live, ada)
    answer = with_call(reply, state="output-available", output={"city": "Porto"})
    assert (await go_on(live, bob, chat_id, answer)).status_code == 404
    async with live.stream(
        "POST",
        f"/v1/chats/{chat_id}/stream",
        json={"message": user_message("Hi"), "model": "echo"},
        headers=ada,
    ) as response:
        assert "text-start" in types_of(await read_all(response))
    refused = await go_on(live, ada, chat_id, answer)  # no longer the newest message
    assert refused.status_code == 409
    assert refused.json()["code"] == "nothing_to_continue"
