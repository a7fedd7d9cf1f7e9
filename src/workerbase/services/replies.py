"""Writing a reply: the model in a loop with the server's tools, streamed as UI message chunks.

Each step is one model call, streamed as `start-step`, its reasoning, text and tool calls (as the AI SDK
streams them: `reasoning-*`, `text-*`, `tool-input-start`/`-delta`/`-available`, or `tool-input-error`
for a call that names no tool or whose arguments its schema refuses), then each tool's result
(`tool-output-available`, or `tool-output-error` with why) and `finish-step`. A step that called tools is
followed by another, told the results, up to `max_steps` model calls; the reply ends when the model
answers without calling a tool (or the steps run out: finish reason `tool-calls`). A reply that names
knowledge bases retrieves first (`services/retrieval.py`): the passages go to the model after the system
prompt and stream as `source-document` parts at the start of the first step. A chat without a title
gets one from a model call made meanwhile, written last (`services/titles.py`). The room writes
`start` before and the closing chunks after (`durable/ui_stream.py`), and stores the parts the chunks
make.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from workerbase.durable.ui_stream import parts_of
from workerbase.logs import get_logger
from workerbase.ports import (
    ChatModel,
    Chunk,
    Emit,
    GenerationJob,
    ModelMessage,
    Outcome,
    ReasoningDelta,
    StepFinished,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Turn,
)
from workerbase.services.continuations import last_step, tool_calls_of
from workerbase.services.model_input import ModelInput, tool_output_text
from workerbase.services.retrieval import Passage, RetrievalService
from workerbase.services.titles import CHAT_TITLE_PART, chat_title, title_source
from workerbase.services.tools import BadToolInput, Tool, Toolbox, ToolContext, ToolError, parsed_or_raw

# The passages a reply retrieves, and the most of the newest message used as the query.
PASSAGES = 5
MAX_QUERY_CHARS = 2000

if TYPE_CHECKING:  # the tools' inputs; this module runs where pydantic is not (the Pyodide suite)
    from pydantic import BaseModel


@dataclass(slots=True)
class _Step:
    """What one model call said: its text, the tool calls it streamed (by index) and how it ended."""

    text: str = ""
    calls: dict[int, ToolCall] = field(default_factory=dict)
    finished: StepFinished | None = None  # None: the provider's stream ended without saying


class _Part:
    """The text or reasoning part being streamed, opened on its first delta and ended when another kind
    of part begins."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._open: tuple[str, str] | None = None  # (kind, id)

    def delta(self, kind: str, text: str) -> None:
        if self._open is None or self._open[0] != kind:
            self.end()
            self._open = (kind, uuid.uuid4().hex)
            self._emit({"type": f"{kind}-start", "id": self._open[1]})
        self._emit({"type": f"{kind}-delta", "id": self._open[1], "delta": text})

    def end(self) -> None:
        if self._open is not None:
            self._emit({"type": f"{self._open[0]}-end", "id": self._open[1]})
            self._open = None


