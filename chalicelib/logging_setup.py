"""Logs as one JSON object per line, with the Lambda request id (dev and prod stages).

CloudWatch Logs Insights reads the fields without parsing (``filter level = "ERROR"``,
``filter request_id = "…"``). The local stage keeps Python's plain text for people.
May import ``settings`` only.
"""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.settings import Settings

PRODUCT_LOGGER = "cantine"  # the app's name: Chalice's app.log and every cantine.* logger


class JsonFormatter(logging.Formatter):
    """``{"time","level","logger","message","request_id"?,"exception"?}`` on one line."""

    def __init__(self, request_id: Callable[[], str | None] = lambda: None) -> None:
        super().__init__()
        self._request_id = request_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
                            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # The Lambda runtime's own handler stamps aws_request_id on each record; records
        # that reach another handler take it from the invocation context Chalice keeps.
        request_id = getattr(record, "aws_request_id", None) or self._request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _context_request_id(app: Any) -> Callable[[], str | None]:
    def current() -> str | None:
        context = getattr(app, "lambda_context", None)  # set by Chalice at each API call
        return getattr(context, "aws_request_id", None)
    return current


def configure(app: Any, settings: Settings) -> None:
    """Send the product's logs, at INFO and above, through the JSON formatter."""
    if settings.is_local:
        return
    formatter = JsonFormatter(_context_request_id(app))
    product = logging.getLogger(PRODUCT_LOGGER)
    # Chalice gives app.log (the "cantine" logger) its own stdout handler and stops
    # propagation, which would hide cantine.* records from the runtime's handler: route
    # them all to the root logger instead, where Lambda's handler adds the request id.
    for handler in list(product.handlers):
        product.removeHandler(handler)
    product.propagate = True
    product.setLevel(logging.INFO)
    root = logging.getLogger()
    if not root.handlers:  # outside Lambda (a dev stage run by hand)
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(formatter)
