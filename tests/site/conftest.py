"""Browser tests: the real site on the local stack, driven in Debian's headless Chromium.

The stack runs as a separate process (``python -m scripts.devstack``), exactly as
``make run`` starts it, on a free port with a throw-away data folder and a fixed clock.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/site/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


class Stack:
    """A running local stack; ``restart(now=...)`` keeps the data and moves the clock."""

    def __init__(self, data_dir: Path) -> None:
        from scripts.devstack import free_port
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "stack.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, now: str) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CANTINE_", "AWS_"))}
        env["CANTINE_NOW"] = now
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scripts.devstack", "--port", str(self.port),
                 "--data-dir", str(self.data_dir)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("local stack did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self, now: str) -> None:
        self.stop()
        self.start(now)

    def outbox(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/dev/outbox", timeout=5) as reply:
            return json.load(reply)


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