class ReplyGenerator:
    def __init__(
        self,
        model: ChatModel,
        model_input: ModelInput,
        tools: Toolbox,
        max_steps: int,
        retrieval: RetrievalService | None = None,
    ) -> None:
        self._model = model
        self._input = model_input
        self._tools = tools
        self._max_steps = max_steps
        self._retrieval = retrieval

    async def respond(self, job: GenerationJob, emit: Emit) -> Outcome:
        titling = None
        if job.title_model and (source := title_source(job.history)):
            # Asked at once, beside the reply's steps, so that it rarely keeps the reply's end waiting.
            titling = asyncio.ensure_future(chat_title(self._model, job.title_model, source))
        try:
            outcome = await self._steps(job, emit)
            if titling is not None:
                emit({"type": CHAT_TITLE_PART, "data": await titling})
            return outcome
        finally:
            if titling is not None:
                titling.cancel()  # the reply failed or was stopped: no title this time

    async def _steps(self, job: GenerationJob, emit: Emit) -> Outcome:
        context = ToolContext(job.user_id, job.chat_id, emit, self._model, job.model)
        history = job.history
        if job.continues:
            history = [*history[:-1], await self._run_approved(history[-1], context)]
        passages = [] if job.continues else await self._retrieved(job)
        messages = await self._input.messages(with_passages(job.system_prompt, passages), history)
        specs = [*self._tools.specs(), *job.client_tools]
        client_tools = {tool.name for tool in job.client_tools}
        tokens_in = tokens_out = 0
        counted = True  # every step's usage was given
        for step_number in range(self._max_steps):
            emit({"type": "start-step"})
            if step_number == 0:
                for passage in passages:
                    emit(_source_document(passage))
            step = await self._step(job.model, messages, specs, emit)
            finished = step.finished or StepFinished("other")
            usage = finished.usage
            counted = counted and usage is not None
            tokens_in += usage.input_tokens if usage else 0
            tokens_out += usage.output_tokens if usage else 0
            if not step.calls:
                emit({"type": "finish-step"})
                reason = "stop" if finished.reason == "tool-calls" else finished.reason
                return _outcome(reason, counted, tokens_in, tokens_out)
            calls = [step.calls[index] for index in sorted(step.calls)]
            messages.append(ModelMessage("assistant", step.text, tuple(calls)))
            waiting = False  # for the client: a client-side tool's output, or an approval
            for call in calls:
                result = await self._run(call, context, client_tools)
                if result is None:
                    waiting = True
                else:
                    messages.append(ModelMessage("tool", result, tool_call_id=call.id))
            emit({"type": "finish-step"})
            if waiting:
                break  # the client answers, and sends the conversation again (services/continuations.py)
        return _outcome("tool-calls", counted, tokens_in, tokens_out)

    async def _retrieved(self, job: GenerationJob) -> list[Passage]:
        """The best passages of the job's knowledge bases for the newest user message; none if it names
        no knowledge base, or if retrieval fails (the reply goes on without them, and that is logged)."""
        asked = [turn.text for turn in job.history if turn.role == "user"]
        query = asked[-1].strip() if asked else ""
        if not job.knowledge_base_ids or self._retrieval is None or not query:
            return []
        try:
            return await self._retrieval.search(
                job.user_id,
                query[:MAX_QUERY_CHARS],
                top_k=PASSAGES,
                knowledge_base_ids=job.knowledge_base_ids,
            )
        except Exception:
            get_logger().exception(
                "retrieval failed; replying without it", extra={"fields": {"chat_id": job.chat_id}}
            )
            return []

    async def _step(
        self, model: str, messages: list[ModelMessage], specs: list[ToolSpec], emit: Emit
    ) -> _Step:
        step = _Step()
        part = _Part(emit)
        arguments: dict[int, str] = {}
        async for event in self._model.reply(model, messages, specs):
            if isinstance(event, TextDelta):
                step.text += event.text
                part.delta("text", event.text)
            elif isinstance(event, ReasoningDelta):
                part.delta("reasoning", event.text)
            elif isinstance(event, ToolCallDelta):
                part.end()
                if event.index not in step.calls:
                    call_id = event.id or f"call_{uuid.uuid4().hex[:24]}"
                    step.calls[event.index] = ToolCall(call_id, event.name or "", "")
                    arguments[event.index] = ""
                    emit({"type": "tool-input-start", "toolCallId": call_id, "toolName": event.name or ""})
                if event.arguments:
                    arguments[event.index] += event.arguments
                    emit(
                        {
                            "type": "tool-input-delta",
                            "toolCallId": step.calls[event.index].id,
                            "inputTextDelta": event.arguments,
                        }
                    )
            elif isinstance(event, StepFinished):
                step.finished = event
        part.end()
        for index, call in step.calls.items():
            step.calls[index] = ToolCall(call.id, call.name, arguments[index])
        return step

    async def _run(self, call: ToolCall, context: ToolContext, client_tools: set[str]) -> str | None:
        """Streams one call's input and, for a server tool that needs no approval, runs it; returns what
        the model is told, or None when the call waits for the client (it runs the tool, or the user
        approves it)."""
        emit = context.emit
        if call.name in client_tools:
            arguments = parsed_or_raw(call.arguments)
            if isinstance(arguments, dict):
                emit(_input_available(call, arguments))
                return None
            return _refused(call, f"invalid input for {call.name}: not a JSON object", emit)
        try:
            tool, validated = self._tools.validated(call.name, call.arguments)
        except BadToolInput as exc:
            return _refused(call, str(exc), emit)
        emit(_input_available(call, validated.model_dump(mode="json")))
        if self._tools.needs_approval(call.name):
            emit(
                {
                    "type": "tool-approval-request",
                    "approvalId": f"approval_{uuid.uuid4().hex}",
                    "toolCallId": call.id,
                }
            )
            return None
        return await self._execute(tool, validated, call, context)

    async def _execute(self, tool: Tool, arguments: BaseModel, call: ToolCall, context: ToolContext) -> str:
        """Runs the tool, streaming its result; returns what the model is told."""
        try:
            output = await tool.run(arguments, context)
        except ToolError as exc:
            error = str(exc)
        except Exception:
            get_logger().exception("a tool failed", extra={"fields": {"tool": call.name}})
            error = f"the tool {call.name} failed"
        else:
            context.emit({"type": "tool-output-available", "toolCallId": call.id, "output": output})
            return tool_output_text(output)
        context.emit({"type": "tool-output-error", "toolCallId": call.id, "errorText": error})
        return f"Error: {error}"

    async def _run_approved(self, turn: Turn, context: ToolContext) -> Turn:
        """The reply being continued, with the calls the user answered run (approved) or denied: each
        result streamed before the next step, as the AI SDK streams them."""
        written: list[Chunk] = []

        def emit(chunk: Chunk) -> None:
            written.append(chunk)
            context.emit(chunk)

        keeping = replace(context, emit=emit)
        for part in tool_calls_of(last_step(turn.parts)):
            if part.get("state") != "approval-responded":
                continue
            call = ToolCall(
                part["toolCallId"], part["type"].removeprefix("tool-"), json.dumps(part.get("input"))
            )
            if not part["approval"]["approved"]:
                emit({"type": "tool-output-denied", "toolCallId": call.id})
                continue
            try:
                tool, validated = self._tools.validated(call.name, call.arguments)
            except BadToolInput as exc:  # the settings changed since it was asked
                emit({"type": "tool-output-error", "toolCallId": call.id, "errorText": str(exc)})
                continue
            await self._execute(tool, validated, call, keeping)
        return Turn(turn.role, parts_of(written, turn.parts))


