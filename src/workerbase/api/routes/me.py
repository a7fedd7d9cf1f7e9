"""`/v1/me`: the signed-in user's own account."""

from fastapi import Response, status
from pydantic import BaseModel, Field

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import AuthDep, FileServiceDep, LiveEventsDep, PrincipalDep, SessionPrincipalDep
from workerbase.api.schemas import SessionOut, UserOut
from workerbase.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from workerbase.services.tokens import InvalidToken

router = DeferredRouter(prefix="/me", tags=["me"])


class ProfileIn(BaseModel):
    name: str | None = Field(default=None, max_length=200)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


@router.get("")
async def get_me(principal: PrincipalDep, auth: AuthDep) -> UserOut:
    """One D1 round trip (the token itself is verified without D1)."""
    user = await auth.get_user(principal.user_id)
    if user is None:  # deleted since the token was issued
        raise InvalidToken("the account no longer exists")
    return UserOut.of(user)


@router.patch("")
async def update_me(body: ProfileIn, principal: PrincipalDep, auth: AuthDep) -> UserOut:
    """One D1 round trip."""
    return UserOut.of(await auth.rename(principal.user_id, body.name))


@router.post("/password")
async def change_password(
    body: PasswordChangeIn, principal: SessionPrincipalDep, auth: AuthDep
) -> SessionOut:
    """Ends every session (other devices must log in again) and returns fresh tokens for this one.
    Two D1 round trips."""
    return SessionOut.of(
        await auth.change_password(principal.user_id, body.current_password, body.new_password)
    )


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    principal: SessionPrincipalDep, auth: AuthDep, files: FileServiceDep, events: LiveEventsDep
) -> Response:
    """Deletes the account and everything it owns (cascading foreign keys; the files' objects are queued
    for removal in the same transaction), then removes up to 1,000 of those objects at once (the
    scheduled clean-up does the rest). Two D1 round trips, three and an R2 delete if the user had files.
    The open tabs of chats active in the last hour get `chat-deleted`, and their replies are stopped."""
    await events.chats_deleted(principal.user_id, await auth.delete_account(principal.user_id))
    await files.remove_objects_of_deleted_user(principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
