"""The chat model port: a provider that streams a reply (OpenAI-compatible APIs, Workers AI), and the
failures every provider raises."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from workerbase.errors import WorkerbaseError


@dataclass(frozen=True, slots=True)
class ModelMessage:
    role: str  # system | user | assistant
    content: str


class ChatModel(Protocol):
    """A language model that streams a reply: OpenAI-compatible `chat/completions` over HTTP, or the
    Workers AI binding. Yields text deltas; raises ModelFailed (or ModelTimeout) when the provider fails,
    possibly after some text."""

    def reply(self, model: str, messages: Sequence[ModelMessage]) -> AsyncIterator[str]: ...


class ModelFailed(WorkerbaseError):
    """The provider refused, broke off or sent something we cannot read. Its message is shown to users
    (as the stream's `error` chunk), so it never carries secrets: no keys, no request bodies."""

    status = 502
    code = "model_failed"
    title = "The model provider failed"
    public_detail = True


class ModelTimeout(ModelFailed):
    code = "model_timeout"
    title = "The model provider did not answer in time"
