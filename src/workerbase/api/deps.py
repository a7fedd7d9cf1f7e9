"""FastAPI dependencies: how routes get the request's platform (settings and bindings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from workerbase.platform import Platform


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.scope["state"]["platform"]  # set by RequestContextMiddleware
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]
