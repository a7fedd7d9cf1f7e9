"""User B walks every conversations and knowledge-base endpoint against user A's data: B can neither read,
change nor detect it (always the same 404 as for an id that does not exist), and A's data is intact
afterwards."""

from __future__ import annotations

import uuid

import httpx

from tests.api.conftest import bearer, signup


async def test_b_can_neither_read_nor_change_nor_detect_a(api: httpx.AsyncClient) -> None:
    a = bearer((await signup(api, "a@example.com"))["access_token"])
    b = bearer((await signup(api, "b@example.com"))["access_token"])
    chat = (await api.post("/v1/chats", json={"title": "A's"}, headers=a)).json()["id"]
    message = {"id": "a-m1", "role": "user", "parts": [{"type": "text", "text": "secret plans"}]}
    await api.post(f"/v1/chats/{chat}/messages", json=message, headers=a)
    await api.put(f"/v1/chats/{chat}/messages/a-m1/vote", json={"value": "up"}, headers=a)
    doc = (
        await api.post("/v1/documents", json={"kind": "text", "title": "A doc", "content": "x"}, headers=a)
    ).json()
    suggestion = (
        await api.post(
            f"/v1/documents/{doc['id']}/suggestions",
            json={"original_text": "x", "suggested_text": "y"},
            headers=a,
        )
    ).json()
    kb = (await api.post("/v1/knowledge-bases", json={"name": "A's knowledge"}, headers=a)).json()

    missing_chat, missing_doc, missing_kb = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    probes = [
        ("GET", "/v1/chats/{chat}", None),
        ("PATCH", "/v1/chats/{chat}", {"title": "B was here"}),
        ("DELETE", "/v1/chats/{chat}", None),
        ("GET", "/v1/chats/{chat}/messages", None),
        ("POST", "/v1/chats/{chat}/messages", {**message, "id": "b-m1"}),
        ("PATCH", "/v1/chats/{chat}/messages/a-m1", {"metadata": {"b": True}}),
        ("DELETE", "/v1/chats/{chat}/messages/a-m1", None),
        ("DELETE", "/v1/chats/{chat}/messages?after=a-m1", None),
        ("PUT", "/v1/chats/{chat}/messages/a-m1/vote", {"value": "down"}),
        ("DELETE", "/v1/chats/{chat}/messages/a-m1/vote", None),
        ("GET", "/v1/chats/{chat}/votes", None),
        ("GET", "/v1/public/chats/{chat}", None),
        ("GET", "/v1/public/chats/{chat}/messages", None),
        ("GET", "/v1/documents/{doc}", None),
        ("GET", "/v1/documents/{doc}/versions", None),
        ("DELETE", "/v1/documents/{doc}/versions?after=1", None),
        ("POST", "/v1/documents/{doc}/suggestions", {"original_text": "x", "suggested_text": "z"}),
        ("GET", "/v1/documents/{doc}/suggestions", None),
        ("POST", "/v1/documents/{doc}/suggestions/{suggestion}/resolve", None),
        ("GET", "/v1/knowledge-bases/{kb}", None),
        ("PATCH", "/v1/knowledge-bases/{kb}", {"name": "B was here"}),
        ("DELETE", "/v1/knowledge-bases/{kb}", None),
    ]
    for method, template, body in probes:
        responses = []
        for chat_id, doc_id, kb_id in ((chat, doc["id"], kb["id"]), (missing_chat, missing_doc, missing_kb)):
            path = template.format(chat=chat_id, doc=doc_id, suggestion=suggestion["id"], kb=kb_id)
            response = await api.request(method, path, json=body, headers=b)
            responses.append((response.status_code, response.json().get("code")))
        assert responses[0] == responses[1], (method, template, responses)
        assert responses[0][0] == 404, (method, template, responses)

    # B's own views show nothing of A's.
    assert (await api.get("/v1/chats", headers=b)).json()["items"] == []
    assert (await api.get("/v1/knowledge-bases", headers=b)).json()["items"] == []
    assert (await api.get("/v1/search/messages", params={"q": "secret"}, headers=b)).json()["items"] == []
    assert (await api.delete("/v1/chats", headers=b)).status_code == 204
    # A's data is intact.
    assert (await api.get(f"/v1/chats/{chat}", headers=a)).json()["title"] == "A's"
    messages = (await api.get(f"/v1/chats/{chat}/messages", headers=a)).json()["items"]
    assert [(m["id"], m["metadata"]) for m in messages] == [("a-m1", None)]
    assert (await api.get(f"/v1/chats/{chat}/votes", headers=a)).json()["items"][0]["value"] == "up"
    assert (await api.get(f"/v1/documents/{doc['id']}", headers=a)).json()["version"] == 1
    suggestions = (await api.get(f"/v1/documents/{doc['id']}/suggestions", headers=a)).json()["items"]
    assert [s["resolved"] for s in suggestions] == [False]
    assert (await api.get(f"/v1/knowledge-bases/{kb['id']}", headers=a)).json() == kb
    assert [
        h["message_id"]
        for h in (await api.get("/v1/search/messages", params={"q": "secret"}, headers=a)).json()["items"]
    ] == ["a-m1"]
