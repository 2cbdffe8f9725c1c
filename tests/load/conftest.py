"""Load, concurrency and sign-in abuse on the local stack, as ``make run`` serves it.

The stack runs its API in eight worker processes (eight Lambda containers at once) with
sign-in pacing on, as deployed. The figures each scenario measured are printed at the end
of the test run.
"""
from __future__ import annotations

import json

import pytest

from tests.localstack import Stack

FIGURES: list[dict] = []


@pytest.fixture(scope="package")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("load"), env={"CANTINE_LOCAL_WORKERS": "8"},
                    pacing=True)
    running.start("2026-11-23T10:00:00+01:00")
    yield running
    running.stop()


@pytest.fixture
def report():
    """Keep a scenario's figures for the end-of-run summary."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("local stack under load")
        for figures in FIGURES:
            terminalreporter.write_line(json.dumps(figures, ensure_ascii=False))
