"""FastAPI dependencies, all of them: the request's platform and time, the services the composition root
(`workerbase.bootstrap`) builds on them, the caller, paging. Routes take these `*Dep` aliases only.

No `from __future__ import annotations` here: FastAPI analyses a dependency again for every route that
uses it, and each time evaluates string annotations afresh (an `eval`, which compiles, per annotation);
these functions' annotations are objects already (bench/cold_import.py)."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request

from workerbase.api.file_urls import FileUrls
from workerbase.bootstrap import Services
from workerbase.errors import ConstraintViolation, WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.pagination import DEFAULT_LIMIT, MAX_LIMIT
from workerbase.platform import Platform
from workerbase.services.api_keys import ApiKeyService, looks_like_api_key
from workerbase.services.auth import AuthService
from workerbase.services.chats import ChatService
from workerbase.services.documents import DocumentService
from workerbase.services.files import FileService
from workerbase.services.ingestion import IngestionService
from workerbase.services.knowledge_bases import KnowledgeBaseService
from workerbase.services.live_chat import LiveChatService
from workerbase.services.live_events import LiveEvents
from workerbase.services.messages import MessageService
from workerbase.services.retrieval import RetrievalService
from workerbase.services.search import SearchService
from workerbase.services.throttling import client_network
from workerbase.services.tokens import InvalidToken
from workerbase.services.votes import VoteService
from workerbase.services.ws_tickets import TicketSigner


def services_of(request: Request) -> Services:
    """The composition root's services for this request (each built on first use), at one reading of the
    app's clock (`create_app`'s; tests set their own), kept in the request's state. The dependencies below
    take the request alone rather than depending on one another: FastAPI analyses a route's whole
    dependency tree at import, once per route, so a flat tree is a faster cold start too."""
    state = request.scope["state"]
    services: Services | None = state.get("services")
    if services is None:
        platform: Platform = state["platform"]  # set by the middleware
        services = state["services"] = Services(platform, request.app.state.clock())
    return services


async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_platform(request: Request) -> Platform:
    return services_of(request).platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_now(request: Request) -> datetime:
    """The request's time: one reading per request, shared by everything that handles it."""
    return services_of(request).now


NowDep = Annotated[datetime, Depends(get_now)]


def _service(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency that is one of the request's services (built on first use)."""

    async def get_service(request: Request) -> Any:
        return getattr(services_of(request), name)

    get_service.__name__ = f"get_{name}"
    return get_service


AuthDep = Annotated[AuthService, Depends(_service("auth"))]
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(_service("api_keys"))]
ChatServiceDep = Annotated[ChatService, Depends(_service("chats"))]
MessageServiceDep = Annotated[MessageService, Depends(_service("messages"))]
VoteServiceDep = Annotated[VoteService, Depends(_service("votes"))]
SearchServiceDep = Annotated[SearchService, Depends(_service("search"))]
DocumentServiceDep = Annotated[DocumentService, Depends(_service("documents"))]
FileServiceDep = Annotated[FileService, Depends(_service("files"))]
KnowledgeBaseServiceDep = Annotated[KnowledgeBaseService, Depends(_service("knowledge_bases"))]
IngestionServiceDep = Annotated[IngestionService, Depends(_service("ingestion"))]
RetrievalServiceDep = Annotated[RetrievalService, Depends(_service("retrieval"))]
LiveChatDep = Annotated[LiveChatService, Depends(_service("live_chat"))]
LiveEventsDep = Annotated[LiveEvents, Depends(_service("live_events"))]
TicketSignerDep = Annotated[TicketSigner, Depends(_service("tickets"))]


async def get_file_urls(request: Request) -> FileUrls:
    return FileUrls(request, services_of(request).files)


FileUrlsDep = Annotated[FileUrls, Depends(get_file_urls)]


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

# Methods that change nothing: read-only API keys may call them.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class InsufficientScope(WorkerbaseError):
    status = 403
    code = "insufficient_scope"
    title = "This credential may not do that"
    public_detail = True


class Principal(Frozen):
    """Who is calling: every authenticated route receives one."""

    user_id: str
    role: str
    scopes: frozenset[str]
    method: Literal["access_token", "api_key"]


async def get_principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <access token or API key>`; 401 if absent or invalid.

    Access tokens are verified without D1; an API key costs one D1 read. A read-only key gets 403 on
    any method that may change something. The caller is kept in the request's state for
    `account_gone_or`.
    """
    services = services_of(request)
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise InvalidToken("missing bearer token", credentials_missing=True)
    if looks_like_api_key(credentials):
        key = await services.api_keys.authenticate(credentials)
        if key is None:
            raise InvalidToken("unknown, expired or deleted API key")
        principal = Principal(key.user_id, key.role, frozenset(key.scopes), "api_key")
    else:
        claims = services.auth.access_tokens.verify(credentials)
        principal = Principal(claims.subject, claims.role, frozenset({"read", "write"}), "access_token")
    if request.method not in READ_METHODS and "write" not in principal.scopes:
        raise InsufficientScope("this API key is read-only")
    request.scope["state"]["principal"] = principal
    return principal


async def account_gone_or(request: Request, exc: ConstraintViolation) -> WorkerbaseError:
    """What a failed foreign key means (`api/problems.py` asks). A valid access token outlives the account
    it names (`DELETE /me`), and a write of that account's then fails on its foreign key to `users`: the
    account is looked up now, on that failure alone (authenticating stays free of D1), and if it is gone
    the answer is the 401 that sends a client to sign in again, not a 409. A foreign key that failed for
    another reason (a chat deleted meanwhile) stays what it was."""
    principal = request.scope["state"].get("principal")
    if exc.kind != "foreign_key" or not isinstance(principal, Principal):
        return exc
    try:
        user = await services_of(request).auth.get_user(principal.user_id)
    except WorkerbaseError:
        return exc  # the database failed again: the first failure is the answer
    return InvalidToken("the account no longer exists") if user is None else exc


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


class PageParams(Frozen):
    limit: int
    cursor: str | None


async def get_page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(get_page_params)]
