"""Response bodies shared by several routes."""

import json
from typing import Annotated, Any, Literal, Self

from fastapi import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import to_json

from workerbase.ids import CLIENT_ID_MAX_LENGTH, CLIENT_ID_PATTERN
from workerbase.services.auth import Session

MAX_METADATA_BYTES = 16 * 1024
# The largest integer D1 binds exactly (`bindings/d1_rules.py`, which api/ may not import; a unit test
# keeps the two equal). An integer field or parameter that reaches SQL declares it as its maximum, so a
# larger one is a 422 that names the field, as the OpenAPI document says, not a refused statement.
MAX_STORED_INTEGER = 2**53 - 1


def json_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON, the way it is stored."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _metadata_within_limit(value: dict[str, Any]) -> dict[str, Any]:
    if json_size(value) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is limited to {MAX_METADATA_BYTES} bytes of JSON")
    return value


# A chat, message or document id the client chose (`workerbase.ids`), in a path, a query or a body: the
# pattern is in the OpenAPI document, and anything else is a 422 naming the field before anything is read
# or stored.
ClientId = Annotated[str, StringConstraints(pattern=CLIENT_ID_PATTERN, max_length=CLIENT_ID_MAX_LENGTH)]

# A body that is one object or a list of them is a union told apart by the body's JSON type. Pydantic
# puts the form's tag into each error's location; `api/problems.py` leaves these tags out, so a field is
# named `body.id` (one) or `body.1.id` (the second of a list), as the client wrote it.
ONE_FORM = "<one>"
LIST_FORM = "<list>"
FORM_TAGS = frozenset({ONE_FORM, LIST_FORM})


def form_of(value: Any) -> str:
    return LIST_FORM if isinstance(value, list) else ONE_FORM


# Free-form metadata on chats and messages (e.g. {"source": "discord", "channel_id": ...}).
Metadata = Annotated[dict[str, Any], AfterValidator(_metadata_within_limit)]


class RecordOut(BaseModel):
    """A response body read from a repository record's attributes. Only declared fields are read, so a
    record's internals (a password hash, an owner id) never reach a response."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object) -> Self:
        return cls.model_validate(record)

    @classmethod
    def fields_of(cls, record: object) -> dict[str, Any]:
        """The declared fields read from a record as they are, without validating them again (records
        hold what was validated on the way in): for long pages, sent with `json_response`."""
        return {name: getattr(record, name) for name in cls.model_fields}


def json_response(content: Any) -> Response:
    """A JSON body serialised once, by pydantic-core, as FastAPI would send it. A route that returns it
    declares its `response_model` for the OpenAPI document; FastAPI then skips validating every item
    against it, which on a 50-message page was an eighth of the request's CPU (bench/request_cpu.py)."""
    return Response(to_json(content), media_type="application/json")


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
    def of(cls, session: Session) -> Self:
        return cls(
            user=UserOut.of(session.user),
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )
