"""Signed file links: a URL that serves one file's bytes without auth until it expires, for `<img src>`.

The signature is an HMAC over (file id, owner id, expiry) keyed from JWT_SECRETS (`services/signing.py`),
so links rotate with those secrets and need no secret of their own. The owner
is signed but not in the URL: a link made for a file id its maker does not own never verifies.
"""

from __future__ import annotations

from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.ports import Crypto
from workerbase.services.signing import Signer

MAX_LINK_SECONDS = 7 * 24 * 3600
_KEY_CONTEXT = b"workerbase/file-links/v1"


class InvalidLink(WorkerbaseError):
    status = 403
    code = "invalid_link"
    title = "This link is not valid"
    public_detail = True


class SignedLink(Frozen):
    expires: int  # Unix seconds
    signature: str

    def query(self) -> str:
        return f"expires={self.expires}&signature={self.signature}"


class LinkSigner:
    def __init__(self, crypto: Crypto, secrets: tuple[str, ...]) -> None:
        self._signer = Signer(crypto, secrets, _KEY_CONTEXT)

    def sign(self, file_id: str, owner_id: str, expires: int) -> SignedLink:
        return SignedLink(expires, self._signer.sign(_message(file_id, owner_id, expires)))

    def verify(self, file_id: str, owner_id: str, link: SignedLink, now: int) -> None:
        """Raises InvalidLink (403) unless the link is one we made for this file and has not expired."""
        if not self._signer.verify(_message(file_id, owner_id, link.expires), link.signature):
            raise InvalidLink("the link's signature does not match")
        if link.expires <= now:
            raise InvalidLink("the link has expired")


def _message(file_id: str, owner_id: str, expires: int) -> str:
    return f"{file_id}\n{owner_id}\n{expires}"
