"""RGAA 4.1 checks a browser can make beyond axe-core, on a page that is already loaded.

The screenshot pass (tests/site/test_screenshots.py) calls ``problems`` on each page at
phone and desktop sizes, after axe, so that no page is loaded again for them:

- phone: the viewport goes down to 320 CSS px (10.11 reflow: no sideways scrolling but in
  a table's own focusable zone; no text cut off or spilling out of its box), then the same
  with the text spacing of WCAG 1.4.12 (10.12);
- desktop: the viewport goes to 640 × 400 CSS px, what a 1280 × 800 screen shows at 200 %
  zoom (10.4: the same checks); back at its size, Tab goes through the page (up to
  ``MAX_STOPS``): the skip link comes first, each stop is visible, not under a sticky bar,
  and shows a focus indicator it has not unfocused (10.7); no positive tabindex, and the
  stops follow the HTML's order and the screen's, down the page and left to right (12.8).

The page gets its size back after each check, so the screenshot is the page as loaded.
rgaa.js holds the checks; docs/accessibility.md says what they settle and what they
leave to a person.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).with_name("rgaa.js")
REFLOW = (320, 568)
ZOOM_200 = (640, 400)
MAX_STOPS = 60
SKIP_LINK = "a.skip-link"


def install(page) -> None:
    """Load the checks into the page (through the DevTools protocol, as axe is)."""
    if not page.evaluate("() => typeof window.__rgaa === 'object'"):
        page.evaluate(SCRIPT.read_text(encoding="utf-8") + "\n;undefined")


@contextmanager
def viewport(page, width: int, height: int) -> Iterator[None]:
    """The page at another size for a while (its layout follows at once: no script of the
    site reacts to a resize)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        yield
    finally:
        page.set_viewport_size(size)


LAYOUT = "() => [...__rgaa.reflow(), ...__rgaa.clipped(), ...__rgaa.spilled()]"


def narrow(page) -> dict[str, list[str]]:
    """10.11 at 320 px, and 10.12 there too: the narrowest width with the widest text."""
    with viewport(page, *REFLOW):
        return {"10.11 reflow at 320 px": page.evaluate(LAYOUT),
                "10.12 text spacing at 320 px": page.evaluate(
                    f"() => __rgaa.spaced({LAYOUT})")}


def zoomed(page) -> dict[str, list[str]]:
    """10.4: a 1280 px screen at 200 %."""
    with viewport(page, *ZOOM_200):
        return {"10.4 zoom 200 % (640 px)": page.evaluate(LAYOUT)}


def keyboard(page, max_stops: int = MAX_STOPS) -> dict[str, list[str]]:
    """10.7 and 12.8: Tab through the page from its top, as loaded."""
    page.evaluate("() => __rgaa.startWalk()")
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        if page.evaluate("() => __rgaa.step()"):
            break
    walk = page.evaluate("() => __rgaa.endWalk()")
    problems = walk["problems"]
    if not (walk["first"] or "").startswith(SKIP_LINK):
        problems.insert(0, f"the first Tab reaches {walk['first']}, not the skip link")
    return {"10.7 focus visible, 12.8 tab order": problems}


def problems(page, size: str) -> dict[str, list[str]]:
    """What the checks of this size find on the loaded page, by criterion."""
    install(page)
    if size == "phone":
        return narrow(page)
    if size == "desktop":
        return {**zoomed(page), **keyboard(page)}
    return {}
