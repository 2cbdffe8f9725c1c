"""Keyboard only (RGAA 7.1, 7.3): a parent signs in and books the meals of a week, and the
town hall ticks a child in on the attendance page, with Tab, Shift+Tab, Space, Enter and
typed text — no click, no ``check()`` or ``fill()``: what someone without a mouse does.

The screenshot pass tabs through every page (tests/site/rgaa.py); these go further and
use what the Tab stops lead to.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import wait_ready

MOST_STOPS = 80


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: the shared one's tests count the demo family's bookings month by
    month, and a week booked here would change their sums."""
    stack = Stack(Path(tmp_path_factory.mktemp("keyboard")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


@pytest.fixture
def desk(browser, own_stack):
    """A desktop browser on that stack, failing the test on any script error."""
    context = browser.new_context(base_url=own_stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], errors


def tab_to(page, target, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus, as a keyboard user moves
    through the page; fails if it never does."""
    element = target.element_handle()
    for _ in range(MOST_STOPS):
        page.keyboard.press(key)
        if element.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{key} never reaches {target}")


def sign_in_by_keyboard(page, login: str, password: str) -> None:
    page.goto("/connexion.html")
    wait_ready(page)
    tab_to(page, page.get_by_label("N° de famille ou Adresse mail"))
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe", exact=True)).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_a_parent_signs_in_and_books_the_meals_of_a_week_with_the_keyboard_alone(desk):
    page = desk
    sign_in_by_keyboard(page, FAMILY_NUMBER, FAMILY_PASSWORD)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    wait_ready(page)
    tab_to(page, page.get_by_role("link", name="Ajouter des inscriptions").first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="NOVEMBRE 2026")).to_be_visible()
    wait_ready(page)

    # « Semaine » opens the first week still open: Thursday 17:00 closes the next one.
    tab_to(page, page.get_by_role("button", name="Semaine", exact=True))
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name=re.compile("Semaine 49"))).to_be_visible()
    days = ("lundi 30 novembre 2026", "mardi 1 décembre 2026", "jeudi 3 décembre 2026",
            "vendredi 4 décembre 2026")
    boxes = [page.get_by_role("checkbox", name=f"Repas {day}", exact=True) for day in days]
    for box in boxes:
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    expect(page.locator("#pending-count")).to_have_text("4 modifications non enregistrées")
    # One box too many: back with Shift+Tab, and Space again.
    tab_to(page, boxes[2], key="Shift+Tab")
    page.keyboard.press("Space")
    expect(boxes[2]).not_to_be_checked()

    tab_to(page, page.get_by_role("button", name="Enregistrer", exact=True))
    page.keyboard.press("Enter")
    message = page.locator("#save-message")
    expect(message).to_contain_text("3 modification(s) enregistrée(s).")
    # The keyboard lands on what happened, not back at the top of the page.
    expect(message).to_be_focused()
    for box, booked in zip(boxes, (True, True, False, True), strict=True):
        expect(box).to_be_checked(checked=booked)


def test_the_town_hall_ticks_a_child_in_and_records_a_late_pickup_with_the_keyboard_alone(
        desk):
    page = desk
    sign_in_by_keyboard(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    wait_ready(page)
    menu = page.get_by_role("navigation", name="Menu de la console")
    tab_to(page, menu.get_by_role("link", name="Pointage"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Pointage", level=1)).to_be_visible()
    wait_ready(page)

    # Today's evening care, chosen with the arrows: each step loads its list, and the
    # list gives the focus back to the field for the next step.
    service = page.get_by_label("Prestation")
    tab_to(page, service)
    for _ in range(3):
        if service.evaluate("s => s.selectedOptions[0].textContent") == "Garderie soir":
            break
        page.keyboard.press("ArrowDown")
        expect(page.locator("#att-list")).not_to_have_attribute("aria-busy", "true")
        expect(service).to_be_focused()
    expect(service).to_have_value("care_evening")
    present = page.get_by_role("button", name="Présent : TOTO TEST", exact=True)
    expect(present).to_have_attribute("aria-pressed", "false")
    tab_to(page, present)
    page.keyboard.press("Space")
    expect(present).to_have_attribute("aria-pressed", "true")

    departure = page.get_by_label("Heure de départ de TOTO", exact=True)
    tab_to(page, departure)
    page.keyboard.type("1842")
    page.keyboard.press("Tab")
    expect(page.get_by_text("Retard : 12 min")).to_be_visible()
