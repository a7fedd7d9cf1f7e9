"""A chat's title, made by a short model call from its first message while the first reply is written.

The reply streams it as a `data-chat-title` part (the ai-chatbot's name and shape: `{type, data}`, kept
in the reply's parts as the ai-chatbot keeps it), and the reply's store sets it as the chat's title
unless the chat was named meanwhile (`services/live_chat.py`). A title call that fails or says nothing
usable falls back to the start of the message: a chat is never left untitled for a provider's hiccup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workerbase.logs import get_logger
from workerbase.ports import ChatModel, ModelFailed, ModelMessage, TextDelta, Turn

CHAT_TITLE_PART = "data-chat-title"
MAX_TITLE_CHARS = 80
# What the title model reads of the message: a title needs its start, not a pasted document.
MAX_SOURCE_CHARS = 2_000
TITLE_PROMPT = (
    "You write the title of a chat from its first message. Answer with the title alone: at most"
    f" {MAX_TITLE_CHARS} characters, no quotes, no colon, no trailing punctuation, in the message's"
    " language. Summarise what the user asks; do not answer it."
)


def title_source(turns: Sequence[Turn]) -> str | None:
    """The text of the chat's first user message that has any (an image alone gives no title)."""
    for turn in turns:
        if turn.role == "user" and turn.text.strip():
            return turn.text[:MAX_SOURCE_CHARS]
    return None


async def chat_title(model: ChatModel, model_name: str, source: str) -> str:
    """The title `model_name` gives `source`, cleaned; the source's start if the call fails."""
    messages = [ModelMessage("system", TITLE_PROMPT), ModelMessage("user", source)]
    said = ""
    try:
        async for event in model.reply(model_name, messages):
            if isinstance(event, TextDelta):
                said += event.text
                if len(said) > 4 * MAX_TITLE_CHARS:
                    break  # a model that ignores the prompt: its start is title enough
    except Exception as exc:  # a title is not worth failing the reply for
        get_logger().warning(
            "could not title a chat",
            exc_info=not isinstance(exc, ModelFailed),
            extra={"fields": {"error": str(exc)}},
        )
    return cleaned(said) or cleaned(source)


def cleaned(text: str) -> str:
    """One line of at most MAX_TITLE_CHARS, without the Markdown, quotes and prefixes models add."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = re.sub(r"^\s*(title\s*:)?[\s#*\"'`]*", "", line, flags=re.IGNORECASE)
    line = re.sub(r"[\s\"'`*.]+$", "", line)
    line = " ".join(line.split())
    if len(line) <= MAX_TITLE_CHARS:
        return line
    cut = line[: MAX_TITLE_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
