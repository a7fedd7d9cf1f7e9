"""`/v1/me/api-keys`: keys for bots and servers. Managing keys needs a signed-in user (not a key)."""

from typing import Literal

from fastapi import Response, status
from pydantic import BaseModel, Field

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import ApiKeyServiceDep, PageDep, SessionPrincipalDep
from workerbase.api.schemas import RecordOut

router = DeferredRouter(prefix="/me/api-keys", tags=["api keys"])


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write"]] = Field(min_length=1, max_length=2)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyOut(RecordOut):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    expires_at: str | None


class CreatedApiKeyOut(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response: store it now.")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]
    next_cursor: str | None


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyIn, principal: SessionPrincipalDep, keys: ApiKeyServiceDep
) -> CreatedApiKeyOut:
    """One D1 round trip. Scopes: ["read"] or ["read", "write"] (write implies read)."""
    scopes = ("read", "write") if "write" in body.scopes else ("read",)
    created = await keys.create(principal.user_id, principal.role, body.name, scopes, body.expires_in_days)
    return CreatedApiKeyOut(**ApiKeyOut.of(created.record).model_dump(), key=created.key)


@router.get("")
async def list_api_keys(principal: SessionPrincipalDep, keys: ApiKeyServiceDep, page: PageDep) -> ApiKeyPage:
    """One D1 round trip; newest first."""
    items, next_cursor = await keys.page(principal.user_id, page.cursor, page.limit)
    return ApiKeyPage(items=[ApiKeyOut.of(item) for item in items], next_cursor=next_cursor)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_api_key(key_id: str, principal: SessionPrincipalDep, keys: ApiKeyServiceDep) -> Response:
    """One D1 round trip; the key stops working at once."""
    await keys.delete(principal.user_id, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
