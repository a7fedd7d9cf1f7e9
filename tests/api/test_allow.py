"""A 405 names, in `Allow`, every method the path answers (RFC 9110 15.5.6), not only those of the first
route that matched it."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_errors import assert_problem


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/v1/chats/some-chat", "GET, PATCH, DELETE"),
        ("PUT", "/v1/chats/some-chat", "GET, PATCH, DELETE"),
        ("PATCH", "/v1/chats", "GET, POST, DELETE"),
        ("POST", "/v1/files/00000000-0000-0000-0000-000000000000", "GET, DELETE"),
        ("POST", "/v1/files/00000000-0000-0000-0000-000000000000/content", "GET, HEAD"),
        ("DELETE", "/health", "GET"),
    ],
)
async def test_allow_lists_every_method_of_the_path(
    api: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await api.request(method, path)
    body = assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed
    assert set(body) == {"type", "title", "status", "code", "request_id"}
