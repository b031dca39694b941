"""Log lines: text for people (default) or one JSON object per line for log collectors.

Every line says when, how severe, which logger and what; a line about a request also
carries its request id, the caller's role and the error code. Only a server error
carries a traceback (in JSON, as the ``traceback`` entry of its one object): a refused
or invalid request is one line.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
REQUEST_FIELDS = ("request_id", "role", "code")
"""Extra attributes of a record (``logger.info(..., extra={...})``) shown with it."""


def request_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The request attributes a record carries (absent ones left out)."""
    return {f: getattr(record, f) for f in REQUEST_FIELDS if getattr(record, f, None)}


class TextFormatter(logging.Formatter):
    """``time level logger: message [request_id=.. role=.. code=..]`` (+ traceback)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = request_fields(record)
        extra = " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]" if fields else ""
        return super().formatMessage(record) + extra


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, role, code."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        line |= {f: getattr(record, f, None) for f in REQUEST_FIELDS}
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def dict_config(fmt: str = "text", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` (also uvicorn's ``log_config``, applied in each of
    its worker processes): everything to stderr through one handler in format ``fmt``;
    uvicorn's loggers propagate to it."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATS)}")
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(fmt: str = "text") -> None:
    """Configures this process's logging (the CLI, before it runs a command)."""
    logging.config.dictConfig(dict_config(fmt))


def json_logging() -> bool:
    """Whether the root logger writes JSON (the CLI then reports its last error so too)."""
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)