def with_passages(system_prompt: str | None, passages: list[Passage]) -> str | None:
    """The system prompt with the retrieved passages after it, numbered as the model is asked to cite them."""
    if not passages:
        return system_prompt
    context = "\n\n".join(f"[{n}] {p.source_title}\n{p.text}" for n, p in enumerate(passages, 1))
    knowledge = (
        "Passages from the user's knowledge follow. Where they help, answer from them and cite them as"
        f" [1], [2]...; say so when they do not hold the answer.\n\n{context}"
    )
    return f"{system_prompt}\n\n{knowledge}" if system_prompt else knowledge


def _source_document(passage: Passage) -> Chunk:
    """A retrieved passage as the AI SDK's `source-document` part (what `useChat` shows as a citation)."""
    chunk: Chunk = {
        "type": "source-document",
        "sourceId": passage.chunk_id,
        "mediaType": "text/plain",
        "title": passage.source_title,
    }
    if passage.source_kind == "file":
        chunk["filename"] = passage.source_title
    return chunk


def _input_available(call: ToolCall, arguments: Any) -> Chunk:
    return {"type": "tool-input-available", "toolCallId": call.id, "toolName": call.name, "input": arguments}


def _refused(call: ToolCall, error: str, emit: Emit) -> str:
    """A call that names no tool, or whose arguments its schema refuses: the client is shown why, and so
    is the model (what is returned), which may try again."""
    emit(
        {
            "type": "tool-input-error",
            "toolCallId": call.id,
            "toolName": call.name,
            "input": parsed_or_raw(call.arguments),
            "errorText": error,
        }
    )
    return f"Error: {error}"


def _outcome(reason: str, counted: bool, tokens_in: int, tokens_out: int) -> Outcome:
    if not counted:
        return Outcome(reason)
    return Outcome(reason, input_tokens=tokens_in, output_tokens=tokens_out)
