"""Booking through the site, as both parents' guides describe it."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


def open_grid(page, month):
    open_page(page, f"/inscriptions.html?enfant=1001-1&mois={month}")


@pytest.fixture
def own_page(browser, tmp_path):
    """A page on a stack of its own: the shared stack's other tests book December too,
    and this test counts the month's bookings."""
    stack = Stack(Path(tmp_path) / "own")
    stack.start("2026-11-23T10:00:00+01:00")
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    yield context.new_page()
    context.close()
    stack.stop()


def test_a_meal_booked_in_the_grid_shows_in_current_bookings(own_page):
    page = own_page
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    page.get_by_role("link", name="Ajouter des inscriptions").first.click()
    expect(page.get_by_role("heading", name="NOVEMBRE 2026")).to_be_visible()
    page.get_by_role("button", name="Mois suivant").click()
    expect(page.get_by_role("heading", name="DÉCEMBRE 2026")).to_be_visible()
    box = page.get_by_role("checkbox", name="Repas lundi 7 décembre 2026", exact=True)
    expect(box).to_be_enabled()
    box.check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("1 modification(s) enregistrée(s).")).to_be_visible()
    expect(box).to_be_checked()
    page.get_by_role("link", name="Retour au relevé de situation").click()
    current = page.locator("section", has_text="Inscriptions en cours")
    # Summed up per month, the month a link to its grid.
    expect(current.get_by_role("listitem").filter(has_text="Décembre 2026")).to_have_text(
        "Décembre 2026 : 1 repas")
    expect(current.get_by_role("link", name="Décembre 2026")).to_have_attribute(
        "href", "inscriptions.html?enfant=1001-1&mois=2026-12")


def test_holidays_show_their_name_and_cannot_be_ticked(page):
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_grid(page, "2026-12")
    christmas = page.get_by_role("checkbox", name="Repas vendredi 25 décembre 2026", exact=True)
    expect(christmas).to_be_disabled()
    row = page.locator("tr", has_text="vendredi 25 décembre 2026")
    expect(row).to_contain_text("Noël")
    expect(row).to_contain_text("Vacances de Noël")


def test_a_period_booking_skips_the_christmas_holidays(page):
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_grid(page, "2026-12")
    page.get_by_label("Du", exact=True).fill("2026-12-14")
    page.get_by_label("Au", exact=True).fill("2027-01-08")
    period = page.locator("#period-form")
    period.get_by_label("Garderie soir", exact=True).check()
    period.get_by_role("button", name="Appliquer à la période").click()
    # Mon 14, Tue 15, Thu 17, Fri 18 December, then Mon 4 .. Fri 8 January (4 days).
    expect(page.locator("#period-message")).to_contain_text("8 jour(s) enregistré(s)")
    expect(page.get_by_role("checkbox", name="Garderie soir vendredi 18 décembre 2026",
                            exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Garderie soir lundi 21 décembre 2026",
                            exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Mois suivant").click()
    expect(page.get_by_role("checkbox", name="Garderie soir lundi 4 janvier 2027",
                            exact=True)).to_be_checked()


@pytest.fixture
def thursday_stack(tmp_path):
    stack = Stack(Path(tmp_path) / "thursday")
    stack.start("2026-11-26T16:59:00+01:00")
    yield stack
    stack.stop()


def test_the_checkbox_is_greyed_once_the_thursday_deadline_has_passed(browser, thursday_stack):
    context = browser.new_context(base_url=thursday_stack.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_grid(page, "2026-11")
    box = page.get_by_role("checkbox", name="Repas lundi 30 novembre 2026", exact=True)
    expect(box).to_be_enabled()
    box.check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("1 modification(s) enregistrée(s).")).to_be_visible()
    context.close()

    # 17:01: the stack restarts with the clock past the deadline; the booking survived.
    thursday_stack.restart("2026-11-26T17:01:00+01:00")
    context = browser.new_context(base_url=thursday_stack.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_grid(page, "2026-11")
    box = page.get_by_role("checkbox", name="Repas lundi 30 novembre 2026", exact=True)
    expect(box).to_be_checked()
    expect(box).to_be_disabled()
    # The following week is still open until next Thursday.
    expect(page.get_by_role("checkbox", name="Repas lundi 7 décembre 2026",
                            exact=True)).to_have_count(0)
    open_grid(page, "2026-12")
    expect(page.get_by_role("checkbox", name="Repas lundi 7 décembre 2026",
                            exact=True)).to_be_enabled()
    context.close()
