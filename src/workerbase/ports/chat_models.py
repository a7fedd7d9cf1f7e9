"""The chat model port: a provider that streams one step of a reply (OpenAI-compatible APIs, Workers AI),
what it is given (messages, tools) and what it streams (text, reasoning, tool calls, how the step ended,
usage), and the failures every provider raises.

Messages are OpenAI chat messages, the format every provider we route to takes (Workers AI included):
`content` is a string or a list of content parts (`{"type": "text", "text"}`, `{"type": "image_url",
"image_url": {"url"}}`, `{"type": "file", "file": {"filename", "file_data"}}`); an assistant message may
carry `tool_calls`, and a `tool` message answers one by `tool_call_id`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal, Protocol

from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen

# How a step ended: `tool-calls` asks the caller to run the tools and call the model again.
StepEnd = Literal["stop", "length", "content-filter", "tool-calls", "other"]


class ToolCall(Frozen):
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


class ModelMessage(Frozen):
    role: str  # system | user | assistant | tool
    content: str | list[dict[str, Any]]
    tool_calls: tuple[ToolCall, ...] = ()  # assistant
    tool_call_id: str | None = None  # tool

    def wire(self) -> dict[str, Any]:
        """As the OpenAI chat format has it."""
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        if self.tool_call_id is not None:
            message["tool_call_id"] = self.tool_call_id
        return message


class ToolSpec(Frozen):
    """A tool the model may call: its name, what it does and its input's JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        function = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return {"type": "function", "function": function}


# What a provider streams in a step.


class TextDelta(Frozen):
    text: str


class ReasoningDelta(Frozen):
    text: str


class ToolCallDelta(Frozen):
    """A piece of a tool call: the first piece of call `index` has its id and name, every piece may add to
    its arguments' JSON text (OpenAI's `tool_calls` deltas)."""

    index: int
    arguments: str
    id: str | None = None
    name: str | None = None


class Usage(Frozen):
    input_tokens: int
    output_tokens: int


class StepFinished(Frozen):
    """The step's last event: how it ended, and the tokens it used if the provider said."""

    reason: StepEnd
    usage: Usage | None = None


ModelEvent = TextDelta | ReasoningDelta | ToolCallDelta | StepFinished


class ChatModel(Protocol):
    """A language model that streams one step of a reply: OpenAI-compatible `chat/completions` over HTTP,
    or the Workers AI binding. Ends with StepFinished; raises ModelFailed (or ModelTimeout) when the
    provider fails, possibly after some events."""

    def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]: ...


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
