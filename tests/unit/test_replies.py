"""The reply loop (services/replies.py): tools run between model steps, bad calls and failing tools are
told to the model and the client, and the steps are bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from workerbase.ports import (
    GenerationJob,
    ModelEvent,
    ModelMessage,
    Outcome,
    StepFinished,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Turn,
    Usage,
)
from workerbase.services.model_input import ModelInput
from workerbase.services.replies import ReplyGenerator
from workerbase.services.tools import Toolbox, ToolContext, ToolError

JOB = GenerationJob("c", "u", "r", "m", [Turn("user", [{"type": "text", "text": "go"}])])


class AddInput(BaseModel):
    a: int = Field(ge=0)
    b: int


class Add:
    name: ClassVar[str] = "add"
    description: ClassVar[str] = "Adds two numbers."
    Input: ClassVar[type[BaseModel]] = AddInput

    async def run(self, arguments: AddInput, context: ToolContext) -> Any:
        if arguments.b == 13:
            raise ToolError("13 is unlucky")
        return {"sum": arguments.a + arguments.b}


class CallsForever:
    """Calls `add` with the next arguments on every step, for as long as it is asked."""

    def __init__(self, arguments: list[str]) -> None:
        self.arguments = arguments
        self.asked: list[list[ModelMessage]] = []

    async def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]:
        self.asked.append(list(messages))
        step = len(self.asked) - 1
        if step < len(self.arguments):
            yield ToolCallDelta(0, self.arguments[step], id=f"call{step}", name="add")
            yield StepFinished("tool-calls", Usage(5, 1))
        else:
            yield TextDelta("done")
            yield StepFinished("stop", Usage(5, 1))


async def no_files(file_id: str) -> None:
    return None


async def respond(model: CallsForever, max_steps: int) -> tuple[Outcome, list[dict[str, Any]]]:
    chunks: list[dict[str, Any]] = []
    writer = ReplyGenerator(model, ModelInput(no_files, 10_000), Toolbox([Add()]), max_steps)
    return await writer.respond(JOB, chunks.append), chunks


async def test_results_errors_and_bad_arguments_reach_the_model_and_the_client() -> None:
    model = CallsForever(['{"a": 1, "b": 2}', '{"a": 1, "b": 13}', '{"a": -1, "b": 2}', "{not json"])
    outcome, chunks = await respond(model, max_steps=5)
    assert outcome == Outcome("stop", input_tokens=25, output_tokens=5)
    results = [c for c in chunks if c["type"].startswith(("tool-output", "tool-input-error"))]
    assert results[0] == {"type": "tool-output-available", "toolCallId": "call0", "output": {"sum": 3}}
    assert results[1] == {"type": "tool-output-error", "toolCallId": "call1", "errorText": "13 is unlucky"}
    assert results[2]["type"] == "tool-input-error"
    assert "a: Input should be greater than or equal to 0" in results[2]["errorText"]
    assert results[3]["input"] == "{not json"  # not JSON: shown as the model wrote it
    told = [m.content for m in model.asked[-1] if m.role == "tool"]
    assert told[0] == '{"sum":3}'
    assert told[1] == "Error: 13 is unlucky"


async def test_the_steps_are_bounded() -> None:
    model = CallsForever(['{"a": 1, "b": 2}'] * 10)
    outcome, chunks = await respond(model, max_steps=3)
    assert len(model.asked) == 3
    assert outcome.finish_reason == "tool-calls"
    assert (
        [c["type"] for c in chunks].count("start-step")
        == [c["type"] for c in chunks].count("finish-step")
        == 3
    )
