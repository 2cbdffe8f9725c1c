"""Steps shared by the browser tests."""
from __future__ import annotations

from tests.demo import FAMILY_NUMBER, FAMILY_PASSWORD


def wait_ready(page) -> None:
    """Wait until the page's script has wired its forms (and loaded its data)."""
    page.wait_for_selector("html[data-ready='true']", state="attached")


def open_page(page, path: str) -> None:
    """Go to a page of the site and wait until it is usable."""
    page.goto(path)
    wait_ready(page)


def sign_in(page, login: str = FAMILY_NUMBER, password: str = FAMILY_PASSWORD) -> None:
    """Sign in through the login form as a parent would."""
    open_page(page, "/connexion.html")
    page.get_by_label("N° de famille ou Adresse mail").fill(login)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()
