"""`create_app(platform_factory)` builds the FastAPI app for either runtime: its middleware, problem
handlers and routers. Services come from the composition root, `workerbase.bootstrap`, through `api/deps.py`.

Called at import time by `src/entry.py` on Workers, so it must not read env, time or randomness; all of
that happens per request in `RequestContextMiddleware`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from workerbase.api.cors import CorsPreflight
from workerbase.api.docs_pages import install_docs_pages
from workerbase.api.middleware import RequestContextMiddleware
from workerbase.api.openapi import DESCRIPTION, install_openapi
from workerbase.api.paths import API_PREFIX
from workerbase.api.problems import install_problem_handlers
from workerbase.api.routes import (
    admin,
    api_keys,
    auth,
    chats,
    documents,
    files,
    health,
    knowledge_bases,
    knowledge_search,
    knowledge_sources,
    live,
    me,
    messages,
    search,
    votes,
)
from workerbase.clock import utc_now
from workerbase.logs import configure_logging
from workerbase.platform import PlatformFactory


def create_app(platform_factory: PlatformFactory, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """`clock` is read once per request (`api/deps.services_of`); tests replace `app.state.clock`.

    The cyclic garbage collector is paused while the app is built: what the build makes lives as long as
    the app, so the passes its allocations trigger (each over the objects the imports made) free nothing;
    paused, the build costs 21 M instructions less, 1.3% of the cold import (bench/cold_import.py).
    Reference counting still frees whatever is dropped, and the collector runs again afterwards."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_app(platform_factory, clock)
    finally:
        if collecting:
            gc.enable()


def _build_app(platform_factory: PlatformFactory, clock: Callable[[], datetime]) -> FastAPI:
    configure_logging()
    app = FastAPI(
        title="workerbase",
        version="0.1.0",
        summary="Backend for AI chat applications on Cloudflare Workers (D1, KV, R2).",
        description=DESCRIPTION,
        docs_url=None,  # install_docs_pages
        redoc_url=None,
        # A path with a trailing slash is not found, never redirected: `.../messages/..%2F` was a 307 to
        # `.../messages/..`, which a client resolves to the chat itself (following it deleted the chat).
        redirect_slashes=False,
    )
    app.state.clock = clock
    install_problem_handlers(app)
    # The last added runs first: RequestContextMiddleware builds the Platform that CorsPreflight reads.
    app.add_middleware(CorsPreflight)
    app.add_middleware(RequestContextMiddleware, platform_factory=platform_factory)
    # FastAPI tries the routes in this order for every request, so the ones a chat app calls most come
    # first (bench/request_cpu.py). Each is declared on the app itself and analysed once, here, before
    # Workers' snapshot (`api/deferred_router.py`), rather than at import and again on a first request.
    for router in (
        messages.router,
        chats.router,
        live.router,
        files.router,
        votes.router,
        search.router,
        documents.router,
        knowledge_bases.router,
        knowledge_sources.router,
        knowledge_search.router,
        auth.router,
        me.router,
        api_keys.router,
        admin.router,
    ):
        router.add_to(app.router, prefix=API_PREFIX)
    health.router.add_to(app.router)
    install_docs_pages(app)
    install_openapi(app)
    return app
