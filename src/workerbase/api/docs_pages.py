"""`/docs` (Swagger UI) and `/redoc`, with their scripts and styles served by us, so they work offline.

FastAPI's pages load them from a CDN. The `fastapi-offline` package ships them (2.8 MB of JavaScript and
CSS); it is a development dependency, so the local runtime has it and the Worker's bundle does not carry
it. Without the package (on Workers) the pages are FastAPI's, which load them from the CDN.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

ASSETS_PATH = "/docs/assets"
_MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


def _assets() -> Path | None:
    """The package's static directory, found without importing the package (which imports Starlette's
    static files app and more, bench/cold_import.py)."""
    spec = find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "static"


def install_docs_pages(app: FastAPI) -> None:
    """For an app made with `docs_url=None, redoc_url=None`."""
    openapi_url = app.openapi_url or "/openapi.json"
    assets = _assets()
    # Without our assets, FastAPI's defaults: the CDN's.
    swagger_assets: dict[str, Any] = {}
    redoc_assets: dict[str, Any] = {}
    if assets is not None:
        swagger_assets = {
            "swagger_js_url": f"{ASSETS_PATH}/swagger-ui-bundle.js",
            "swagger_css_url": f"{ASSETS_PATH}/swagger-ui.css",
            "swagger_favicon_url": f"{ASSETS_PATH}/favicon.png",
        }
        redoc_assets = {
            "redoc_js_url": f"{ASSETS_PATH}/redoc.standalone.js",
            "redoc_favicon_url": f"{ASSETS_PATH}/favicon.png",
            "with_google_fonts": False,
        }

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} - Swagger UI", **swagger_assets
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} - ReDoc", **redoc_assets)

    if assets is None:
        return
    own_assets = assets

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        media_type = _MEDIA_TYPES.get(name)
        if media_type is None:
            raise HTTPException(404)
        return Response(
            (own_assets / name).read_bytes(),
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )
