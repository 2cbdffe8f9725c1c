"""Weight and request count of the parents' home page, measured in headless Chromium.

Starts the local stack (as ``make run`` does, on a free port with a throw-away data
folder), signs the demo family in, opens ``index.html`` and records every request the
page makes until it is ready (``html[data-ready=true]``): its count, the bytes received
(headers and bodies as served locally, uncompressed), the same bodies gzip-compressed as
CloudFront would send them, and the API calls among them.
"""
from __future__ import annotations

import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# Headless Chromium on a machine with no outside network (the browser tests use them too).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
NOW = "2026-11-23T10:00:00+01:00"


def measure_home(url: str, login: str = "1001", password: str = "demo-famille-2026",
                 browser: Any = None) -> dict[str, Any]:
    """Open the home page signed in; what it fetched before it was ready. ``browser`` is
    a Playwright browser to reuse (the tests have one); else Chromium is started."""
    if browser is None:
        from playwright.sync_api import sync_playwright
        executable = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable,
                                                 args=CHROMIUM_ARGS, headless=True)
            try:
                return measure_home(url, login, password, browser)
            finally:
                browser.close()
    context = browser.new_context(base_url=url, locale="fr-FR", timezone_id="Europe/Paris")
    try:
        reply = context.request.post("/api/auth/login",
                                     data={"login": login, "password": password})
        if reply.status != 200:
            raise RuntimeError(f"sign-in refused: {reply.status}")
        page = context.new_page()
        finished: list[Any] = []
        # Only note the request here: reading its body from inside the event handler
        # may run after the page is closed, and lose the request from the count.
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto("/index.html")
        page.wait_for_selector("html[data-ready=true]", timeout=30000)
        page.wait_for_load_state("networkidle")
        seen: list[dict[str, Any]] = []
        for request in finished:
            response = request.response()
            body = response.body() if response else b""
            sizes = request.sizes()
            seen.append({"url": request.url.removeprefix(url),
                         "status": response.status if response else 0,
                         "body": len(body), "gzip": len(gzip.compress(body, 9)),
                         "headers": sizes["responseHeadersSize"]})
    finally:
        context.close()
    return {
        "requests": len(seen),
        "api_calls": [r["url"] for r in seen if r["url"].startswith("/api/")],
        "bytes": sum(r["body"] + r["headers"] for r in seen),
        "bytes_bodies": sum(r["body"] for r in seen),
        "bytes_gzip": sum(r["gzip"] + r["headers"] for r in seen),
        "files": sorted(seen, key=lambda r: -r["body"]),
    }


def main(argv: list[str] | None = None) -> int:
    from scripts.local.devstack import DevStack, free_port
    with tempfile.TemporaryDirectory() as tmp:
        stack = DevStack(free_port(), Path(tmp), now=NOW, quiet=True)
        try:
            stack.start()  # in the try: a failed start still stops moto's server
            figures = measure_home(stack.url)
        finally:
            stack.stop()
    if "--json" in (argv or sys.argv[1:]):
        print(json.dumps(figures, indent=2))
    else:
        print(f"home page: {figures['requests']} requests, {figures['bytes'] / 1024:.1f} KB "
              f"({figures['bytes_gzip'] / 1024:.1f} KB gzip), API: {figures['api_calls']}")
        for item in figures["files"]:
            print(f"  {item['body']:>7} B  {item['gzip']:>6} B gz  {item['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
