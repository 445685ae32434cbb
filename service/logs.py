"""The `jianggao` logger: one line per event (a draft, a failed or retried model call, a
rejected request), as `key=value` text or, with JIANGGAO_LOG_FORMAT=json, one JSON object
a line for a log collector.

Events carry facts (ids, types, timings, token counts, outcomes), never a brief's or a
draft's text: those are the users' documents. Only at DEBUG level (JIANGGAO_LOG_LEVEL=DEBUG)
does a draft's event carry its brief, so a developer can reproduce a case.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

ROOT = "jianggao"
LogFormat = Literal["text", "json"]
_HANDLER_MARK = "_jianggao_handler"


def get_logger(module: str) -> logging.Logger:
    """The logger of a module, under `jianggao` (service.pipeline.pipeline → jianggao.pipeline…)."""
    return logging.getLogger(f"{ROOT}.{module.removeprefix('service.')}")


def log_event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event: its name is the message, its facts go along as fields."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return dict(fields) if isinstance(fields, dict) else {}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger event key=value …`, readable in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).isoformat(sep=" ", timespec="seconds")
        pairs = " ".join(f"{k}={_text(v)}" for k, v in _fields(record).items())
        line = f"{when} {record.levelname:<7} {record.name} {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _text(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = str(value)
    # A newline or other control character from a request (an unknown field's name) would
    # start a forged line: such a value is written quoted, with its escapes.
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)


def configure_logging(log_format: LogFormat = "text", level: str = "INFO") -> None:
    """Send the `jianggao` logger to stderr in the chosen format; calling again replaces it."""
    root = logging.getLogger(ROOT)
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False
