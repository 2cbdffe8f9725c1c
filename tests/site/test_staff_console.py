"""The town hall's side in the browser: the tablet attendance page and the console."""
import re

from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.site.helpers import open_page, sign_in


def sign_in_staff(page):
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))


def test_an_agent_ticks_a_child_in_and_records_a_late_pickup_on_the_tablet_page(browser, stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  viewport={"width": 820, "height": 1180}, has_touch=True)
    page = context.new_page()
    sign_in_staff(page)
    open_page(page, "/pointage.html?date=2026-11-23&prestation=care_evening")
    present = page.get_by_role("button", name="Présent : TOTO TEST", exact=True)
    expect(present).to_have_attribute("aria-pressed", "false")
    present.tap()
    expect(present).to_have_attribute("aria-pressed", "true")
    departure = page.get_by_label("Heure de départ de TOTO", exact=True)
    departure.fill("18:42")
    departure.press("Tab")
    expect(page.get_by_text("Retard : 12 min")).to_be_visible()
    context.close()

    # What the tablet recorded is what the office reads back.
    context = browser.new_context(base_url=stack.url, locale="fr-FR")
    page = context.new_page()
    sign_in_staff(page)
    open_page(page, "/pointage.html?date=2026-11-23&prestation=care_evening")
    expect(page.get_by_role("button", name="Présent : TOTO TEST", exact=True)) \
        .to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Heure de départ de TOTO", exact=True)).to_have_value("18:42")
    context.close()


def test_the_staff_console_finds_the_demo_family_and_shows_its_child(page):
    sign_in_staff(page)
    open_page(page, "/familles.html")
    page.get_by_label("Rechercher une famille").fill("tes")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=re.compile("TEST")).first.click()
    expect(page).to_have_url(re.compile(r"/famille\.html\?numero=1001"))
    expect(page.get_by_label("Adresse mail", exact=True)).to_have_value("famille.test@example.org")
    expect(page.get_by_role("form", name=re.compile("TOTO"))).to_be_visible()


FAMILY_PAGES = ("/index.html", "/factures.html", "/informations.html", "/menus.html",
                "/inscriptions.html?enfant=1")


def test_staff_opening_a_family_page_is_sent_to_the_staff_console(page):
    # The family API answers 404 to staff: the page must not stop on "Ressource introuvable".
    sign_in_staff(page)
    for path in FAMILY_PAGES:
        page.goto(path)
        expect(page, f"{path} sends staff to the console").to_have_url(
            re.compile(r"/personnel\.html$"))
        expect(page.get_by_text("Ressource introuvable")).to_have_count(0)
