"""« Prélèvement automatique » through the site: a parent signs the mandate in « Vos
informations » on a phone and sees the IBAN masked; the town hall suspends it on the
family's page; « Paramètres » saves the commune's direct-debit settings."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in

IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    stack = Stack(Path(tmp_path_factory.mktemp("mandates")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


def context_for(browser, stack, width=390, height=844):
    return browser.new_context(base_url=stack.url, locale="fr-FR", timezone_id="Europe/Paris",
                               viewport={"width": width, "height": height})


def test_a_parent_signs_the_mandate_and_the_town_hall_suspends_it(browser, own_stack):
    context = context_for(browser, own_stack)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page)
    page.get_by_role("link", name="Vos informations").click()
    expect(page).to_have_url(re.compile(r"/informations\.html"))
    section = page.locator("#mandate-section")
    expect(section.get_by_role("heading", name="Prélèvement automatique")).to_be_visible()
    expect(section).to_contain_text("FR72ZZZ123456")
    expect(section).to_contain_text("Vous bénéficiez du droit d'être remboursé")
    section.get_by_label("Titulaire du compte").fill("Marie TEST")
    section.get_by_label("IBAN", exact=True).fill("FR76 3000 6000 0112 3456 7890 188")
    section.get_by_label("J'accepte le mandat").check()
    section.get_by_role("button", name="Signer le mandat").click()
    expect(page.locator("#mandate-message")).to_contain_text("IBAN invalide")
    expect(section.get_by_label("IBAN", exact=True)).to_have_attribute("aria-invalid", "true")

    section.get_by_label("IBAN", exact=True).fill(IBAN)
    section.get_by_role("button", name="Signer le mandat").click()
    expect(page.locator("#mandate-message")).to_contain_text("Mandat signé")
    summary = page.locator("#mandate-summary")
    expect(summary).to_contain_text("RUM-1001-001")
    expect(summary).to_contain_text("FR76 **** **** **** 0189")
    expect(summary).to_contain_text("Actif")
    expect(section.get_by_role("link", name="Télécharger le mandat (PDF)")).to_have_attribute(
        "href", "/api/family/mandate/pdf")
    expect(section.get_by_role("button", name="Arrêter le prélèvement")).to_be_visible()
    expect(page.locator("#mandate-form")).to_be_hidden()
    assert "0112 3456 7890" not in page.content()
    assert "1234567890" not in page.content()

    staff = context_for(browser, own_stack, 1280, 900).new_page()
    sign_in(staff, *ADMIN)
    expect(staff).to_have_url(re.compile(r"/personnel\.html"))
    open_page(staff, "/famille.html?numero=1001")
    block = staff.locator("#mandate-section")
    item = block.locator(".mandate-item", has_text="RUM-1001-001")
    expect(item).to_contain_text("Actif")
    expect(item).to_contain_text("FR76 **** **** **** 0189")
    item.get_by_role("button", name="Suspendre").click()
    expect(block.locator(".field-error")).to_contain_text("motif")
    block.get_by_label("Motif").fill("Compte à vérifier")
    item.get_by_role("button", name="Suspendre").click()
    expect(staff.locator("#mandates-message")).to_contain_text("Mandat suspendu")
    expect(item).to_contain_text("Suspendu (Compte à vérifier)")
    expect(item.get_by_role("button", name="Reprendre")).to_be_visible()

    open_page(page, "/informations.html")
    expect(page.locator("#mandate-summary")).to_contain_text("Suspendu")
    assert errors == []
    context.close()


def test_parametres_saves_the_direct_debit_settings(browser, own_stack):
    context = context_for(browser, own_stack, 1280, 900)
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/parametres.html")
    expect(page.get_by_label("Proposer le prélèvement automatique")).to_be_checked()
    expect(page.get_by_label("Identifiant créancier SEPA (ICS)")).to_have_value("FR72ZZZ123456")
    page.get_by_label("Identifiant créancier SEPA (ICS)").fill("FR73ZZZ123456")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator("#settings-message")).to_contain_text("ICS")
    expect(page.get_by_label("Identifiant créancier SEPA (ICS)")).to_have_attribute(
        "aria-invalid", "true")

    page.get_by_label("Identifiant créancier SEPA (ICS)").fill("FR72ZZZ123456")
    page.get_by_label("Jour du prélèvement").fill("5")
    page.get_by_label("Délai de pré-notification").fill("10")
    page.get_by_label("Rejets avant suspension du mandat").fill("3")
    page.get_by_label("Version du fichier pain.008").select_option("pain.008.001.02")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.get_by_text("Paramètres enregistrés.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Jour du prélèvement")).to_have_value("5")
    expect(page.get_by_label("Délai de pré-notification")).to_have_value("10")
    expect(page.get_by_label("Rejets avant suspension du mandat")).to_have_value("3")
    expect(page.get_by_label("Version du fichier pain.008")).to_have_value("pain.008.001.02")
    expect(page.get_by_label("IBAN de la régie")).to_have_value("FR7630001007941234567890185")
    context.close()
