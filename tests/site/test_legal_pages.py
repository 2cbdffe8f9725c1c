"""The legal mentions: « Accessibilité : … » in every page's footer, linked to the
accessibility statement; the statement, the multi-year plan and « Données personnelles »
written from « Paramètres »; open to anyone, signed in or not."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    # Its own stack: this test changes the commune's conformity state.
    stack = Stack(Path(tmp_path_factory.mktemp("legal")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


def footer(page):
    return page.get_by_role("contentinfo")


def test_a_visitor_reads_the_state_in_the_footer_and_the_statement_with_its_recourse(
        browser, own_stack):
    context = browser.new_context(base_url=own_stack.url, locale="fr-FR")
    page = context.new_page()
    open_page(page, "/connexion.html")
    link = footer(page).get_by_role("link", name="Accessibilité : non conforme")
    expect(link).to_have_attribute("href", "accessibilite.html")
    expect(footer(page).get_by_role("link", name="Données personnelles")).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/accessibilite\.html"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    for title in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
                  "Établissement de cette déclaration d'accessibilité",
                  "Retour d'information et contact", "Voies de recours"):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("est non conforme avec le référentiel")
    expect(page.get_by_role("main")).to_contain_text(
        "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07")
    expect(page.get_by_role("link", name="formulaire en ligne du Défenseur des droits")) \
        .to_have_attribute("href", "https://formulaire.defenseurdesdroits.fr/")
    expect(page.get_by_role("main")).to_contain_text("Commune de démonstration")
    page.get_by_role("link", name="schéma pluriannuel de mise en accessibilité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schéma pluriannuel de mise en accessibilité")
    expect(page.get_by_role("main")).to_contain_text("Aucune action n'est encore inscrite")
    footer(page).get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données personnelles")
    main = page.get_by_role("main")
    expect(main).to_contain_text("conservé au plus 1 an après le départ de son dernier enfant")
    expect(main).to_contain_text("10 ans")
    expect(main).to_contain_text("Télécharger mes données")
    expect(page.get_by_role("link", name="www.cnil.fr/fr/plaintes")).to_be_visible()
    context.close()


def test_the_secretary_fills_the_statement_and_the_notice_in_parametres(browser, own_stack):
    context = browser.new_context(base_url=own_stack.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/parametres.html")
    page.get_by_label("État de conformité (RGAA 4.1)").select_option("partiellement")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    # « Partiellement conforme » without the evaluation's date: refused on that field.
    expect(page.locator("#settings-message")).to_contain_text("indiquez sa date")
    expect(page.get_by_label("Date de l'évaluation")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Date de l'évaluation").fill("2026-10-15")
    page.get_by_label("Critères respectés (%)").fill("74")
    page.get_by_label("Contact pour signaler un défaut d'accessibilité") \
        .fill("accessibilite@demo.example.org")
    page.get_by_label("Non-conformités").fill("Le calendrier des inscriptions n'a pas de résumé.")
    page.get_by_label("Schéma pluriannuel : actions par année").fill(
        "2027 : audit externe\n2026 : corriger les tableaux")
    page.get_by_label("Responsable du traitement").fill("Mairie de Démonstration")
    page.get_by_label("Délégué à la protection des données (contact)").fill("dpo@demo.example.org")
    page.get_by_label("Conservation du dossier après le départ du dernier enfant (mois)") \
        .fill("24")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.get_by_text("Paramètres enregistrés.")).to_be_visible()
    # The footer of the secretary's tab follows at once.
    expect(footer(page).get_by_role("link", name="Accessibilité : partiellement conforme")) \
        .to_be_visible()

    open_page(page, "/accessibilite.html")
    main = page.get_by_role("main")
    expect(main).to_contain_text("est partiellement conforme avec le référentiel")
    expect(main).to_contain_text("réalisée le 15 octobre 2026 révèle que 74 % des critères")
    expect(main).to_contain_text("Le calendrier des inscriptions n'a pas de résumé.")
    expect(page.get_by_role("link", name="accessibilite@demo.example.org")) \
        .to_have_attribute("href", "mailto:accessibilite@demo.example.org")
    expect(footer(page).get_by_role("link", name="Accessibilité : partiellement conforme")) \
        .to_be_visible()
    open_page(page, "/schema-accessibilite.html")
    years = page.locator("dt")
    expect(years).to_have_text(["2026", "2027"])
    expect(page.locator("dd").first).to_have_text("corriger les tableaux")
    open_page(page, "/donnees-personnelles.html")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Mairie de Démonstration")
    expect(main).to_contain_text("dpo@demo.example.org")
    expect(main).to_contain_text("conservé au plus 2 ans après le départ")
    context.close()
