"""`/v1/knowledge-bases`: the caller's knowledge bases (issue 14). Sources and ingestion build on them."""

from typing import Annotated

from fastapi import Response, status
from pydantic import BaseModel, StringConstraints

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import KnowledgeBaseServiceDep, PageDep, PrincipalDep
from workerbase.api.schemas import RecordOut

router = DeferredRouter(prefix="/knowledge-bases", tags=["knowledge bases"])

# Lengths count characters after surrounding whitespace is trimmed (the trimmed text is what is stored).
# A name needs a character that is not whitespace: the pattern says so in the document (minLength alone
# would call " " valid). \x1c-\x1f are whitespace to Python's `re`, which clients' validators may use,
# but not to the server's (Rust's Unicode White_Space): listed, so both read the pattern alike.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"[^\s\x1c-\x1f]"),
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class KnowledgeBaseIn(BaseModel):
    name: Name
    description: Description = ""


class KnowledgeBasePatch(BaseModel):
    name: Name | None = None
    description: Description | None = None  # "" clears it


class KnowledgeBaseOut(RecordOut):
    id: str
    name: str
    description: str
    created_at: str
    updated_at: str


class KnowledgeBasePage(BaseModel):
    items: list[KnowledgeBaseOut]
    next_cursor: str | None


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_knowledge_base(
    body: KnowledgeBaseIn, principal: PrincipalDep, service: KnowledgeBaseServiceDep
) -> KnowledgeBaseOut:
    """One D1 round trip. 409 `too_many_knowledge_bases` once the caller has the most allowed."""
    created = await service.create(principal.user_id, name=body.name, description=body.description)
    return KnowledgeBaseOut.of(created)


@router.get("")
async def list_knowledge_bases(
    principal: PrincipalDep, service: KnowledgeBaseServiceDep, page: PageDep
) -> KnowledgeBasePage:
    """One D1 round trip; newest first."""
    items, next_cursor = await service.page(principal.user_id, page.cursor, page.limit)
    return KnowledgeBasePage(items=[KnowledgeBaseOut.of(kb) for kb in items], next_cursor=next_cursor)


@router.get("/{knowledge_base_id}")
async def get_knowledge_base(
    knowledge_base_id: str, principal: PrincipalDep, service: KnowledgeBaseServiceDep
) -> KnowledgeBaseOut:
    """One D1 round trip."""
    return KnowledgeBaseOut.of(await service.get(principal.user_id, knowledge_base_id))


@router.patch("/{knowledge_base_id}")
async def update_knowledge_base(
    knowledge_base_id: str,
    body: KnowledgeBasePatch,
    principal: PrincipalDep,
    service: KnowledgeBaseServiceDep,
) -> KnowledgeBaseOut:
    """One D1 round trip; only the fields sent change."""
    updated = await service.update(
        principal.user_id, knowledge_base_id, name=body.name, description=body.description
    )
    return KnowledgeBaseOut.of(updated)


@router.delete("/{knowledge_base_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_knowledge_base(
    knowledge_base_id: str, principal: PrincipalDep, service: KnowledgeBaseServiceDep
) -> Response:
    """One D1 round trip."""
    await service.delete(principal.user_id, knowledge_base_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
