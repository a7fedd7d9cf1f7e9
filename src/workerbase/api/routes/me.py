"""`/v1/me`: the signed-in user."""

from __future__ import annotations

from fastapi import APIRouter

from workerbase.api.deps import AuthDep, PrincipalDep
from workerbase.api.schemas import UserOut
from workerbase.services.tokens import InvalidToken

router = APIRouter(tags=["me"])


@router.get("/me")
async def get_me(principal: PrincipalDep, auth: AuthDep) -> UserOut:
    """One D1 round trip (the token itself is verified without D1)."""
    user = await auth.get_user(principal.user_id)
    if user is None:  # deleted since the token was issued
        raise InvalidToken("the account no longer exists")
    return UserOut.of(user)
