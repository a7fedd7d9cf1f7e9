"""What the model is sent (services/model_input.py): turns as OpenAI messages, files by type, tool calls
with their results, and the context budget that drops the oldest turns first."""

from __future__ import annotations

import base64
from unittest.mock import ANY

import pytest

from workerbase.ports import ToolCall, Turn
from workerbase.services.model_input import IMAGE_TOKENS, MAX_INLINE_FILE_BYTES, ContextTooLong, ModelInput

FILES = {
    "0b9e3c52-6a1f-4a52-9d6e-4f8a3c2b1a01": ("report.pdf", "application/pdf", b"%PDF-1.7 ..."),
    "0b9e3c52-6a1f-4a52-9d6e-4f8a3c2b1a02": ("data.csv", "text/csv", b"a,b\n1,2\n"),
    "0b9e3c52-6a1f-4a52-9d6e-4f8a3c2b1a03": ("song.mp3", "audio/mpeg", b"ID3..."),
}


async def read_file(file_id: str) -> tuple[str, str, bytes] | None:
    return FILES.get(file_id)


def text(role: str, words: str) -> Turn:
    return Turn(role, [{"type": "text", "text": words}])


def file_part(file_id: str) -> dict[str, str]:
    return {"type": "file", "fileId": file_id, "mediaType": "application/octet-stream", "url": "ignored"}


async def test_files_become_content_by_type() -> None:
    ids = list(FILES)
    turn = Turn(
        "user",
        [
            file_part(ids[0]),
            file_part(ids[1]),
            file_part(ids[2]),
            file_part("0b9e3c52-6a1f-4a52-9d6e-4f8a3c2b1aff"),  # deleted since
            {"type": "file", "mediaType": "image/jpeg", "url": "https://cdn.example/cat.jpg"},
            {"type": "text", "text": "Summarise"},
        ],
    )
    (message,) = await ModelInput(read_file, 10_000).messages(None, [turn])
    pdf = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.7 ...").decode()
    assert message.content == [
        {"type": "file", "file": {"filename": "report.pdf", "file_data": pdf}},
        {"type": "text", "text": '<file name="data.csv">\na,b\n1,2\n\n</file>'},
        {"type": "text", "text": "[song.mp3 (audio/mpeg): a file of a type the model is not sent]"},
        {"type": "text", "text": "[file: the file was deleted]"},
        {"type": "image_url", "image_url": {"url": "https://cdn.example/cat.jpg"}},
        {"type": "text", "text": "Summarise"},
    ]


async def test_an_assistant_turn_keeps_its_steps_tool_calls_and_results() -> None:
    reply = Turn(
        "assistant",
        [
            {"type": "step-start"},
            {"type": "reasoning", "text": "hmm", "state": "done"},
            {"type": "text", "text": "Checking.", "state": "done"},
            {
                "type": "tool-getWeather",
                "toolCallId": "c1",
                "state": "output-available",
                "input": {"latitude": 1},
                "output": {"t": 3},
            },
            {"type": "tool-askUser", "toolCallId": "c2", "state": "input-available", "input": {}},
            {"type": "step-start"},
            {"type": "text", "text": "It is 3.", "state": "done"},
        ],
    )
    messages = await ModelInput(read_file, 10_000).messages("Be brief.", [text("user", "Weather?"), reply])
    assert [m.wire() for m in messages] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "getWeather", "arguments": '{"latitude":1}'},
                }
            ],
        },
        {"role": "tool", "content": '{"t":3}', "tool_call_id": "c1"},
        {"role": "assistant", "content": "It is 3."},
    ]
    assert messages[2].tool_calls == (ToolCall("c1", "getWeather", '{"latitude":1}'),)


async def test_the_oldest_turns_are_dropped_first_and_the_newest_always_fits() -> None:
    turns = [
        text("user", "a" * 400),
        text("assistant", "b" * 400),
        text("user", "c" * 400),
    ]  # 100 tokens each
    kept = await ModelInput(read_file, 1_000).messages("s" * 40, turns)
    assert [m.role for m in kept] == ["system", "user", "assistant", "user"]
    kept = await ModelInput(read_file, 450).messages("s" * 800, turns)  # 200 + 100 + 100 fits...
    assert [m.content[0] for m in kept] == ["s", "b", "c"]  # ...the oldest turn does not
    with pytest.raises(ContextTooLong, match="about 100 tokens"):
        await ModelInput(read_file, 1_000).messages("s" * 3_800, turns)


async def test_images_count_against_the_budget_and_the_inline_cap() -> None:
    big = "0b9e3c52-6a1f-4a52-9d6e-4f8a3c2b1a10"
    FILES[big] = ("big.png", "image/png", b"\x89PNG" + bytes(MAX_INLINE_FILE_BYTES - 10))
    try:
        older = Turn("user", [file_part(big)])
        newer = Turn("user", [file_part(big)])
        kept = await ModelInput(read_file, 2 * IMAGE_TOKENS + 100).messages(None, [older, newer])
        assert kept[1].content[0] == {
            "type": "image_url",
            "image_url": {"url": ANY},
        }  # the newest is inlined...
        assert "left out" in kept[0].content  # ...an older one past the cap is named instead
        with pytest.raises(ContextTooLong):
            await ModelInput(read_file, IMAGE_TOKENS - 1).messages(None, [newer])
    finally:
        del FILES[big]
