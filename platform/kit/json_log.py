"""A log formatter that writes each record as one JSON object per line, for log collectors."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# The fields every line has (None when unknown); RequestContextFilter (platform.kit.request_ids) sets the last three.
CONTEXT_FIELDS = ("request_id", "host", "schema")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", "host", "schema"}`` plus ``exception`` when there is
    one, and the ``extra`` fields a call site passed under ``fields`` (``logger.info(..., extra={"fields": {}})``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            entry[field] = getattr(record, field, None)
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update({key: value for key, value in extra.items() if key not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
