"""Every page of the site at phone, tablet and desktop sizes, in French, for a visual review.

Starts the local stack with the demo data (as ``make run`` does, on a free port with a
throw-away data folder and the demo clock), signs in the demo family and the demo
administrator, and writes one full-page PNG per page and size under
``build/screenshots/<size>/<page>.png``, with an ``index.html`` that shows them side by
side. The browser runs as a French user would: ``fr-FR`` (24-hour times, dd/mm/yyyy in the
date fields), Europe/Paris. docs/visual-review.md lists what to look at on each.

    make screenshots                      # every page
    python -m scripts.release.screenshots --pages connexion,accueil
"""
from __future__ import annotations

import argparse
import html
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.bench.bench_page import CHROMIUM_ARGS, NOW

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "screenshots"

# A common phone, an iPad Air in portrait, a laptop.
SIZES = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1366, 900)}
LOCALE, TIMEZONE = "fr-FR", "Europe/Paris"
FAMILY = ("1001", "demo-famille-2026")
ADMIN = ("mairie@example.org", "demo-mairie-2026")


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # "public", "family" or "staff"


PAGES = (
    Page("connexion", "/connexion.html", "public"),
    Page("mot-de-passe-oublie", "/mot-de-passe-oublie.html", "public"),
    Page("reinitialiser", "/reinitialiser.html", "public"),
    Page("courriels", "/courriels.html", "public"),
    Page("accueil", "/index.html", "family"),
    Page("inscriptions", "/inscriptions.html?enfant=1001-1", "family"),
    Page("factures", "/factures.html", "family"),
    Page("menus", "/menus.html", "family"),
    Page("informations", "/informations.html", "family"),
    Page("changer-mot-de-passe", "/changer-mot-de-passe.html", "family"),
    Page("personnel", "/personnel.html", "staff"),
    Page("familles", "/familles.html", "staff"),
    Page("famille", "/famille.html?numero=1001", "staff"),
    Page("pointage", "/pointage.html", "staff"),
    Page("effectifs", "/effectifs.html", "staff"),
    Page("exports", "/exports.html", "staff"),
    Page("facturation", "/facturation.html", "staff"),
    Page("journal", "/journal.html", "staff"),
    Page("menus-personnel", "/menus-personnel.html", "staff"),
    Page("parametres", "/parametres.html", "staff"),
    Page("personnel-comptes", "/personnel-comptes.html", "staff"),
    Page("verrouillages", "/verrouillages.html", "staff"),
    Page("confirmer-adresse", "/confirmer-adresse.html", "public"),
    Page("accessibilite", "/accessibilite.html", "public"),
    Page("schema-accessibilite", "/schema-accessibilite.html", "public"),
    Page("donnees-personnelles", "/donnees-personnelles.html", "public"),
    Page("semaine-type", "/semaine-type.html", "family"),
    Page("malade", "/malade.html", "family"),
    Page("attente", "/attente.html", "staff"),
    Page("malades", "/malades.html", "staff"),
)

# Chromium draws date fields in its own interface language (not the page's locale): its
# French resources (Debian's chromium-l10n, installed by `make chromium`) and this.
BROWSER_ENV = {"LANGUAGE": "fr", "LANG": "fr_FR.UTF-8"}

# What the browser says of its locale: the review trusts the pictures only if this holds.
_LOCALE_PROBE = """() => ({
  language: navigator.language,
  time: new Date(2026, 11, 7, 18, 5).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'}),
  date: new Date(2026, 11, 7).toLocaleDateString(),
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
})"""


