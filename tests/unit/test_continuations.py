"""What a client's copy of a waiting reply may change in it: the answers to its waiting calls, nothing
else (services/continuations.py)."""

from __future__ import annotations

from typing import Any

import pytest

from workerbase.services.continuations import MAX_APPROVAL_REASON_CHARS, NothingToContinue, answered

SERVER_TOOLS = ("getWeather",)


def reply(*calls: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "step-start"}, {"type": "text", "text": "Let me look", "state": "done"}, *calls]


def call(name: str, call_id: str, state: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"tool-{name}", "toolCallId": call_id, "state": state, "input": {}, **fields}


def test_a_client_tools_output_and_an_approval_are_taken() -> None:
    stored = reply(
        call("getLocation", "c1", "input-available"),
        call("getWeather", "c2", "approval-requested", approval={"id": "a1"}),
    )
    sent = reply(
        call("getLocation", "c1", "output-available", output={"city": "Lisbon"}),
        call(
            "getWeather", "c2", "approval-responded", approval={"id": "a1", "approved": True, "reason": "ok"}
        ),
    )
    sent[1]["text"] = "rewritten"  # not taken
    parts = answered(stored, sent, SERVER_TOOLS)
    assert parts[1]["text"] == "Let me look"
    assert parts[2] == call("getLocation", "c1", "output-available", output={"city": "Lisbon"})
    assert parts[3]["state"] == "approval-responded"
    assert parts[3]["approval"] == {"id": "a1", "approved": True, "reason": "ok"}
    assert stored[2]["state"] == "input-available"  # the stored parts are not changed in place


def test_a_client_tools_error_is_taken() -> None:
    stored = reply(call("getLocation", "c1", "input-available"))
    sent = reply(call("getLocation", "c1", "output-error", errorText="denied by the browser"))
    assert answered(stored, sent, SERVER_TOOLS)[2]["errorText"] == "denied by the browser"


@pytest.mark.parametrize(
    "sent",
    [
        [],  # no answer
        reply(call("getLocation", "c9", "output-available", output={})),  # another call's
        reply(call("getLocation", "c1", "output-available")),  # no output
        reply(call("getLocation", "c1", "input-available")),  # not an answer
    ],
)
def test_a_waiting_call_left_unanswered_is_refused(sent: list[dict[str, Any]]) -> None:
    with pytest.raises(NothingToContinue):
        answered(reply(call("getLocation", "c1", "input-available")), sent, SERVER_TOOLS)


@pytest.mark.parametrize(
    "approval",
    [
        {"id": "other", "approved": True},  # for another request
        {"id": "a1", "approved": "yes"},  # not a yes or no
        {"id": "a1"},
    ],
)
def test_an_approval_that_does_not_answer_the_request_is_refused(approval: dict[str, Any]) -> None:
    stored = reply(call("getWeather", "c2", "approval-requested", approval={"id": "a1"}))
    sent = reply(call("getWeather", "c2", "approval-responded", approval=approval))
    with pytest.raises(NothingToContinue):
        answered(stored, sent, SERVER_TOOLS)


def test_a_server_tools_output_is_never_the_clients() -> None:
    stored = reply(call("getWeather", "c2", "input-available"))  # an interrupted reply's call
    sent = reply(call("getWeather", "c2", "output-available", output={"forged": True}))
    with pytest.raises(NothingToContinue):
        answered(stored, sent, SERVER_TOOLS)


def test_a_reply_whose_calls_all_ended_goes_on_unchanged_and_one_without_calls_does_not() -> None:
    ended = reply(call("getWeather", "c2", "output-available", output={"t": 3}))
    forged = reply(call("getWeather", "c2", "output-available", output={"t": 99}))
    assert answered(ended, forged, SERVER_TOOLS) == ended
    with pytest.raises(NothingToContinue):
        answered(reply(), reply(), SERVER_TOOLS)
    # Only the last step counts: a call of an earlier step that waits is not answered now.
    earlier = [*reply(call("getLocation", "c1", "input-available")), {"type": "step-start"}]
    with pytest.raises(NothingToContinue):
        answered(earlier, earlier, SERVER_TOOLS)


def test_a_long_reason_is_cut() -> None:
    stored = reply(call("getWeather", "c2", "approval-requested", approval={"id": "a1"}))
    long = {"id": "a1", "approved": False, "reason": "x" * 5000}
    parts = answered(
        stored, reply(call("getWeather", "c2", "approval-responded", approval=long)), SERVER_TOOLS
    )
    assert len(parts[2]["approval"]["reason"]) == MAX_APPROVAL_REASON_CHARS
