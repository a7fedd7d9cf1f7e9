"""`/v1/auth`: signup, guest accounts, login, refresh, logout. Errors: 409 email_taken (signup only: the
one place an email's existence shows, by necessity), 401 invalid_credentials (wrong email and wrong
password alike), 401 invalid_refresh_token, 403 guest_accounts_disabled."""

from typing import Annotated

from fastapi import Response, status
from pydantic import BaseModel, Field, StringConstraints

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import AuthDep, ClientIpDep, SessionPrincipalDep
from workerbase.api.schemas import SessionOut, TokensOut
from workerbase.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

router = DeferredRouter(prefix="/auth", tags=["auth"])

# Deliberately loose (one @, a dot in the domain): the mailbox is proven by delivery, not by a regex.
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]


class SignupIn(BaseModel):
    email: Email
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    name: str | None = Field(default=None, max_length=200)


class LoginIn(BaseModel):
    email: str = Field(max_length=254)  # not validated further: a malformed email is just a failed login
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=1024)


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(body: SignupIn, auth: AuthDep, client_ip: ClientIpDep) -> SessionOut:
    """One D1 round trip: the IP's signup throttle, the user and the first refresh token in one batch.
    429 with Retry-After when the IP signs up too often."""
    return SessionOut.of(await auth.signup(body.email, body.password, body.name, client_ip))


@router.post("/guest", status_code=status.HTTP_201_CREATED)
async def start_guest_session(auth: AuthDep, client_ip: ClientIpDep) -> SessionOut:
    """A guest account and its session, for apps that let visitors chat before signing up (when
    GUEST_ACCOUNTS=on; 403 `guest_accounts_disabled` otherwise). The account has the role `guest` (its
    own daily message limit) and no password: it lasts as long as its sessions (refresh them), and is
    deleted after the last one ends. One D1 round trip; 429 with Retry-After when the IP asks too often."""
    return SessionOut.of(await auth.start_guest_session(client_ip))


@router.post("/login")
async def login(body: LoginIn, auth: AuthDep, client_ip: ClientIpDep) -> SessionOut:
    """Two D1 round trips: one read (the user and the account's and IP's throttles), then one batch
    (the new session and the account's throttle reset, plus a re-hash if due; or the failure counts).
    429 with Retry-After while the account or the IP is locked out."""
    return SessionOut.of(await auth.login(body.email, body.password, client_ip))


@router.post("/refresh")
async def refresh(body: RefreshIn, auth: AuthDep) -> TokensOut:
    """One D1 round trip: rotation, reuse detection and the user's role in one batch."""
    tokens = await auth.refresh(body.refresh_token)
    return TokensOut(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, auth: AuthDep) -> Response:
    """Revokes the token's whole family (this login on every tab). 204 whatever the token was."""
    await auth.logout(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(principal: SessionPrincipalDep, auth: AuthDep) -> Response:
    """Revokes every refresh token of the caller. One D1 round trip."""
    await auth.logout_everywhere(principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
