"""`/v1/knowledge-bases/{id}/sources`: what a knowledge base holds (files, documents, chats) and their
ingestion, which a queue consumer does (`services/ingestion.py`): adding answers 202 at once, and the
source's `status` (`queued`, `processing` with `progress`, `ready` with `chunk_count`, `failed` with
`error`) is polled."""

from typing import Self

from fastapi import Response, status
from pydantic import BaseModel, Field, model_validator

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import IngestionServiceDep, PageDep, PrincipalDep
from workerbase.api.schemas import ClientId, RecordOut

router = DeferredRouter(prefix="/knowledge-bases", tags=["knowledge bases"])


class SourceIn(BaseModel):
    """Exactly one of them: one of the caller's files (text, Markdown, CSV, JSON), documents or chats."""

    file_id: ClientId | None = None
    document_id: ClientId | None = None
    chat_id: ClientId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(value is not None for value in (self.file_id, self.document_id, self.chat_id)) != 1:
            raise ValueError("give exactly one of file_id, document_id, chat_id")
        return self

    def kind_and_ref(self) -> tuple[str, str]:
        if self.file_id is not None:
            return "file", self.file_id
        if self.document_id is not None:
            return "document", self.document_id
        assert self.chat_id is not None
        return "chat", self.chat_id


class SourceOut(RecordOut):
    id: str
    knowledge_base_id: str
    kind: str = Field(description="`file`, `document` or `chat`.")
    ref_id: str = Field(description="The file's, document's or chat's id.")
    title: str
    status: str = Field(description="`queued`, `processing`, `ready` or `failed`.")
    error: str | None = Field(description="Why it failed.")
    progress: float = Field(description="0 to 1 while it is processed.")
    chunk_count: int
    embedding_model: str | None
    created_at: str
    updated_at: str


class SourcePage(BaseModel):
    items: list[SourceOut]
    next_cursor: str | None


@router.post(
    "/{knowledge_base_id}/sources",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": SourceOut, "description": "The knowledge base has this source already."}},
)
async def add_source(
    knowledge_base_id: str,
    body: SourceIn,
    response: Response,
    principal: PrincipalDep,
    ingestion: IngestionServiceDep,
) -> SourceOut:
    """Adds the source and queues its ingestion: 202 at once, `status: queued`; poll the source. 200 with
    the source as it is when the knowledge base has it already. 404 for no such knowledge base, file,
    document or chat; 413 `source_too_large` for a file over 10 MiB. Two D1 round trips and a queue send."""
    kind, ref_id = body.kind_and_ref()
    source, new = await ingestion.add(principal.user_id, knowledge_base_id, kind, ref_id)
    if not new:
        response.status_code = status.HTTP_200_OK
    return SourceOut.of(source)


@router.get("/{knowledge_base_id}/sources")
async def list_sources(
    knowledge_base_id: str, principal: PrincipalDep, ingestion: IngestionServiceDep, page: PageDep
) -> SourcePage:
    """Newest first. One D1 round trip."""
    items, next_cursor = await ingestion.page(principal.user_id, knowledge_base_id, page.cursor, page.limit)
    return SourcePage(items=[SourceOut.of(s) for s in items], next_cursor=next_cursor)


@router.get("/{knowledge_base_id}/sources/{source_id}")
async def get_source(
    knowledge_base_id: str, source_id: str, principal: PrincipalDep, ingestion: IngestionServiceDep
) -> SourceOut:
    """One D1 round trip: what polling reads."""
    return SourceOut.of(await ingestion.get(principal.user_id, knowledge_base_id, source_id))


@router.post("/{knowledge_base_id}/sources/{source_id}/ingest", status_code=status.HTTP_202_ACCEPTED)
async def ingest_source_again(
    knowledge_base_id: str, source_id: str, principal: PrincipalDep, ingestion: IngestionServiceDep
) -> SourceOut:
    """Ingests the source again (its content changed, or the embedding model did): `queued` again, its
    old chunks replaced when the new ones are ready."""
    return SourceOut.of(await ingestion.ingest_again(principal.user_id, knowledge_base_id, source_id))


@router.delete("/{knowledge_base_id}/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_source(
    knowledge_base_id: str, source_id: str, principal: PrincipalDep, ingestion: IngestionServiceDep
) -> Response:
    """The source and its chunks go at once; their vectors soon after (never shown meanwhile)."""
    await ingestion.remove(principal.user_id, knowledge_base_id, source_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
