"""A secretary's first week, in the browser: search, journal, tablet, head counts, menu,
and the commune's name in the header of every page."""
import re

from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD
from tests.site.helpers import open_page, sign_in

COMMUNE = "Commune de démonstration"


def sign_in_staff(page):
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))


def api_write(page, stack, method, path, data):
    """A console write through the API, with the signed-in page's cookie."""
    reply = page.request.fetch(stack.url + "/api" + path, method=method, data=data,
                               headers={"Origin": stack.url,
                                        "Content-Type": "application/json"})
    assert reply.ok, reply.text()


def test_the_secretary_finds_a_family_by_a_childs_first_name_or_part_of_its_address(page):
    sign_in_staff(page)
    open_page(page, "/familles.html")
    for text in ("toto", "famille.test"):
        page.get_by_label("Rechercher une famille").fill(text)
        page.get_by_role("button", name="Rechercher").click()
        expect(page.get_by_role("link", name=re.compile(r"TEST\s+n° 1001"))).to_be_visible()
        expect(page.get_by_text("1 famille affichée.")).to_be_visible()


def test_the_journal_reads_as_french_sentences(page, stack):
    sign_in_staff(page)
    api_write(page, stack, "PUT", "/staff/attendance",
              {"date": "2026-11-23", "service": "meal", "child_id": "1001-1",
               "status": "absent"})
    open_page(page, "/journal.html")
    expect(page.get_by_text("Pointage – TOTO TEST – lundi 23/11 – Repas : absence",
                            exact=True).first).to_be_visible()
    expect(page.locator(".audit-what code")).to_have_count(0)


def test_a_garderie_card_shows_the_pai_and_who_may_pick_the_child_up(page, stack):
    sign_in_staff(page)
    api_write(page, stack, "PUT", "/staff/families/1001/children/1001-1",
              {"allergies": "arachide", "pickup_people": ["Mamie Jeanne", "Paul Voisin"]})
    for service in ("care_morning", "care_evening"):
        open_page(page, f"/pointage.html?date=2026-11-23&prestation={service}")
        card = page.locator("article.att-card", has_text="TOTO")
        expect(card.get_by_text("Allergies / PAI : arachide")).to_be_visible()
        expect(card.get_by_text("Peut être récupéré(e) par : Mamie Jeanne, Paul Voisin")) \
            .to_be_visible()


def test_head_counts_show_meal_types_on_meal_rows_only(page):
    sign_in_staff(page)
    open_page(page, "/effectifs.html?du=2026-11-23&au=2026-11-27")
    meals = page.get_by_role("table", name="Repas, par régime")
    care = page.get_by_role("table", name="Garderie et autres prestations")
    expect(meals.get_by_role("columnheader", name="Sans porc")).to_be_visible()
    expect(care.get_by_role("cell", name="Garderie soir").first).to_be_visible()
    expect(care.get_by_role("columnheader")).to_have_text(["Date", "Prestation", "Total",
                                                           "État"])
    expect(meals.get_by_role("cell", name="Garderie soir")).to_have_count(0)


def test_on_a_phone_the_admin_menu_folds_behind_one_button_usable_by_keyboard(browser,
                                                                             stack):
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  viewport={"width": 375, "height": 812})
    page = context.new_page()
    sign_in_staff(page)
    open_page(page, "/familles.html")
    nav = page.get_by_role("navigation", name="Menu de la console")
    toggle = nav.get_by_role("button", name=re.compile("^☰? ?Menu"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    box = nav.bounding_box()
    assert box["height"] <= 2 * 48, box  # at most two rows before it is opened
    expect(nav.get_by_role("link", name="Journal")).to_be_hidden()

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Journal")).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    context.close()

    # On a wide screen the whole menu shows, without the button.
    context = browser.new_context(base_url=stack.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in_staff(page)
    open_page(page, "/familles.html")
    nav = page.get_by_role("navigation", name="Menu de la console")
    expect(nav.get_by_role("link", name="Journal")).to_be_visible()
    expect(nav.get_by_role("button")).to_be_hidden()
    context.close()


def test_every_page_shows_the_communes_name_in_its_header(browser, stack):
    def header(page):
        return page.get_by_role("banner")

    context = browser.new_context(base_url=stack.url, locale="fr-FR")
    page = context.new_page()
    for path in ("/connexion.html", "/mot-de-passe-oublie.html"):
        open_page(page, path)
        expect(header(page)).to_contain_text(COMMUNE)
    context.close()

    # The family's home page: the name comes with the family, in its one call.
    context = browser.new_context(base_url=stack.url, locale="fr-FR")
    reply = context.request.post("/api/auth/login",
                                 data={"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    assert reply.ok
    page = context.new_page()
    calls = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    for path in ("/index.html", "/factures.html", "/informations.html"):
        open_page(page, path)
        expect(header(page)).to_contain_text(COMMUNE)
    assert not [c for c in calls if c.endswith("/api/commune")], calls
    context.close()

    context = browser.new_context(base_url=stack.url, locale="fr-FR")
    page = context.new_page()
    sign_in_staff(page)
    for path in ("/personnel.html", "/familles.html", "/pointage.html", "/journal.html"):
        open_page(page, path)
        expect(header(page)).to_contain_text(COMMUNE)
    context.close()
