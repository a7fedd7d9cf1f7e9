"""A reply that waits for the user, and the answers that let it go on (the AI SDK's protocol).

A reply's last step can end with tool calls the server does not run: a client-side tool's call
(`input-available`: the client runs it and answers with `addToolOutput`), or a call to a tool that needs
approval (`approval-requested`: the user answers with `addToolApprovalResponse`). The SDK then sends the
whole conversation again, its last message that assistant message with the answers in its parts, and
the server goes on with the same message.

The stored message is the truth: from what the client sent, only the answers to the calls that wait for
one are taken (an output or error for a client-side tool, a yes or no with a reason for an approval); the
rest of the sent message, and any "answer" to a call that did not wait (a server tool's output), is
ignored, so a client cannot rewrite the history the model is told.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

from workerbase.errors import WorkerbaseError

MAX_APPROVAL_REASON_CHARS = 1_000
_ENDED = ("output-available", "output-error", "output-denied", "approval-responded")


class NothingToContinue(WorkerbaseError):
    status = 409
    code = "nothing_to_continue"
    title = "This message waits for no tool result or approval that the request gives"
    public_detail = True


def last_step(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts after the message's last `step-start` (all of them if it has none)."""
    starts = [index for index, part in enumerate(parts) if part.get("type") == "step-start"]
    return parts[starts[-1] + 1 :] if starts else parts


def tool_calls_of(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in parts if "toolCallId" in p and str(p.get("type", "")).startswith("tool-")]


def answered(
    stored: list[dict[str, Any]], sent: list[dict[str, Any]], server_tools: Collection[str]
) -> list[dict[str, Any]]:
    """The stored reply's parts with the client's answers to its waiting tool calls. NothingToContinue
    unless every tool call of its last step has ended or is answered now (a retried request whose
    answers are stored already goes on too)."""
    parts = copy.deepcopy(stored)
    calls = tool_calls_of(last_step(parts))
    if not calls:
        raise NothingToContinue("the message's last step called no tool")
    answers = {p["toolCallId"]: p for p in tool_calls_of(sent)}
    for call in calls:
        if call.get("state") in _ENDED:
            continue
        answer = answers.get(call["toolCallId"])
        name = call["type"].removeprefix("tool-")
        if call.get("state") == "input-available" and name not in server_tools and answer is not None:
            _take_output(call, answer)
        elif call.get("state") == "approval-requested" and answer is not None:
            _take_approval(call, answer)
        if call.get("state") not in _ENDED:
            raise NothingToContinue(f"the call {call['toolCallId']} ({name}) is not answered")
    return parts


def _take_output(call: dict[str, Any], answer: dict[str, Any]) -> None:
    if answer.get("state") == "output-available" and "output" in answer:
        call.update(state="output-available", output=answer["output"])
    elif answer.get("state") == "output-error" and isinstance(answer.get("errorText"), str):
        call.update(state="output-error", errorText=answer["errorText"])


def _take_approval(call: dict[str, Any], answer: dict[str, Any]) -> None:
    approval = answer.get("approval")
    if answer.get("state") != "approval-responded" or not isinstance(approval, dict):
        return
    if approval.get("id") != call["approval"]["id"] or not isinstance(approval.get("approved"), bool):
        return
    given = {"id": approval["id"], "approved": approval["approved"]}
    if isinstance(approval.get("reason"), str):
        given["reason"] = approval["reason"][:MAX_APPROVAL_REASON_CHARS]
    call.update(state="approval-responded", approval=given)
