"""A parent's first week on the site: what only a browser shows.

The stack's clock is Monday 2026-11-23 10:00 in Paris (tests/site/conftest.py); the demo
commune books Repas and both garderies by Thursday 17:00 for the following week, on Mon,
Tue, Thu and Fri, zone A. Tests share one stack: each uses its own month or service.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in

LEAVE = "modifications non enregistrées"


def open_grid(page, month):
    open_page(page, f"/inscriptions.html?enfant=1001-1&mois={month}")


def signed_in(page):
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()


def tick_one(page, name="Repas jeudi 14 janvier 2027"):
    open_grid(page, "2027-01")
    box = page.get_by_role("checkbox", name=name, exact=True)
    box.check()
    expect(page.locator("#pending-count")).to_contain_text("1 modification")
    return box


def record_dialogs(page, accept):
    seen = []

    def answer(dialog):
        seen.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()
    page.on("dialog", answer)
    return seen


def staff_call(page, method, path, payload):
    """A staff request from the signed-in staff page (same origin, as the console does)."""
    return page.evaluate(
        """async ([method, path, payload]) => {
            const reply = await fetch('/api' + path, {method, credentials: 'same-origin',
              headers: {'Content-Type': 'application/json'}, body: JSON.stringify(payload)});
            return reply.status;
        }""", [method, path, payload])


# -- 1. unsaved ticks are never lost without a question ----------------------------------

def test_a_menu_link_asks_before_losing_unsaved_ticks(page):
    signed_in(page)
    box = tick_one(page)
    seen = record_dialogs(page, accept=False)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes factures").click()
    assert seen and seen[0][0] == "confirm" and LEAVE in seen[0][1]
    page.wait_for_timeout(300)
    assert "inscriptions.html" in page.url
    expect(box).to_be_checked()


def test_logging_out_asks_before_losing_unsaved_ticks(page):
    signed_in(page)
    box = tick_one(page)
    seen = record_dialogs(page, accept=False)
    page.get_by_role("button", name="Déconnexion").click()
    assert seen and seen[0][0] == "confirm" and LEAVE in seen[0][1]
    page.wait_for_timeout(300)
    assert "inscriptions.html" in page.url
    expect(box).to_be_checked()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_enabled()


def test_a_reload_asks_before_losing_unsaved_ticks(page):
    signed_in(page)
    tick_one(page)
    seen = record_dialogs(page, accept=True)
    page.reload()
    assert [kind for kind, _ in seen] == ["beforeunload"]


def test_leaving_without_unsaved_ticks_asks_nothing(page):
    signed_in(page)
    open_grid(page, "2027-01")
    seen = record_dialogs(page, accept=False)
    page.get_by_role("link", name="Menus").click()
    expect(page.get_by_role("heading", name="Menus de la cantine")).to_be_visible()
    assert seen == []


# -- 2. the period form counts days and names its reasons ---------------------------------

def test_the_period_form_leaves_days_without_school_unticked(page):
    signed_in(page)
    open_grid(page, "2026-12")
    period = page.locator("#period-form")
    for day in ("Lundi", "Mardi", "Jeudi", "Vendredi"):
        expect(period.get_by_label(day, exact=True)).to_be_checked()
    expect(period.get_by_label("Mercredi", exact=True)).not_to_be_checked()


def test_a_period_counts_days_not_day_times_service_and_names_each_reason(page):
    signed_in(page)
    open_grid(page, "2026-12")
    page.get_by_label("Du", exact=True).fill("2026-12-14")
    page.get_by_label("Au", exact=True).fill("2026-12-25")
    period = page.locator("#period-form")
    period.get_by_label("Mercredi", exact=True).check()
    period.get_by_label("Repas", exact=True).check()
    period.get_by_label("Garderie matin", exact=True).check()
    period.get_by_role("button", name="Appliquer à la période").click()
    message = page.locator("#period-message")
    # Mon 14, Tue 15, Thu 17, Fri 18: four days, whatever the number of services.
    expect(message).to_contain_text("4 jour(s) enregistré(s)")
    expect(message).to_contain_text("1 jour ignoré : pas d'école ce jour-là")
    expect(message).to_contain_text("4 jours ignorés : Vacances de Noël")
    expect(message).to_contain_text("1 jour ignoré : jour férié (Noël)")
    expect(message).not_to_contain_text("fermeture")


# -- 5. a greyed box says why ------------------------------------------------------------

def test_a_greyed_day_says_why_on_screen_and_to_screen_readers(page):
    signed_in(page)
    open_grid(page, "2026-11")
    friday = page.locator("tr", has_text="vendredi 27 novembre 2026")
    expect(friday).to_contain_text("date limite dépassée (jeudi 19/11 17:00)")
    box = page.get_by_role("checkbox", name="Repas vendredi 27 novembre 2026", exact=True)
    expect(box).to_be_disabled()
    expect(box).to_have_accessible_description("date limite dépassée (jeudi 19/11 17:00)")
    wednesday = page.locator("tr", has_text="mercredi 25 novembre 2026")
    expect(wednesday).to_contain_text("pas d'école ce jour-là")
    armistice = page.locator("tr", has_text="mercredi 11 novembre 2026")
    expect(armistice).to_contain_text("jour férié (Armistice)")
    # The reason is also the cell's tooltip.
    expect(page.locator("td.service", has=box)).to_have_attribute(
        "title", "date limite dépassée (jeudi 19/11 17:00)")


# -- 6. keyboard ------------------------------------------------------------------------

def test_after_saving_the_focus_is_on_the_message_not_lost(page):
    signed_in(page)
    open_grid(page, "2027-02")
    page.get_by_role("checkbox", name="Repas lundi 1 février 2027", exact=True).check()
    save = page.get_by_role("button", name="Enregistrer", exact=True)
    save.focus()
    page.keyboard.press("Enter")
    message = page.locator("#save-message")
    expect(message).to_contain_text("1 modification(s) enregistrée(s).")
    expect(message).to_be_focused()
    expect(message).to_have_attribute("role", "status")


def test_month_buttons_names_contain_their_visible_text(page):
    signed_in(page)
    open_grid(page, "2026-12")
    expect(page.get_by_role("button", name="[-] Mois précédent")).to_have_text("[-]")
    expect(page.get_by_role("button", name="[+] Mois suivant")).to_have_text("[+]")


# -- 7. opening where there is something to do -------------------------------------------

def test_the_week_view_opens_on_the_first_week_that_can_still_be_booked(page):
    signed_in(page)
    open_grid(page, "2026-11")
    page.get_by_role("button", name="Semaine", exact=True).click()
    # This week (23 November) closed on Thursday 19; next week is open until Thursday 26.
    expect(page.locator("#period-title")).to_contain_text("du lundi 30 novembre 2026")
    expect(page.get_by_role("checkbox", name="Repas lundi 30 novembre 2026",
                            exact=True)).to_be_enabled()


def test_the_menus_page_opens_on_the_first_week_with_a_menu(page):
    sign_in(page, *ADMIN)
    page.wait_for_url("**/personnel.html*")
    status = staff_call(page, "PUT", "/staff/menus/2026-12-07", {"days": [
        {"date": "2026-12-07", "vegetarian": False,
         "dishes": [{"name": "Hachis parmentier", "allergens": []}]}]})
    assert status == 200, status
    page.context.clear_cookies()
    signed_in(page)
    page.get_by_role("link", name="Menus").click()
    expect(page.locator("#week-title")).to_contain_text("lundi 7 décembre 2026")
    expect(page.get_by_text("Hachis parmentier")).to_be_visible()


# -- 8. a phone ------------------------------------------------------------------------

@pytest.fixture
def phone(browser, stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 375, "height": 667})
    yield context.new_page()
    context.close()


def test_a_month_on_a_phone_is_one_short_row_per_day(phone):
    signed_in(phone)
    open_grid(phone, "2027-03")
    table = phone.locator("#calendar table")
    expect(table).to_be_visible()
    expect(phone.locator("tr", has_text="lun. 1").first).to_be_visible()
    height = table.bounding_box()["height"]
    assert height < 1800, height
    # The full date is still what a screen reader hears.
    expect(phone.get_by_role("checkbox", name="Repas lundi 1 mars 2027",
                             exact=True)).to_be_visible()


def test_the_save_bar_never_hides_a_row_on_a_phone(phone):
    signed_in(phone)
    open_grid(phone, "2027-03")
    last = phone.locator("#calendar tr.day").last
    last.scroll_into_view_if_needed()
    bar = phone.locator(".save-bar").bounding_box()
    row = last.bounding_box()
    assert row["y"] + row["height"] <= bar["y"] + 1, (row, bar)
    phone.mouse.wheel(0, 20000)
    phone.wait_for_timeout(200)
    bar = phone.locator(".save-bar").bounding_box()
    row = last.bounding_box()
    assert row["y"] + row["height"] <= bar["y"] + 1, (row, bar)


def evening_care_over_the_term(phone, action: str) -> None:
    open_grid(phone, "2026-12")
    phone.get_by_label("Du", exact=True).fill("2026-12-01")
    phone.get_by_label("Au", exact=True).fill("2027-02-19")
    phone.locator("#period-form").get_by_label("Garderie soir", exact=True).check()
    phone.locator("#period-form").get_by_label(action, exact=True).check()
    phone.get_by_role("button", name="Appliquer à la période").click()
    expect(phone.locator("#period-message")).to_contain_text("jour(s) enregistré(s)")


def test_the_home_page_sums_a_term_of_bookings_up_per_month(phone):
    signed_in(phone)
    evening_care_over_the_term(phone, "Réserver")
    try:
        open_page(phone, "/index.html")
        current = phone.locator("section", has_text="Inscriptions en cours")
        # About forty booked days, three lines: one per month, each a link to its grid.
        expect(current.get_by_role("link", name="Janvier 2027")).to_have_attribute(
            "href", "inscriptions.html?enfant=1001-1&mois=2027-01")
        expect(current.get_by_role("listitem").filter(has_text="Janvier 2027")
               ).to_contain_text("garderies")
        assert current.locator("tr").count() == 0
        assert current.get_by_role("listitem").count() == 3
    finally:
        # The shared stack's other tests book single days of this term (a waiting list on
        # 7 December, a period before Christmas): leave it as it was found.
        evening_care_over_the_term(phone, "Annuler les réservations")


# -- 3. a service with no booking --------------------------------------------------------

@pytest.fixture
def sercus_stack(tmp_path):
    """A stack of its own: the garderie is recorded on the spot (the Sercus guide)."""
    running = Stack(Path(tmp_path) / "sercus")
    running.start("2026-11-23T10:00:00+01:00")
    yield running
    running.stop()


def test_a_garderie_recorded_on_the_spot_is_no_greyed_column_but_a_note(browser, sercus_stack):
    context = browser.new_context(base_url=sercus_stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    page = context.new_page()
    sign_in(page, *ADMIN)
    page.wait_for_url("**/personnel.html*")
    status = staff_call(page, "PUT", "/staff/settings", {"services": [
        {"code": "care_morning", "label": "Garderie matin", "mode": "attendance",
         "price_cents": 150},
        {"code": "care_evening", "label": "Garderie soir", "mode": "attendance",
         "price_cents": 200}]})
    assert status == 200, status
    context.clear_cookies()
    signed_in(page)
    open_grid(page, "2026-12")
    expect(page.get_by_role("checkbox", name="Repas lundi 7 décembre 2026",
                            exact=True)).to_be_enabled()
    expect(page.get_by_role("checkbox", name="Garderie matin lundi 7 décembre 2026",
                            exact=True)).to_have_count(0)
    expect(page.locator("#calendar th", has_text="Garderie")).to_have_count(0)
    expect(page.locator("#period-form").get_by_label("Garderie matin")).to_have_count(0)
    expect(page.get_by_text("pas besoin de réserver")).to_be_visible()
    context.close()
