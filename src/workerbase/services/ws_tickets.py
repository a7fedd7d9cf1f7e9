"""WebSocket tickets: a browser cannot set headers on a WebSocket, and a long-lived token in a URL ends
up in logs, so a tab first trades its token for a ticket (POST /ws-ticket), good for one connection to
one chat within a minute. Signed like file links (`services/signing.py`); single use is
enforced by the chat's room, which remembers the nonces it admitted."""

from __future__ import annotations

import json

from workerbase import b64url
from workerbase.ports import Crypto, InvalidTicket, Ticket
from workerbase.services.signing import Signer

TICKET_SECONDS = 60
_KEY_CONTEXT = b"workerbase/ws-tickets/v1"


class TicketSigner:
    def __init__(self, crypto: Crypto, jwt_secrets: tuple[str, ...]) -> None:
        self._crypto = crypto
        self._signer = Signer(crypto, jwt_secrets, _KEY_CONTEXT)

    def issue(self, chat_id: str, user_id: str, now: int) -> tuple[str, Ticket]:
        ticket = Ticket(chat_id, user_id, now + TICKET_SECONDS, b64url.encode(self._crypto.random_bytes(16)))
        claims = b64url.encode(
            json.dumps([ticket.chat_id, ticket.user_id, ticket.expires, ticket.nonce]).encode()
        )
        return f"{claims}.{self._signer.sign(claims)}", ticket

    def verify(self, text: str, chat_id: str, now: int) -> Ticket:
        """The ticket's claims if we signed it, for this chat, and it has not expired (403 otherwise).
        Whether it was used already is the room's to say."""
        claims, _, signature = text.partition(".")
        if not self._signer.verify(claims, signature):
            raise InvalidTicket("the ticket's signature does not match")
        try:
            ticket_chat, user_id, expires, nonce = json.loads(b64url.decode(claims))
        except ValueError:  # signed by us, so only a bug could get here; still no 500
            raise InvalidTicket("the ticket cannot be read") from None
        if ticket_chat != chat_id:
            raise InvalidTicket("the ticket is for another chat")
        if int(expires) <= now:
            raise InvalidTicket("the ticket has expired")
        return Ticket(str(ticket_chat), str(user_id), int(expires), str(nonce))
