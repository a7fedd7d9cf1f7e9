"""Structured logs: one JSON object per line, on stdout (Workers Logs and `wrangler tail` collect it).

Configured when the app is created, never at import. Fields passed as `extra={"fields": {...}}` are
merged into the line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

LOGGER_NAME = "workerbase"


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


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
