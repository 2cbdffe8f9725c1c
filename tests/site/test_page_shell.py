"""Every page of the site wears the same shell: head, skip link, header, navigation and the
Content-Security-Policy of production; js/pages/ holds one controller per page, nothing else.

Plain file reading, no browser: the shell is text the pages share, so a page that drifts
from it (a missing viewport, a looser policy, no skip link) fails here by name.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.site_headers import (
    META_IGNORED_DIRECTIVES,
    SECURITY_HEADERS,
    meta_content_security_policy,
)
from scripts.local.devstack import SITE

PAGES = sorted(SITE.glob("*.html"))
SITE_NAME = "Cantine et périscolaire"

# Pages open to anyone (no session, no "Déconnexion"); courriels.html is the local
# stack's outbox. The token pages send no referrer at all.
PUBLIC = {"connexion", "mot-de-passe-oublie", "reinitialiser", "confirmer-adresse", "courriels",
          "accessibilite", "schema-accessibilite", "donnees-personnelles"}
NO_REFERRER = {"reinitialiser", "confirmer-adresse"}
# Signed in, but before any menu: the temporary password must be changed first.
NO_NAV = {"changer-mot-de-passe"}
# The family pages and their menu, in order; every other page is the staff console's.
FAMILY_NAV = (("index.html", "Accueil"), ("semaine-type.html", "Semaine type"),
              ("factures.html", "Mes factures"),
              ("menus.html", "Menus"), ("informations.html", "Vos informations"))
FAMILY = {"index", "factures", "menus", "informations", "inscriptions", "semaine-type",
          "malade"}
STAFF_NAV = ('<nav id="staff-nav" class="site-nav" aria-label="Menu de la console" hidden>'
             '</nav>')


def family_nav(name: str) -> str:
    """The parents' menu as the family pages write it, the current page marked."""
    current = ' aria-current="page"'
    items = "".join(
        f'<li><a href="{href}"{current if href == f"{name}.html" else ""}>{label}</a></li>'
        for href, label in FAMILY_NAV)
    return f'<nav class="site-nav" aria-label="Menu principal"><ul class="nav-list">{items}</ul></nav>'


def data_page(path: Path) -> str:
    """The controller a page names (<body data-page="…">): index.html's is "accueil"."""
    found = re.search(r'<body data-page="([\w-]+)">', path.read_text(encoding="utf-8"))
    assert found, f"{path.name}: <body data-page=…> is missing"
    return found.group(1)


def expected_shell(name: str, title: str, page: str) -> str:
    """Everything before the page's own content, as every page must write it."""
    referrer = "no-referrer" if name in NO_REFERRER else "same-origin"
    logout = ("" if name in PUBLIC
              else '\n    <button type="button" id="logout" class="logout">Déconnexion</button>')
    if name in PUBLIC or name in NO_NAV:
        nav = ""
    else:
        nav = "\n  " + (family_nav(name) if name in FAMILY else STAFF_NAV)
    return f"""<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="{meta_content_security_policy()}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="{referrer}">
  <title>{title}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="css/site.css">
  <script type="module" src="js/main.js"></script>
</head>
<body data-page="{page}">
  <a class="skip-link" href="#main">Aller au contenu</a>
  <header class="site-header">
    <p class="site-title">{SITE_NAME}</p>{logout}
  </header>{nav}
  <main id="main" class="page">
"""


# After <main>, every page ends with the same footer: the accessibility state (decree
# 2019-768, « Accessibilité : … » on every page, linked to the statement; main.js writes the
# state in) and the personal-data notice.
FOOTER = """  </main>
  <footer class="site-footer">
    <ul class="footer-links">
      <li><a href="accessibilite.html">Accessibilité<span class="accessibility-state"></span></a></li>
      <li><a href="donnees-personnelles.html">Données personnelles</a></li>
    </ul>
  </footer>
</body>
</html>
"""


def controllers() -> dict[str, str]:
    """main.js's table: data-page value → module under js/."""
    text = (SITE / "js" / "main.js").read_text(encoding="utf-8")
    return dict(re.findall(r"'?([\w-]+)'?: \(\) => import\('\./(pages/[\w-]+\.js)'\)", text))


def test_the_site_has_pages():
    assert len(PAGES) >= 20


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_each_page_wears_the_common_shell(path):
    text = path.read_text(encoding="utf-8")
    name = path.stem
    title = re.search(r"<title>([^<]*)</title>", text)
    assert title and title.group(1).endswith(f" – {SITE_NAME}"), "title: '<what> – site name'"
    main = re.search(r'<main id="main" class="page( legal)?">\n', text)
    assert main, "<main id=\"main\" class=\"page\"> is missing"
    shell = text[:main.end()].replace(' class="page legal">', ' class="page">')
    assert shell == expected_shell(name, title.group(1), data_page(path))
    assert text.count('id="main"') == 1
    assert text.endswith(FOOTER)
    assert text.count("<footer") == 1 + text.count('<footer class="page-footer"')


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_each_pages_policy_is_the_one_production_sends(path):
    # The header is the policy (scripts.local.devstack.SECURITY_HEADERS, which infra/ gives to
    # CloudFront); the meta repeats it, less the directives a meta cannot carry.
    header = SECURITY_HEADERS["Content-Security-Policy"]
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">',
                       path.read_text(encoding="utf-8"))
    assert metas == [meta_content_security_policy(header)]
    left_out = set(header.split("; ")) - set(metas[0].split("; "))
    assert {d.split()[0] for d in left_out} <= META_IGNORED_DIRECTIVES


def test_js_pages_holds_one_controller_per_page_and_nothing_else():
    table = controllers()
    pages = {data_page(p) for p in PAGES}
    assert set(table) == pages, "every page has a controller in main.js, and only pages do"
    assert all(module == f"pages/{name}.js" for name, module in table.items())
    modules = {p.stem for p in (SITE / "js" / "pages").glob("*.js")}
    assert modules == pages, "js/pages/ holds page controllers only: shared modules go in js/"


def test_every_relative_import_names_a_module_of_the_site():
    missing = []
    for module in (SITE / "js").rglob("*.js"):
        text = module.read_text(encoding="utf-8")
        for target in re.findall(r"""(?:from|import\()\s*'(\.{1,2}/[^']+)'""", text):
            if not (module.parent / target).resolve().is_file():
                missing.append(f"{module.relative_to(SITE)} → {target}")
    assert not missing, missing
