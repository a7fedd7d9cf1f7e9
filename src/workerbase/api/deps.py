"""FastAPI dependencies: the request's platform, the services built on it, and the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from workerbase.clock import utc_now
from workerbase.errors import WorkerbaseError
from workerbase.pagination import DEFAULT_LIMIT, MAX_LIMIT
from workerbase.platform import Platform
from workerbase.services.api_keys import ApiKeyService, looks_like_api_key
from workerbase.services.auth import AuthService
from workerbase.services.files import FileService
from workerbase.services.throttling import client_network
from workerbase.services.tokens import InvalidToken


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.scope["state"]["platform"]  # set by RequestContextMiddleware
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_now() -> datetime:
    """The request's time: one reading per request, shared by everything that handles it."""
    return utc_now()


NowDep = Annotated[datetime, Depends(get_now)]


async def get_auth_service(platform: PlatformDep, now: NowDep) -> AuthService:
    return AuthService(platform.db, platform.crypto, platform.settings.auth, now=now)


AuthDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_file_service(platform: PlatformDep, now: NowDep) -> FileService:
    return FileService(platform.db, platform.files, platform.crypto, platform.settings, now)


FileServiceDep = Annotated[FileService, Depends(get_file_service)]


async def get_client_ip(request: Request) -> str:
    """The caller's network, for per-IP throttles (`client_network`: IPv6 counts by /64). On Cloudflare
    the edge sets CF-Connecting-IP and overwrites any value the client sent; the local runtime (no edge
    in front) uses the socket's peer address unless the header is present, so do not expose it to the
    internet without a proxy that sets the header."""
    edge = request.headers.get("cf-connecting-ip", "").strip()
    if edge:
        return client_network(edge)
    return client_network(request.client.host) if request.client else "unknown"


ClientIpDep = Annotated[str, Depends(get_client_ip)]


async def get_api_key_service(platform: PlatformDep, now: NowDep) -> ApiKeyService:
    return ApiKeyService(platform.db, platform.crypto, now=now)


ApiKeyServiceDep = Annotated[ApiKeyService, Depends(get_api_key_service)]

# Methods that change nothing: read-only API keys may call them.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class InsufficientScope(WorkerbaseError):
    status = 403
    code = "insufficient_scope"
    title = "This credential may not do that"
    public_detail = True


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: every authenticated route receives one."""

    user_id: str
    role: str
    scopes: frozenset[str]
    method: Literal["access_token", "api_key"]


async def get_principal(request: Request, auth: AuthDep, api_keys: ApiKeyServiceDep) -> Principal:
    """The caller, from `Authorization: Bearer <access token or API key>`; 401 if absent or invalid.

    Access tokens are verified without D1; an API key costs one D1 read. A read-only key gets 403 on
    any method that may change something.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise InvalidToken("missing bearer token", credentials_missing=True)
    if looks_like_api_key(credentials):
        key = await api_keys.authenticate(credentials)
        if key is None:
            raise InvalidToken("unknown, expired or deleted API key")
        principal = Principal(key.user_id, key.role, frozenset(key.scopes), "api_key")
    else:
        claims = auth.access_tokens.verify(credentials)
        principal = Principal(claims.subject, claims.role, frozenset({"read", "write"}), "access_token")
    if request.method not in READ_METHODS and "write" not in principal.scopes:
        raise InsufficientScope("this API key is read-only")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_session_principal(principal: PrincipalDep) -> Principal:
    """For account management (passwords, API keys, deleting the account): a signed-in user, not a key."""
    if principal.method != "access_token":
        raise InsufficientScope("API keys cannot manage the account; sign in")
    return principal


SessionPrincipalDep = Annotated[Principal, Depends(get_session_principal)]


async def get_admin_principal(principal: PrincipalDep) -> Principal:
    if principal.role != "admin":
        raise InsufficientScope("administrators only")
    return principal


AdminPrincipalDep = Annotated[Principal, Depends(get_admin_principal)]


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None


async def get_page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(get_page_params)]
