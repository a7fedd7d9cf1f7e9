"""The README's `useChat` transport, run as the README has it (extracted from it), under the AI SDK's own
AbstractChat (ai 7 and ai 6): a message sent with an expired access token (refreshed first), the reply
regenerated, and a reply being written resumed at our stream URL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import PASSWORD
from tests.api.live.test_reply_parts import AI_PACKAGES, node
from tests.api.live_support import FakeOpenAI, reply_parts, serving, sse_chunks, user_message
from workerbase.local import PROJECT_ROOT, ChatSocketsFirst
from workerbase.platform import Platform

MARKER = "<!-- use-chat transport -->"


def readme_transport() -> Path:
    """The README's transport module, written where node resolves `ai` from the project's packages."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(MARKER, 1)[1].split("```js\n", 1)[1].split("```", 1)[0]
    path = PROJECT_ROOT / "node_modules" / ".cache" / "workerbase" / "chat-transport.mjs"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block, encoding="utf-8")
    return path


async def run_chat(api: str, session: dict[str, Any], chat_id: str, mode: str, package: str) -> Any:
    transport = str(readme_transport())
    return await node(
        "readme_use_chat.mjs", transport, api, json.dumps(session), chat_id, mode, package=package
    )


async def signed_in(live: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await live.post("/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    tokens = response.json()
    return {"accessToken": tokens["access_token"], "refreshToken": tokens["refresh_token"], "expiresAt": 0}


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_send_and_regenerate_with_a_token_refreshed_first(
    live: httpx.AsyncClient, package: str
) -> None:
    session = await signed_in(live, f"{package}@example.com")  # expiresAt 0: refreshed before the first call
    chat_id = uuid.uuid4().hex
    run = await run_chat(str(live.base_url), session, chat_id, "send", package)
    after = run["session"]
    assert after["accessToken"] != session["accessToken"]
    assert after["refreshToken"] != session["refreshToken"]  # rotated
    assert after["expiresAt"] > time.time() * 1000
    sent, regenerated = run["steps"]["sent"], run["steps"]["regenerated"]
    assert [m["role"] for m in sent] == [m["role"] for m in regenerated] == ["user", "assistant"]
    assert regenerated[1]["id"] != sent[1]["id"]
    headers = {"authorization": f"Bearer {after['accessToken']}"}
    stored = (await live.get(f"/v1/chats/{chat_id}/messages", headers=headers)).json()["items"]
    assert [m["id"] for m in stored] == [m["id"] for m in regenerated]


class SeesResumes:
    """The app, noting when a client asks to resume a chat's stream."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.resumed = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].endswith("/stream"):
            self.resumed.set()
        await self.app(scope, receive, send)


@pytest.mark.parametrize("model", ["gated", "weather"])  # resumed in its text, or in a tool call
@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_a_reply_being_written_is_resumed_at_our_stream_url(
    app: FastAPI, platform: Platform, fake: FakeOpenAI, package: str, model: str
) -> None:
    fake.forecast_gate.clear()  # getWeather's request waits too
    watched = SeesResumes(ChatSocketsFirst(app, platform))
    async with serving(watched) as url, httpx.AsyncClient(base_url=url, timeout=10) as live:
        session = await signed_in(live, f"resume-{package}@example.com")
        headers = {"authorization": f"Bearer {session['accessToken']}"}
        session["expiresAt"] = (time.time() + 3600) * 1000
        chat_id = uuid.uuid4().hex
        body = {"message": user_message("Tell me"), "model": model}
        async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=headers) as response:
            first = await anext(sse_chunks(response))  # the reply has begun; this tab goes away
        assert isinstance(first, dict)
        resuming = asyncio.ensure_future(run_chat(url, session, chat_id, "resume", package))
        await watched.resumed.wait()
        fake.open_gate(len(fake.reply_words))  # the rest of the reply comes while the SDK reads it
        fake.forecast_gate.set()
        run = await resuming
        stored = (await live.get(f"/v1/chats/{chat_id}/messages", headers=headers)).json()["items"]
    (resumed,) = run["steps"]["resumed"]
    assert resumed["id"] == first["messageId"]
    assert resumed["parts"] == stored[1]["parts"]
    if model == "gated":
        assert resumed["parts"] == reply_parts("Hello there, friend.", title="Tell me")
    else:
        assert [p["type"] for p in resumed["parts"]] == [
            "step-start",
            "tool-getWeather",
            "step-start",
            "text",
            "data-chat-title",
        ]
        assert resumed["parts"][1]["state"] == "output-available"
