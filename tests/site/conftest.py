"""Browser tests: the real site on the local stack, driven in Debian's headless Chromium.

The stack runs as a separate process (``python -m scripts.local.devstack``), exactly as
``make run`` starts it, on a free port with a throw-away data folder and a fixed clock.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scripts.bench.bench_page import CHROMIUM_ARGS  # one set of flags for this closed network
from tests.localstack import Stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# How long an expectation waits for the page: a passing test never waits it out, and a
# machine busy with other tests (two workers, a build) may take more than Playwright's
# default 5 s to close a day and send its e-mails.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/site/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: run `make test` "
                    "as root (it installs it) or `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("stack"))
    running.start("2026-11-23T10:00:00+01:00")
    yield running
    running.stop()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    # A CSP violation or a script error is a defect even when the test's path worked.
    assert not [e for e in errors if "Failed to load resource" not in e], errors
