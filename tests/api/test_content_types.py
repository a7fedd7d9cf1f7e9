"""A JSON route takes JSON, in UTF-8: any other Content-Type (text/plain, a form, none at all) or another
encoding (a `charset` other than utf-8, UTF-16 or UTF-32 bytes, a byte order mark) is a 415
`unsupported_media_type` problem and nothing is stored. A route without a JSON body (the upload) is not
concerned: tests/api/test_files.py holds it to accepting any Content-Type."""

from __future__ import annotations

import codecs
import json

import httpx
import pytest

from tests.api.test_errors import assert_problem

CHAT = {"title": "Trip plans"}
ENCODED = json.dumps(CHAT).encode()


async def chat_titles(api: httpx.AsyncClient, who: dict[str, str]) -> list[str]:
    response = await api.get("/v1/chats", headers=who)
    assert response.status_code == 200, response.text
    return [chat["title"] for chat in response.json()["items"]]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/plain", ENCODED, id="text/plain"),
        pytest.param("text/plain; charset=utf-8", ENCODED, id="text/plain-utf8"),
        pytest.param("application/x-www-form-urlencoded", b"title=Trip+plans", id="form"),
        pytest.param("multipart/form-data; boundary=x", b"--x--\r\n", id="multipart"),
        pytest.param(None, ENCODED, id="none"),
        pytest.param(
            "application/json; charset=latin-1", '{"title": "Caf\u00e9"}'.encode("latin-1"), id="latin-1"
        ),
        pytest.param(
            "application/json; charset=utf-16", json.dumps(CHAT).encode("utf-16"), id="charset-utf-16"
        ),
        pytest.param("application/json", json.dumps(CHAT).encode("utf-16-le"), id="utf-16-le"),
        pytest.param("application/json", json.dumps(CHAT).encode("utf-16-be"), id="utf-16-be"),
        pytest.param("application/json", json.dumps(CHAT).encode("utf-16"), id="utf-16-bom"),
        pytest.param("application/json", json.dumps(CHAT).encode("utf-32"), id="utf-32"),
        pytest.param("application/json", codecs.BOM_UTF8 + ENCODED, id="utf-8-bom"),
    ],
)
async def test_a_json_route_refuses_other_media_types_and_encodings(
    api: httpx.AsyncClient, ada: dict[str, str], content_type: str | None, body: bytes
) -> None:
    headers = dict(ada)
    if content_type is not None:
        headers["content-type"] = content_type
    response = await api.post("/v1/chats", content=body, headers=headers)
    assert response.request.headers.get("content-type") == content_type
    problem = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json" in str(problem["detail"])
    assert await chat_titles(api, ada) == []


async def test_a_patch_is_held_to_the_same_rule(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    created = await api.post("/v1/chats", json=CHAT, headers=ada)
    assert created.status_code == 201, created.text
    response = await api.patch(
        f"/v1/chats/{created.json()['id']}",
        content=b'{"title": "Other"}',
        headers={**ada, "content-type": "text/plain"},
    )
    assert_problem(response, 415, "unsupported_media_type")
    assert await chat_titles(api, ada) == ["Trip plans"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        'Application/JSON; Charset="UTF-8"',
        "application/merge-patch+json",
    ],
)
async def test_json_in_utf_8_is_accepted(
    api: httpx.AsyncClient, ada: dict[str, str], content_type: str
) -> None:
    response = await api.post("/v1/chats", content=ENCODED, headers={**ada, "content-type": content_type})
    assert response.status_code == 201, response.text
    assert await chat_titles(api, ada) == ["Trip plans"]


async def test_no_body_at_all_is_still_a_validation_error(
    api: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    # A route whose body is required answers a missing one with 422, whatever the Content-Type (none here).
    response = await api.post("/v1/auth/login")
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [{"field": "body", "message": "Field required", "type": "missing"}]


async def test_a_body_over_the_limit_is_still_413_first(api: httpx.AsyncClient, ada: dict[str, str]) -> None:
    # The test settings cap bodies at 64 KiB: the size is judged before the media type.
    response = await api.post(
        "/v1/chats", content=b"x" * (64 * 1024 + 1), headers={**ada, "content-type": "text/plain"}
    )
    assert_problem(response, 413, "payload_too_large")
