"""`make screenshots` photographs the pages at phone, tablet and desktop sizes, in French."""
from __future__ import annotations

import struct

from scripts.release.screenshots import PAGES, SIZES, launch, shoot


def png_size(path):
    with open(path, "rb") as image:
        head = image.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_each_page_is_photographed_at_three_sizes_in_a_french_browser(browser, stack,
                                                                      tmp_path):
    # One page of each audience: the sign-in, a parent's, a secretary's.
    chosen = tuple(p for p in PAGES if p.name in ("connexion", "inscriptions", "familles"))
    french = launch(browser.browser_type)
    try:
        result = shoot(french, stack.url, tmp_path, chosen)
    finally:
        french.close()
    assert len(result["files"]) == len(chosen) * len(SIZES)
    for size, (width, height) in SIZES.items():
        for page in chosen:
            shot_width, shot_height = png_size(tmp_path / size / f"{page.name}.png")
            assert shot_width == width and shot_height >= height
    # 24-hour times, dd/mm/yyyy dates, Paris time: what the review looks at.
    assert result["locale"] == {"language": "fr-FR", "time": "18:05", "date": "07/12/2026",
                                "timezone": "Europe/Paris",
                                "date_field": ["Jour", "Mois", "Année"]}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f"{size}/{page.name}.png" in index for size in SIZES for page in chosen)
