"""Titres mode in the browser: the parent reads a « détail de facturation » that the Trésor
public collects (no "Payer en ligne"), and the town hall enters what the Treasury
collected, one payment on the family's page and the rest from the Treasury's CSV file."""
from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in

TITRES = {"mode": "titres", "titres": {
    "siret": "21690195200012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de demonstration",
    "imputations": {code: {"nature": "7067", "product_code": "CANT"}
                    for code in ("meal", "care_morning", "care_evening")}}}


def api_call(stack, method, path, body=None, cookie=None):
    request = urllib.request.Request(f"{stack.url}/api{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(request, timeout=60) as reply:  # a month confirmed on a busy machine
        cookie_header = reply.headers.get("Set-Cookie", "")
        return json.loads(reply.read().decode() or "null"), cookie_header.split(";")[0]


@pytest.fixture(scope="module")
def titres_stack(tmp_path_factory):
    """The commune collects through titres; family 1001 had lunch and evening care on
    Monday 30 November (5,50 €), and on 1 December November was billed."""
    stack = Stack(Path(tmp_path_factory.mktemp("titres")))
    stack.start("2026-11-23T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T08:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": STAFF_EMAIL, "password": STAFF_PASSWORD})
    current, _ = api_call(stack, "GET", "/staff/settings", None, cookie)
    api_call(stack, "PUT", "/staff/settings",
             {"collection": TITRES, "version": current["version"]}, cookie)
    # The Treasury needs a postal address it can use (the draft blocks without one).
    api_call(stack, "PUT", "/staff/families/1001",
             {"address": "12 rue des Écoles\n69490 Pontcharra"}, cookie)
    api_call(stack, "POST", "/staff/billing/2026-11/draft", {}, cookie)
    result, _ = api_call(stack, "POST", "/staff/billing/2026-11/confirm", {}, cookie)
    assert result["invoiced"] == 1
    yield stack
    stack.stop()


def test_the_parent_reads_a_detail_de_facturation_to_pay_to_the_tresor_public(
        browser, titres_stack):
    context = browser.new_context(base_url=titres_stack.url, locale="fr-FR")
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_page(page, "/factures.html")
    invoices = page.locator("table.invoices")
    expect(invoices).to_contain_text("2026-000001")
    expect(invoices).to_contain_text("à payer au Trésor public avec l'avis des sommes à payer")
    expect(page.get_by_role("button", name=re.compile("Payer en ligne"))).to_have_count(0)
    expect(page.locator("#help-titres")).to_be_visible()
    expect(page.locator("#help-titres")).to_contain_text(
        "le Trésor public vous enverra un avis des sommes à payer")
    expect(page.locator("#help-titres")).to_contain_text("www.payfip.gouv.fr")
    expect(page.locator("#help-titres")).to_contain_text("« paiement de proximité »")
    expect(page.locator("#help-regie")).to_be_hidden()
    pdf = page.get_by_role("link", name="Télécharger le détail de facturation 2026-000001")
    assert page.request.get(pdf.get_attribute("href")).body().startswith(b"%PDF")
    context.close()


def test_the_town_hall_enters_the_treasurys_payments_typed_and_imported(browser,
                                                                       titres_stack):
    context = browser.new_context(base_url=titres_stack.url, locale="fr-FR",
                                  timezone_id="Europe/Paris",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))

    # One payment typed on the family's page: 1,50 € of the titre.
    open_page(page, "/famille.html?numero=1001")
    treasury = page.locator("#treasury-form")
    expect(treasury).to_be_visible()
    treasury.get_by_label("Titre").select_option(
        label="Titre 2026-000001 (novembre 2026) : reste 5,50 €")
    treasury.get_by_label("Montant encaissé (€)").fill("1,50")
    treasury.get_by_label("Date d'encaissement").fill("2026-12-01")
    treasury.get_by_role("button", name="Enregistrer le paiement du Trésor public").click()
    expect(page.locator("#treasury-message")).to_contain_text(
        "Paiement au Trésor public de 1,50 € du 01.12.2026 enregistré")
    expect(page.locator("#staff-invoices")).to_contain_text("reste 4,00 € à payer")
    expect(page.locator("#staff-statement")).to_contain_text("Paiement au Trésor public")

    # The Treasury's file: the same payment again, the rest, and a titre not ours.
    open_page(page, "/facturation.html")
    section = page.locator("#treasury-import-section")
    section.get_by_label("Fichier CSV").set_input_files(files=[{
        "name": "encaissements.csv", "mimeType": "text/csv",
        "buffer": ("N° titre;Montant;Date\n2026-000001;1,50;01/12/2026\n"
                   "2026-000001;4,00;01/12/2026\n2026-000777;2,00;01/12/2026\n")
        .encode("cp1252")}])
    section.get_by_role("button", name="Importer les paiements").click()
    expect(page.locator("#treasury-import-message")).to_contain_text(
        "1 paiement(s) enregistré(s), 1 déjà enregistré(s), 1 refusé(s)")
    report = page.locator("table.treasury-report")
    expect(report.get_by_role("row")).to_have_count(4)
    expect(report.get_by_role("row").nth(1)).to_contain_text("Déjà enregistré")
    expect(report.get_by_role("row").nth(2)).to_contain_text("Enregistré")
    expect(report.get_by_role("row").nth(3)).to_contain_text("Titre inconnu")
    context.close()
    assert errors == []

    parent = browser.new_context(base_url=titres_stack.url, locale="fr-FR").new_page()
    sign_in(parent)
    expect(parent.get_by_text("Votre solde à ce jour est de 0,00 €")).to_be_visible()
    expect(parent.get_by_text("Paiement au Trésor public").first).to_be_visible()
    open_page(parent, "/factures.html")
    expect(parent.locator("table.invoices")).to_contain_text("Payée")
    parent.context.close()
