"""The secretary switches the commune to titres de recette in « Paramètres »."""
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
    stack = Stack(Path(tmp_path_factory.mktemp("collection")))
    stack.start("2026-11-23T10:00:00+01:00")
    yield stack
    stack.stop()


def test_the_secretary_chooses_titres_with_the_accountants_identifiers(browser, own_stack):
    context = browser.new_context(base_url=own_stack.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/parametres.html")
    expect(page.get_by_label("SIRET de la commune")).to_be_hidden()
    page.get_by_label("Titres de recette : le Trésor public encaisse").check()
    page.get_by_label("SIRET de la commune").fill("216 901 952 00019")   # wrong key
    page.get_by_label("Code collectivité").fill("067")
    page.get_by_label("Code budget").fill("00")
    page.get_by_label("Code du poste comptable").fill("069041")
    page.get_by_label("Libellé de la collectivité").fill("Commune de démonstration")
    page.get_by_label("Objet des titres").fill("Cantine et garderie - {mois}")
    for box in page.locator("fieldset.imputation").all():
        box.get_by_label("Nature (compte)").fill("7067")
        box.get_by_label("Code produit").fill("CANT")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator("#settings-message")).to_contain_text("SIRET")
    expect(page.get_by_label("SIRET de la commune")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("SIRET de la commune").fill("216 901 952 00012")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.get_by_text("Paramètres enregistrés.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Titres de recette : le Trésor public encaisse")).to_be_checked()
    expect(page.get_by_label("SIRET de la commune")).to_have_value("21690195200012")
    context.close()
