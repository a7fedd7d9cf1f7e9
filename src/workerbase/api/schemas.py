"""Response bodies shared by several routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from workerbase.repositories.accounts import UserRecord
from workerbase.services.auth import Session


class UserOut(BaseModel):
    id: str
    email: str
    name: str | None
    role: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, user: UserRecord) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the OAuth token type, not a secret)


class SessionOut(TokensOut):
    user: UserOut

    @classmethod
    def of(cls, session: Session) -> SessionOut:
        return cls(
            user=UserOut.of(session.user),
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )
