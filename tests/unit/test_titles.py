"""The title a model's answer makes: one clean line of at most MAX_TITLE_CHARS."""

from __future__ import annotations

import pytest

from workerbase.ports import Turn
from workerbase.services.titles import MAX_TITLE_CHARS, cleaned, title_source


@pytest.mark.parametrize(
    ("said", "title"),
    [
        ("Trip to Lisbon", "Trip to Lisbon"),
        ('"Trip to Lisbon"', "Trip to Lisbon"),
        ("Title: Trip to Lisbon.", "Trip to Lisbon"),
        ("## **Trip to Lisbon**", "Trip to Lisbon"),
        ("\n\n  Trip   to\tLisbon  \nA second line the model added", "Trip to Lisbon"),
        ("Why is the sky blue?", "Why is the sky blue?"),
        ("", ""),
    ],
)
def test_a_models_answer_becomes_one_clean_line(said: str, title: str) -> None:
    assert cleaned(said) == title


def test_a_long_title_is_cut_at_a_word() -> None:
    title = cleaned("word " * 40)
    assert len(title) <= MAX_TITLE_CHARS
    assert title.endswith("word…")
    assert cleaned("x" * 200) == "x" * (MAX_TITLE_CHARS - 1) + "…"


def test_the_source_is_the_first_user_message_with_text() -> None:
    turns = [
        Turn("system", [{"type": "text", "text": "Be brief"}]),
        Turn("user", [{"type": "file", "mediaType": "image/png", "url": "data:,"}]),
        Turn("assistant", [{"type": "text", "text": "A dot"}]),
        Turn("user", [{"type": "text", "text": "What"}, {"type": "text", "text": "is it?"}]),
    ]
    assert title_source(turns) == "What is it?"
    assert title_source(turns[:3]) is None
