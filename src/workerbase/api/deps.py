"""FastAPI dependencies: the request's platform, the services built on it, and the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from workerbase.clock import utc_now
from workerbase.platform import Platform
from workerbase.services.auth import AuthService
from workerbase.services.tokens import InvalidToken


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.scope["state"]["platform"]  # set by RequestContextMiddleware
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_auth_service(platform: PlatformDep) -> AuthService:
    return AuthService(platform.db, platform.crypto, platform.settings.auth, now=utc_now())


AuthDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_client_ip(request: Request) -> str:
    """The caller's IP, for throttling. On Cloudflare the edge sets CF-Connecting-IP and overwrites any
    value the client sent; the local runtime (no edge in front) uses the socket's peer address unless
    the header is present, so do not expose it to the internet without a proxy that sets the header."""
    edge = request.headers.get("cf-connecting-ip", "").strip()
    if edge:
        return edge
    return request.client.host if request.client else "unknown"


ClientIpDep = Annotated[str, Depends(get_client_ip)]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: every authenticated route receives one."""

    user_id: str
    role: str
    scopes: frozenset[str]
    method: Literal["access_token"]


async def get_principal(request: Request, auth: AuthDep) -> Principal:
    """The caller of a Bearer access token, verified without any D1 round trip; 401 otherwise."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise InvalidToken("missing bearer token")
    claims = auth.access_tokens.verify(credentials.strip())
    return Principal(
        user_id=claims.subject, role=claims.role, scopes=frozenset({"read", "write"}), method="access_token"
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]
