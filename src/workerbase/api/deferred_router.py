"""`DeferredRouter`: a resource's router whose routes FastAPI analyses once, when `create_app` declares
them on the app, instead of twice.

A route is analysed (its dependency tree, parameter, body and response fields) when it is declared. With
`app.include_router`, FastAPI 0.165 does it when the route module declares the route, for its path
without the prefix, and again for the prefixed path on the first request that reaches the router: on
Workers that second time is after the deploy-time snapshot of the imports, in every new isolate. This
router only records what its decorators declare; `add_to` declares those routes on the app's own router,
with the prefix, tags and order `include_router` gave them, so the app holds plain routes that are
analysed once, while `create_app` runs (before the snapshot), and never again (bench/cold_import.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class DeferredRouter(APIRouter):
    """An `APIRouter` with a prefix and tags only; add it with `add_to`, not `include_router`."""

    def __init__(self, *, prefix: str = "", tags: list[str]) -> None:
        super().__init__(prefix=prefix, tags=list(tags))
        self.declared: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        self.declared.append((path, endpoint, options))

    def add_to(self, target: APIRouter, prefix: str = "") -> None:
        """Declare the recorded routes on `target` (the app's router), as `target.include_router(self,
        prefix=prefix)` would have them: the same paths, tags before each route's own, order. Each app
        built (tests build many) declares them again."""
        assert not self.routes, "a DeferredRouter only holds the routes its decorators declare"
        for path, endpoint, options in self.declared:
            route_options = options | {"tags": [*self.tags, *(options.get("tags") or [])]}
            target.add_api_route(prefix + self.prefix + path, endpoint, **route_options)
