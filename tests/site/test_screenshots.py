"""`make screenshots` photographs the pages at phone, tablet and desktop sizes, in French;
the same pass runs axe-core on every page at phone and desktop sizes, then the RGAA 4.1
checks axe does not make (tests/site/rgaa.py: reflow at 320 px, 200 % zoom, text
spacing, visible focus and tab order), and fails on any violation."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from scripts.local.devstack import SITE
from scripts.release.screenshots import PAGES, SIZES, launch, shoot
from tests.site import rgaa

ROOT = Path(__file__).resolve().parents[2]
# Installed from the npm registry by `make test` (`npm ci`, package-lock.json pins it):
# never copied into the repository.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_SIZES = ("phone", "desktop")
# WCAG 2.1 A and AA, the level the RGAA 4.1 maps to, plus axe's best practices.
AXE_OPTIONS = {"runOnly": {"type": "tag",
                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                      "best-practice"]},
               "resultTypes": ["violations"]}


def png_size(path):
    with open(path, "rb") as image:
        head = image.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the loaded page.

    The script is evaluated through the DevTools protocol (``page.evaluate``), which the
    page's Content-Security-Policy does not govern: the page keeps its production policy
    (``script-src 'self'``), so the pictures and the check see what a user gets, and no
    ``bypass_csp`` is needed."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def test_every_page_of_the_site_is_photographed_and_checked():
    names = {p.path.split("?")[0].lstrip("/").removesuffix(".html") for p in PAGES}
    assert names == {p.stem for p in SITE.glob("*.html")}


def test_each_page_is_photographed_in_a_french_browser_and_passes_axe_and_rgaa_checks(
        browser, stack, tmp_path):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make test` (it runs `npm ci`) or "
                    "`npm ci --no-audit --no-fund`.")
    found: dict[str, list[dict]] = {}
    not_met: dict[str, dict[str, list[str]]] = {}

    def check(page, page_info, size):
        if size in AXE_SIZES:
            violations = axe_violations(page)
            if violations:
                found[f"{page_info.name} ({size})"] = violations
        # On the same loaded page: each page load costs half a second.
        problems = {criterion: p for criterion, p in rgaa.problems(page, size).items() if p}
        if problems:
            not_met[f"{page_info.name} ({size})"] = problems

    # The sizes axe checks (the tablet's differs only by its width); `make screenshots`
    # takes all three.
    sizes = {size: SIZES[size] for size in AXE_SIZES}
    french = launch(browser.browser_type)
    try:
        result = shoot(french, stack.url, tmp_path, PAGES, sizes, check=check, settle=False)
    finally:
        french.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert not not_met, json.dumps(not_met, ensure_ascii=False, indent=1)
    assert len(result["files"]) == len(PAGES) * len(sizes)
    for size, (width, height) in sizes.items():
        for page in PAGES:
            shot_width, shot_height = png_size(tmp_path / size / f"{page.name}.png")
            assert shot_width == width and shot_height >= height
    # 24-hour times, dd/mm/yyyy dates, Paris time: what the review looks at.
    assert result["locale"] == {"language": "fr-FR", "time": "18:05", "date": "07/12/2026",
                                "timezone": "Europe/Paris",
                                "date_field": ["Jour", "Mois", "Année"]}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f"{size}/{page.name}.png" in index for size in sizes for page in PAGES)