def shoot(browser: Any, url: str, out: Path, pages: tuple[Page, ...] = PAGES,
          sizes: dict[str, tuple[int, int]] | None = None,
          check: Callable[[Any, Page, str], None] | None = None,
          settle: bool = True) -> dict[str, Any]:
    """Write the screenshots of ``pages`` at ``sizes``; returns what was written and the
    locale the browser used. ``check(page, page_info, size)`` runs on each loaded page
    before its picture (the browser tests check accessibility there, so that every page
    is loaded once per size for both). ``settle`` waits for the network to be idle half
    a second after the page says it is ready (late images and fonts in the pictures);
    the tests, which read no picture, go on as soon as the page is ready."""
    sizes = sizes or SIZES
    written: list[Path] = []
    locale: dict[str, str] = {}
    for size, (width, height) in sizes.items():
        contexts: dict[str, Any] = {}
        try:
            for page_info in pages:
                context = contexts.get(page_info.who)
                if context is None:
                    context = contexts[page_info.who] = _context(browser, url, page_info.who,
                                                                 width, height)
                page = context.new_page()
                try:
                    page.goto(page_info.path)
                    page.wait_for_selector("html[data-ready='true']", state="attached",
                                           timeout=30000)
                    if settle:
                        page.wait_for_load_state("networkidle")
                    locale = page.evaluate(_LOCALE_PROBE)
                    if check is not None:
                        check(page, page_info, size)
                    target = out / size / f"{page_info.name}.png"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
                finally:
                    page.close()
        finally:
            for context in contexts.values():
                context.close()
    _write_index(out, pages, sizes)
    return {"files": written, "locale": {**locale, "date_field": date_field_order(browser)}}


def launch(browser_type: Any) -> Any:
    """Debian's Chromium, headless, with a French interface."""
    import os
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return browser_type.launch(executable_path=executable, headless=True,
                               args=[*CHROMIUM_ARGS, f"--lang={LOCALE}"],
                               env={**os.environ, **BROWSER_ENV})


def date_field_order(browser: Any) -> list[str]:
    """The parts of a date field as the browser draws them, in order: ["Jour", "Mois",
    "Année"] is dd/mm/yyyy in French (read from the accessibility tree)."""
    context = browser.new_context(locale=LOCALE, timezone_id=TIMEZONE)
    try:
        page = context.new_page()
        page.set_content('<label>Du <input type="date" value="2026-12-07"></label>')
        nodes = context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
        return [node.get("name", {}).get("value", "").split(" ")[0] for node in nodes
                if node.get("role", {}).get("value") == "spinbutton"]
    finally:
        context.close()


def _context(browser: Any, url: str, who: str, width: int, height: int) -> Any:
    context = browser.new_context(base_url=url, locale=LOCALE, timezone_id=TIMEZONE,
                                  viewport={"width": width, "height": height},
                                  device_scale_factor=1)
    if who != "public":
        login, password = FAMILY if who == "family" else ADMIN
        reply = context.request.post("/api/auth/login",
                                     data={"login": login, "password": password})
        if reply.status != 200:
            context.close()
            raise RuntimeError(f"sign-in of {login} refused: {reply.status}")
    return context


def _write_index(out: Path, pages: tuple[Page, ...], sizes: dict[str, Any]) -> None:
    rows = "\n".join(
        f"<section><h2>{html.escape(p.name)} <small>{html.escape(p.path)}</small></h2>"
        + "".join(f'<figure><img src="{size}/{p.name}.png" alt="{p.name}, {size}" '
                  f'loading="lazy"><figcaption>{size}</figcaption></figure>'
                  for size in sizes)
        + "</section>" for p in pages)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(f"""<!doctype html>
<html lang="fr"><meta charset="utf-8"><title>Revue visuelle</title>
<style>body{{font-family:sans-serif}} section{{display:flex;flex-wrap:wrap;gap:1rem;
align-items:flex-start}} h2{{width:100%}} figure{{margin:0}} img{{border:1px solid #999;
max-width:420px}}</style>
<h1>Revue visuelle (voir docs/visual-review.md)</h1>
{rows}
</html>
""", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", help="comma-separated page names (default: every page)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    chosen: tuple[Page, ...] = PAGES
    if args.pages:
        names = set(args.pages.split(","))
        unknown = names - {p.name for p in PAGES}
        if unknown:
            parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
        chosen = tuple(p for p in PAGES if p.name in names)

    from playwright.sync_api import sync_playwright

    from scripts.local.devstack import DevStack, free_port
    with tempfile.TemporaryDirectory() as tmp:
        stack = DevStack(free_port(), Path(tmp), now=NOW, quiet=True)
        try:
            stack.start()
            with sync_playwright() as playwright:
                browser = launch(playwright.chromium)
                try:
                    result = shoot(browser, stack.url, args.out, chosen)
                finally:
                    browser.close()
        finally:
            stack.stop()
    print(f"{len(result['files'])} screenshots in {args.out} "
          f"(open {args.out / 'index.html'}); browser locale: {result['locale']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
