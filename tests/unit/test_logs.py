"""The JSON log line and the log level."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from workerbase.logs import LOGGER_NAME, JsonLineFormatter, get_logger, use_level


def record(created: float, **fields: object) -> logging.LogRecord:
    line = logging.LogRecord(LOGGER_NAME, logging.INFO, __file__, 1, "hello %s", ("you",), None)
    line.created = created
    line.fields = fields
    return line


@pytest.mark.parametrize("created", [0.0, 1_764_630_919.607, 1_764_630_919.0004, 1_764_630_920.9999])
def test_the_time_is_iso_8601_utc_with_milliseconds(created: float) -> None:
    formatter = JsonLineFormatter()
    formatter.format(record(created - 1))  # the second before, remembered
    line = json.loads(formatter.format(record(created)))
    expected = datetime.fromtimestamp(int(created * 1000) / 1000, UTC).isoformat(timespec="milliseconds")
    assert line["time"] == expected


def test_fields_join_the_line_and_odd_values_become_text() -> None:
    line = json.loads(JsonLineFormatter().format(record(1.5, path="/v1/é", when=datetime(2026, 1, 2))))
    assert line == {
        "time": "1970-01-01T00:00:01.500+00:00",
        "level": "info",
        "logger": LOGGER_NAME,
        "message": "hello you",
        "path": "/v1/é",
        "when": "2026-01-02 00:00:00",
    }


def test_the_level_is_set_only_when_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = get_logger()
    monkeypatch.setattr(logger, "level", logger.level)  # restored after the test
    use_level("warning")
    assert logger.level == logging.WARNING
    calls: list[object] = []
    monkeypatch.setattr(logger, "setLevel", calls.append)
    use_level("warning")
    assert calls == []
    use_level("debug")
    assert calls == [logging.DEBUG]
