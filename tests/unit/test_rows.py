"""`RecordRows`: rows decode into records by their fields' annotations and declared converters, and the
column lists follow the fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from workerbase.ports import Row
from workerbase.records import ApiKeyRecord, ChatRecord, MessageRecord
from workerbase.repositories.api_keys import API_KEY
from workerbase.repositories.chats import CHAT
from workerbase.repositories.messages import MESSAGE
from workerbase.repositories.rows import RecordRows


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    nickname: str | None
    count: int
    ratio: float
    flag: bool
    data: dict[str, Any] | None


SAMPLE = RecordRows(Sample, data=json.loads)


def test_fields_convert_by_annotation_and_declared_converter() -> None:
    row: Row = {
        "name": "a",
        "nickname": None,
        "count": 3,
        "ratio": 1,
        "flag": 1,
        "data": '{"k": [1]}',
        "x": 0,
    }
    assert SAMPLE.decode(row) == Sample("a", None, 3, 1.0, True, {"k": [1]})
    decoded = SAMPLE.decode(row)
    assert type(decoded.ratio) is float
    assert decoded.flag is True


def test_optional_fields_keep_null_and_convert_other_values() -> None:
    row: Row = {"name": "a", "nickname": "b", "count": 0, "ratio": 0.5, "flag": 0, "data": None}
    assert SAMPLE.decode(row) == Sample("a", "b", 0, 0.5, False, None)


def test_a_missing_column_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        SAMPLE.decode({"name": "a"})


def test_decode_all_keeps_the_order() -> None:
    rows: list[Row] = [
        {"name": name, "nickname": None, "count": 1, "ratio": 1.0, "flag": 0, "data": None} for name in "abc"
    ]
    assert [sample.name for sample in SAMPLE.decode_all(rows)] == ["a", "b", "c"]


def test_a_field_nothing_says_how_to_read_is_refused_up_front() -> None:
    with pytest.raises(TypeError, match=r"Sample\.data"):
        RecordRows(Sample)


def test_converters_and_expressions_must_name_fields() -> None:
    with pytest.raises(TypeError, match="no field datum"):
        RecordRows(Sample, data=json.loads, datum=json.loads)
    with pytest.raises(TypeError, match="no field rank"):
        SAMPLE.columns(rank="1 AS rank")


def test_columns_follow_the_fields_with_a_prefix_and_expressions() -> None:
    assert SAMPLE.columns() == "name, nickname, count, ratio, flag, data"
    assert SAMPLE.columns("t.", count="count(*) AS count") == (
        "t.name, t.nickname, count(*) AS count, t.ratio, t.flag, t.data"
    )


def test_the_repositories_records_decode_their_stored_forms() -> None:
    chat: Row = {
        "id": "c1",
        "user_id": "u1",
        "title": "t",
        "visibility": "private",
        "metadata": '{"a":1}',
        "archived": 0,
        "pinned": 1,
        "created_at": "c",
        "updated_at": "u",
        "last_activity_at": "l",
        "system_prompt": "s",
    }
    assert CHAT.decode(chat) == ChatRecord(
        "c1", "u1", "t", "private", {"a": 1}, False, True, "c", "u", "l", "s"
    )
    message: Row = {
        "id": "m1",
        "chat_id": "c1",
        "user_id": "u1",
        "seq": 2,
        "role": "user",
        "parts": '[{"type":"text","text":"hi"}]',
        "metadata": None,
        "created_at": "c",
        "updated_at": "u",
    }
    parts = [{"type": "text", "text": "hi"}]
    assert MESSAGE.decode(message) == MessageRecord("m1", "c1", "u1", 2, "user", parts, None, "c", "u")
    key: Row = {
        "id": "k1",
        "user_id": "u1",
        "name": "bot",
        "prefix": "wb_abc",
        "scopes": "read write",
        "created_at": "c",
        "expires_at": None,
    }
    assert API_KEY.decode(key) == ApiKeyRecord("k1", "u1", "bot", "wb_abc", ("read", "write"), "c", None)
