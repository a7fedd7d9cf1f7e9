"""`/v1/documents`: versioned artifacts (text, code, sheet, image) and suggestions on their versions."""

from typing import Annotated, Literal

from fastapi import Query, Response, status
from pydantic import BaseModel, Field

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import DocumentServiceDep, PrincipalDep
from workerbase.api.schemas import MAX_STORED_INTEGER, ClientId, RecordOut
from workerbase.pagination import MAX_LIMIT

router = DeferredRouter(prefix="/documents", tags=["documents"])

MAX_CONTENT_CHARS = 1_000_000  # D1 caps a value at 2 MB


Version = Annotated[int | None, Query(ge=1, le=MAX_STORED_INTEGER)]


class DocumentIn(BaseModel):
    id: ClientId | None = Field(
        default=None, description="Your id for the document; post it again to add a version."
    )
    kind: Literal["text", "code", "sheet", "image"]
    title: str = Field(min_length=1, max_length=200)
    content: str | None = Field(default=None, max_length=MAX_CONTENT_CHARS)


class DocumentOut(RecordOut):
    id: str
    version: int
    kind: str
    title: str
    content: str | None
    created_at: str


class VersionPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None = Field(description="The last version of this page; pass it as `cursor`.")


class SuggestionIn(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_STORED_INTEGER, description="Default: the latest version."
    )
    original_text: str = Field(min_length=1, max_length=10_000)
    suggested_text: str = Field(max_length=10_000)
    description: str | None = Field(default=None, max_length=1_000)


class SuggestionOut(RecordOut):
    id: str
    document_id: str
    document_version: int
    original_text: str
    suggested_text: str
    description: str | None
    resolved: bool
    created_at: str


class SuggestionList(BaseModel):
    items: list[SuggestionOut]


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_version(body: DocumentIn, principal: PrincipalDep, service: DocumentServiceDep) -> DocumentOut:
    """Creates a document, or a new version of one of yours (same id). One D1 round trip."""
    return DocumentOut.of(
        await service.add_version(principal.user_id, body.id, body.kind, body.title, body.content)
    )


@router.get("/{doc_id}")
async def get_document(
    doc_id: ClientId, principal: PrincipalDep, service: DocumentServiceDep, version: Version = None
) -> DocumentOut:
    """The latest version, or `?version=`. One D1 round trip."""
    return DocumentOut.of(await service.get(principal.user_id, doc_id, version))


@router.get("/{doc_id}/versions")
async def list_versions(
    doc_id: ClientId,
    principal: PrincipalDep,
    service: DocumentServiceDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[int, Query(ge=0, le=MAX_STORED_INTEGER)] = 0,
) -> VersionPage:
    """Oldest first. One D1 round trip."""
    items, last = await service.versions(principal.user_id, doc_id, cursor, limit)
    return VersionPage(
        items=[DocumentOut.of(d) for d in items], next_cursor=None if last is None else str(last)
    )


@router.delete("/{doc_id}/versions", status_code=status.HTTP_204_NO_CONTENT)
async def delete_versions_after(
    doc_id: ClientId,
    principal: PrincipalDep,
    service: DocumentServiceDep,
    after: Annotated[int, Query(ge=1, le=MAX_STORED_INTEGER)],
) -> Response:
    """Drops the versions after `after` (and their suggestions). One D1 round trip."""
    await service.delete_versions_after(principal.user_id, doc_id, after)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{doc_id}/suggestions", status_code=status.HTTP_201_CREATED)
async def suggest(
    doc_id: ClientId, body: SuggestionIn, principal: PrincipalDep, service: DocumentServiceDep
) -> SuggestionOut:
    """One D1 round trip."""
    return SuggestionOut.of(
        await service.suggest(
            principal.user_id, doc_id, body.version, body.original_text, body.suggested_text, body.description
        )
    )


@router.get("/{doc_id}/suggestions")
async def list_suggestions(
    doc_id: ClientId, principal: PrincipalDep, service: DocumentServiceDep, version: Version = None
) -> SuggestionList:
    """Suggestions on the latest version, or `?version=`. One D1 round trip."""
    return SuggestionList(
        items=[SuggestionOut.of(s) for s in await service.suggestions(principal.user_id, doc_id, version)]
    )


@router.post("/{doc_id}/suggestions/{suggestion_id}/resolve")
async def resolve(
    doc_id: ClientId, suggestion_id: str, principal: PrincipalDep, service: DocumentServiceDep
) -> SuggestionOut:
    """One D1 round trip."""
    return SuggestionOut.of(await service.resolve(principal.user_id, doc_id, suggestion_id))
