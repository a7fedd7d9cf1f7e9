"""Response bodies shared by several routes."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict

from workerbase.services.auth import Session


class RecordOut(BaseModel):
    """A response body read from a repository record's attributes. Only declared fields are read, so a
    record's internals (a password hash, an owner id) never reach a response."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object) -> Self:
        return cls.model_validate(record)


class UserOut(RecordOut):
    id: str
    email: str
    name: str | None
    role: str
    created_at: str
    updated_at: str


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
