"""`/v1/admin`: operator endpoints, for users with role `admin` only (403 for everyone else)."""

from pydantic import BaseModel

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import AdminPrincipalDep, AuthDep, PageDep
from workerbase.api.schemas import UserOut

router = DeferredRouter(prefix="/admin", tags=["admin"])


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


@router.get("/users")
async def list_users(principal: AdminPrincipalDep, auth: AuthDep, page: PageDep) -> UserPage:
    """One D1 round trip; newest first, stable under concurrent signups."""
    users, next_cursor = await auth.user_page(page.cursor, page.limit)
    return UserPage(items=[UserOut.of(user) for user in users], next_cursor=next_cursor)
