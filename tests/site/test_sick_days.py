"""A sick morning through the site, on a phone-size page: the parent reports TOTO sick on
the day (before 08:30), sees the day marked « malade » and hands in a certificate; the
town hall accepts it on « Enfants malades ». The staff side: the agent's « Pointage » and
the kitchen's « Effectifs » show the sick child, « Paramètres » saves the rule."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in
from tests.site.test_billing import api_call


@pytest.fixture
def sick_morning(tmp_path):
    """TOTO booked for lunch on Tuesday 1 December; the clock is that morning, 07:30."""
    stack = Stack(Path(tmp_path) / "sick")
    stack.start("2026-11-23T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-12-01", "service": "meal", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T07:30:00+01:00")
    yield stack
    stack.stop()


def test_a_parent_reports_a_sick_morning_and_the_town_hall_accepts_the_certificate(
        browser, sick_morning):
    context = browser.new_context(base_url=sick_morning.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page)
    page.get_by_role("link", name="Mon enfant est malade").click()
    section = page.locator("#sick-section")
    expect(page.get_by_role("heading", name="Enfant malade", exact=True)).to_be_visible()
    expect(page.locator("#sick-rule")).to_contain_text("jusqu'à 08:30 le jour même")
    expect(section.get_by_label("Jour d'absence")).to_have_value("2026-12-01")
    section.get_by_role("button", name="Mon enfant est malade").click()
    expect(page.locator("#sick-message")).to_contain_text("Absence pour maladie enregistrée")
    day = section.locator(".sick-day")
    expect(day).to_contain_text("1 décembre 2026 : malade")
    expect(day).to_contain_text("pas de certificat")

    day.get_by_label("Certificat médical").set_input_files(
        files=[{"name": "certificat.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n% certificat\n%%EOF\n"}])
    day.get_by_role("button", name="Déposer le certificat").click()
    expect(page.locator("#sick-message")).to_contain_text("Certificat déposé")
    expect(day).to_contain_text("certificat en attente de validation")

    # The booking grid marks the day « Malade ».
    open_page(page, "/inscriptions.html?enfant=1001-1&mois=2026-12")
    expect(page.locator('tr[data-date="2026-12-01"]')).to_contain_text("Malade")

    staff = browser.new_context(base_url=sick_morning.url, locale="fr-FR",
                                timezone_id="Europe/Paris").new_page()
    sign_in(staff, STAFF_EMAIL, STAFF_PASSWORD)
    expect(staff.get_by_role("link", name="Malades")).to_be_visible()
    open_page(staff, "/malades.html")
    row = staff.get_by_role("row").filter(has_text="TOTO")
    expect(row).to_contain_text("certificat en attente de validation")
    row.get_by_role("button", name="Accepter").click()
    expect(staff.locator("#decision-message")).to_contain_text("Certificat accepté")
    expect(staff.get_by_role("row").filter(has_text="TOTO")).to_contain_text(
        "certificat accepté")

    open_page(page, "/malade.html")
    expect(page.locator("#sick-section .sick-day")).to_contain_text("certificat accepté")
    assert errors == []
    context.close()


def test_the_agent_and_the_kitchen_see_the_sick_child(browser, sick_morning):
    # Reported at 07:30 on the day, after the week's lock froze the counts: the tablet's
    # card says « Malade », the kitchen's count reads « 1 − 1 malade ».
    _, staff_cookie = api_call(sick_morning, "POST", "/auth/login",
                               {"login": STAFF_EMAIL, "password": STAFF_PASSWORD})
    api_call(sick_morning, "POST", "/staff/jobs/lock", {}, staff_cookie)
    _, cookie = api_call(sick_morning, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(sick_morning, "POST", "/children/1001-1/sick-days", {"date": "2026-12-01"},
             cookie)
    context = browser.new_context(base_url=sick_morning.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    staff = context.new_page()
    errors: list[str] = []
    staff.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(staff, STAFF_EMAIL, STAFF_PASSWORD)
    expect(staff.get_by_role("link", name="Pointage")).to_be_visible()
    open_page(staff, "/pointage.html?date=2026-12-01&prestation=meal")
    card = staff.locator("article.att-card", has_text="TOTO")
    expect(card.locator(".badge.is-sick")).to_have_text("Malade (signalé par la famille)")
    open_page(staff, "/effectifs.html?du=2026-12-01&au=2026-12-01")
    meals = staff.get_by_role("table", name="Repas, par régime")
    row = meals.get_by_role("row").filter(has_text="01/12/2026")
    expect(row.locator(".sick-adjustment")).to_have_text("− 1 malade")
    expect(row).to_contain_text("Verrouillé")
    assert errors == []
    context.close()


def test_the_town_hall_sets_the_sick_rule_in_parametres(page, stack):
    # The session's stack: the rule is put back as it was at the end.
    sign_in(page, STAFF_EMAIL, STAFF_PASSWORD)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/parametres.html")
    section = page.locator("form", has=page.locator("#sickness-title"))
    expect(page.get_by_label("Jusqu'à (heure du jour même)")).to_have_value("08:30")
    page.get_by_label("Jusqu'à (heure du jour même)").fill("09:15")
    page.get_by_label("Facturation des jours de maladie").select_option("carence")
    page.get_by_label("Délai pour le certificat (jours après le premier jour)").fill("3")
    section.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator("#settings-message")).to_contain_text("Paramètres enregistrés.")
    open_page(page, "/parametres.html")
    expect(page.get_by_label("Jusqu'à (heure du jour même)")).to_have_value("09:15")
    expect(page.get_by_label("Facturation des jours de maladie")).to_have_value("carence")
    expect(page.get_by_label("Délai pour le certificat (jours après le premier jour)")) \
        .to_have_value("3")
    reply = page.request.fetch(stack.url + "/api/staff/settings", method="PUT", data={
        "sickness": {"cutoff": "08:30", "billing": "certificate", "certificate_days": 2}},
        headers={"Origin": stack.url, "Content-Type": "application/json"})
    assert reply.ok, reply.text()
