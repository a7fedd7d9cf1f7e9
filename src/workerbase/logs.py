"""Structured logs: one JSON object per line, on stdout (Workers Logs and `wrangler tail` collect it).

Configured when the app is created, never at import. Fields passed as `extra={"fields": {...}}` are
merged into the line.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

LOGGER_NAME = "workerbase"


# Built once: `json.dumps` with any option builds a new encoder on every call.
_JSON = json.JSONEncoder(default=str, ensure_ascii=False)


class JsonLineFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self._utc_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _JSON.encode(line)

    def _utc_time(self, created: float) -> str:
        """ISO-8601 UTC with milliseconds (`2026-01-02T03:04:05.678+00:00`); the text up to the second is
        made once per second (a datetime per line was a fifth of the line's cost)."""
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time, not the one seen when logging was configured
    (test runners and the Workers runtime replace it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(logger_names: tuple[str, ...] = (LOGGER_NAME,)) -> None:
    """Send the named loggers to stdout as JSON lines (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if any(isinstance(h.formatter, JsonLineFormatter) for h in logger.handlers):
            continue
        handler = _StdoutHandler()
        handler.setFormatter(JsonLineFormatter())
        logger.handlers = [handler]
        logger.propagate = False
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def use_level(name: str) -> None:
    """Log at `name` ("debug", "info"...) from now on. Called with every request's settings (on Workers
    they arrive with the request), so it changes nothing unless the level changed: `setLevel` clears the
    cache of every logger in the process."""
    logger = get_logger()
    level = logging.getLevelName(name.upper())
    if logger.level != level:
        logger.setLevel(level)
