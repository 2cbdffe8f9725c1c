"""The parents' home page stays light: one API call, few files, little to download."""
from __future__ import annotations

from scripts.bench.bench_page import measure_home

MAX_REQUESTS = 10
MAX_TRANSFER = 100 * 1024  # bytes as CloudFront sends them (compressed), headers included


def test_the_home_page_loads_in_at_most_ten_requests_and_a_hundred_kilobytes(stack, browser):
    figures = measure_home(stack.url, browser=browser)
    assert figures["api_calls"] == ["/api/family/home"], figures["api_calls"]
    assert figures["requests"] <= MAX_REQUESTS, [f["url"] for f in figures["files"]]
    assert figures["bytes_gzip"] <= MAX_TRANSFER, figures["bytes_gzip"]
    # Every file the page asked for was there (a missing module would still count as one).
    assert all(f["status"] == 200 for f in figures["files"]), figures["files"]
