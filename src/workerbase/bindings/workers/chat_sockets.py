"""Chat WebSockets on Workers: `src/entry.py` sends upgrade requests here before the app. The ticket is
checked in the Worker, then the request goes to the chat's room, which accepts the socket itself
(hibernatable sockets must belong to the Durable Object)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from workers import Response

from workerbase.bindings.workers.chat_rooms import ROOM_URL
from workerbase.bindings.workers.platform import platform_from_env
from workerbase.clock import utc_now
from workerbase.durable.generation import room_name
from workerbase.services.ws_tickets import InvalidTicket, TicketSigner

_SOCKET_PATH = re.compile(r"^/v1/chats/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/ws$")


def is_chat_socket(request: Any) -> bool:
    upgrade = request.headers.get("upgrade")
    return isinstance(upgrade, str) and upgrade.lower() == "websocket"


async def open_chat_socket(request: Any, env: Any) -> Any:
    """A tab's WebSocket upgrade, answered by its chat's room (or 403/404 here)."""
    url = urlparse(str(request.url))
    match = _SOCKET_PATH.match(url.path)
    if match is None:
        return _problem(404, "not_found", "no WebSocket here")
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    platform = platform_from_env(env)
    try:
        after = int(query.get("after", "0"))
    except ValueError:
        after = -1
    if after < 0:
        return _problem(400, "invalid_argument", "`after` must be a sequence number (0 or more)")
    signer = TicketSigner(platform.crypto, platform.settings.auth.jwt_secrets)
    try:
        ticket = signer.verify(query.get("ticket", ""), match.group(1), int(utc_now().timestamp()))
    except InvalidTicket as exc:
        return _problem(403, "invalid_ticket", str(exc))
    forward = urlencode(
        {"nonce": ticket.nonce, "expires": ticket.expires, "user": ticket.user_id, "after": after}
    )
    return await env.CHAT_ROOM.getByName(room_name(ticket.user_id, ticket.chat_id)).fetch(
        f"{ROOM_URL}/ws?{forward}", headers={"Upgrade": "websocket"}
    )


def _problem(status: int, code: str, detail: str) -> Response:
    body = {
        "type": "about:blank",
        "title": "WebSocket refused",
        "status": status,
        "code": code,
        "detail": detail,
    }
    return Response(json.dumps(body), status=status, headers={"Content-Type": "application/problem+json"})
