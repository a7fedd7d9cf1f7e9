"""The request middleware's body limit: which route gets the upload limit."""

from __future__ import annotations

from workerbase.api.middleware import UPLOAD_ROUTE, body_limit
from workerbase.app import create_app
from workerbase.config import AuthSettings, FileSettings, Settings

SETTINGS = Settings(
    environment="development",
    auth=AuthSettings(jwt_secrets=("m" * 32,)),
    max_request_body_bytes=64 * 1024,
    files=FileSettings(max_file_bytes=5_000_000),
)


def test_uploads_get_the_upload_limit_and_other_routes_the_request_limit() -> None:
    assert body_limit(SETTINGS, "POST", "/v1/files") == 5_000_000 + 64 * 1024
    assert body_limit(SETTINGS, "POST", "/v1/files/") == 5_000_000 + 64 * 1024
    assert body_limit(SETTINGS, "POST", "/v1/chats") == SETTINGS.max_request_body_bytes
    assert body_limit(SETTINGS, "PUT", "/v1/files") == SETTINGS.max_request_body_bytes


def test_the_upload_route_is_the_apps_upload_route() -> None:
    app = create_app(lambda scope: None)  # type: ignore[arg-type,return-value]  # never called
    method, path = UPLOAD_ROUTE
    assert app.url_path_for("upload_file") == path
    operation = app.openapi()["paths"][path][method.lower()]
    assert operation["operationId"].startswith("upload_file")
