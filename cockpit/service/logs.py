"""Logs for the daemon: one JSON object per line for journald/Loki, or plain text for a terminal.

A JSON line carries ``ts`` (ISO-8601 UTC, milliseconds), ``level``, ``logger`` and ``msg``, then
every field the caller passed with ``extra=`` (``log.info("turn done", extra={"turn": 3})``), then
``exc`` / ``stack`` when there is a traceback. An extra that JSON cannot encode is written as its
``repr``; one named like a core field is renamed with a leading underscore rather than dropped.
Text stays readable: non-ASCII (``"空调"``) is written as is.

Minimised at rest (journald keeps these lines): every line, JSON or text, passes
:class:`AtRestFormatter` — latitude/longitude fields and "lat, lon" in text are snapped to
``privacy.stored_location_precision_km``, phone numbers and e-mail addresses become ``[phone]`` and
``[email]``. What the driver says is never logged at INFO or above (a test scans every log call);
``-v`` (DEBUG) is for a developer at a desk, not for a car.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName",
                                                               "color_message"}  # uvicorn: msg with ANSI colours
_CORE_FIELDS = ("ts", "level", "logger", "msg", "exc", "stack")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def _jsonable(value: Any) -> Any:
    """``value`` if JSON can encode it (nested objects it cannot are ``repr``-ed), else its ``repr``."""
    try:
        json.dumps(value, default=repr, allow_nan=False)
    except (TypeError, ValueError):  # non-string keys, cycles, NaN
        return repr(value)
    return value


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object (see the module docstring for its fields)."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, tz=timezone.utc)
        payload: dict[str, Any] = {
            "ts": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS:
                payload["_" + key if key in _CORE_FIELDS else key] = _jsonable(value)
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=repr)


class AtRestFormatter(logging.Formatter):
    """Another formatter's line, minimised: coordinate fields among the extras snapped, then phone
    numbers, e-mail addresses and coordinates in the whole line (message, fields, traceback) replaced."""

    def __init__(self, inner: logging.Formatter, precision_km: float = 1.0):
        super().__init__()
        self.inner, self.km = inner, precision_km

    def format(self, record: logging.LogRecord) -> str:
        from cockpit.privacy.minimise import minimise_log_text, snap_fields
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        for key, value in snap_fields(extras, self.km).items():
            setattr(record, key, snap_fields(value, self.km) if isinstance(value, dict) else value)
        return minimise_log_text(self.inner.format(record), self.km)


def setup_logging(fmt: Literal["json", "text"] = "json", level: int | str = "INFO",
                  stream: TextIO | None = None, precision_km: float = 1.0) -> logging.Handler:
    """Send all logging to ``stream`` (default: ``sys.stderr`` at call time) in ``fmt``, minimised
    (:class:`AtRestFormatter`, coordinates snapped to ``precision_km``).

    Replaces the root logger's handlers, so calling it again (on reload) does not duplicate lines.
    Returns the installed handler. Raises ValueError for an unknown format or level.
    """
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
    elif fmt == "text":
        formatter = logging.Formatter(TEXT_FORMAT)
    else:
        raise ValueError(f"unknown log format {fmt!r} (expected 'json' or 'text')")
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())  # the level's number, or "Level X" if unknown
        if not isinstance(level, int):
            raise ValueError(f"unknown log {level!r}")
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(AtRestFormatter(formatter, precision_km))
    logging.basicConfig(handlers=[handler], level=level, force=True)
    return handler
