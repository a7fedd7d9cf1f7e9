"""Where the API lives: paths that more than the routers need to know (the middleware's body limits,
the WebSocket upgrades that each runtime takes before the app)."""

from __future__ import annotations

API_PREFIX = "/v1"
# A chat's WebSocket (`api/chat_sockets.py`): not a FastAPI route, since on Workers the upgrade must be
# answered by the chat's Durable Object before the app sees it.
CHAT_SOCKET_PATH = API_PREFIX + "/chats/{chat_id}/ws"
