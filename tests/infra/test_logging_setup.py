"""Structured logs: one JSON object per line, with the Lambda request id."""
from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from chalicelib.logging_setup import PRODUCT_LOGGER, JsonFormatter, configure
from chalicelib.settings import load_settings


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logging_state():
    """Put the loggers back as they were (pytest's own handlers included)."""
    root, product = logging.getLogger(), logging.getLogger(PRODUCT_LOGGER)
    formatters = {h: h.formatter for h in root.handlers}
    saved = (list(root.handlers), list(product.handlers), product.propagate, product.level)
    collect = Collect()
    root.addHandler(collect)
    yield collect
    root.handlers[:] = saved[0]
    for handler, formatter in formatters.items():
        handler.setFormatter(formatter)
    product.handlers[:], product.propagate, product.level = saved[1], saved[2], saved[3]


def _record(message="lock run r1 froze 2 slot(s)", **extra) -> logging.LogRecord:
    record = logging.LogRecord("cantine.jobs", logging.INFO, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_json_line_with_level_logger_and_message():
    line = JsonFormatter().format(_record())
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "cantine.jobs"
    assert entry["message"] == "lock run r1 froze 2 slot(s)"
    assert entry["time"].endswith("Z") and "request_id" not in entry


def test_the_request_id_comes_from_the_lambda_runtime_or_the_context():
    assert json.loads(JsonFormatter().format(_record(aws_request_id="abc")))["request_id"] == "abc"
    formatter = JsonFormatter(lambda: "from-context")
    assert json.loads(formatter.format(_record()))["request_id"] == "from-context"


def test_an_exception_stays_on_the_same_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys
        record = logging.LogRecord("cantine.api", logging.ERROR, __file__, 1, "unhandled error",
                                   (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_the_local_stage_keeps_plain_text(logging_state):
    root, product = logging.getLogger(), logging.getLogger(PRODUCT_LOGGER)
    before = ([h.formatter for h in root.handlers], list(product.handlers), product.propagate)
    configure(SimpleNamespace(), load_settings({"CANTINE_STAGE": "local"}))
    assert ([h.formatter for h in root.handlers], list(product.handlers),
            product.propagate) == before


def test_dev_and_prod_log_json_with_the_api_request_id(logging_state):
    app = SimpleNamespace(lambda_context=SimpleNamespace(aws_request_id="req-42"))
    configure(app, load_settings({"CANTINE_STAGE": "prod", "CANTINE_SIGNING_KEY": "k" * 32,
                                 "CANTINE_ORIGIN_SECRET": "o" * 32}))
    logging.getLogger("cantine.jobs").info("lock run %s froze %d slot(s)", "r1", 2)
    (line,) = logging_state.lines
    assert json.loads(line) == {**json.loads(line), "level": "INFO", "logger": "cantine.jobs",
                                "message": "lock run r1 froze 2 slot(s)",
                                "request_id": "req-42"}
