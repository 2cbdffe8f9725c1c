"""The parent's account on the site: balance, statement, invoices, PDF, paying online."""
import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in, wait_ready


def api_call(stack, method, path, body=None, cookie=None):
    request = urllib.request.Request(f"{stack.url}/api{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(request, timeout=60) as reply:  # a month confirmed on a busy machine
        cookie_header = reply.headers.get("Set-Cookie", "")
        text = reply.read().decode() or "null"
        return json.loads(text), cookie_header.split(";")[0]


@pytest.fixture
def invoiced_stack(tmp_path):
    """Family 1001 booked Monday 30 November (lunch 3.50 €) and the evening care (2.00 €);
    on 1 December the town hall invoiced November."""
    stack = Stack(Path(tmp_path) / "billing")
    stack.start("2026-11-23T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T08:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": STAFF_EMAIL, "password": STAFF_PASSWORD})
    api_call(stack, "POST", "/staff/billing/2026-11/draft", {}, cookie)
    result, _ = api_call(stack, "POST", "/staff/billing/2026-11/confirm", {}, cookie)
    assert result["invoiced"] == 1
    yield stack
    stack.stop()


def test_the_parent_reads_the_statement_downloads_the_pdf_and_pays_online(browser,
                                                                        invoiced_stack):
    context = browser.new_context(base_url=invoiced_stack.url, locale="fr-FR",
                                  accept_downloads=True)
    page = context.new_page()
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    expect(page.get_by_text("Votre solde à ce jour est de 5,50 €")).to_be_visible()
    statement = page.locator("table", has=page.get_by_role("columnheader", name="Solde"))
    rows = statement.get_by_role("row")
    expect(rows).to_have_count(4)   # header, today, invoice, opening
    # As in the guide: today's line on top carries today's balance; the opening is last.
    expect(rows.nth(1)).to_contain_text("01.12.2026")
    expect(rows.nth(1)).to_contain_text("SOLDE A CE JOUR")
    expect(rows.nth(1).get_by_role("cell").last).to_have_text("5,50 €")
    expect(rows.nth(2)).to_contain_text("2026-000001")
    expect(rows.nth(3)).to_contain_text("Solde initial")
    page.get_by_role("button", name="Afficher tout").or_(
        page.get_by_role("link", name="Afficher tout")).first.click()
    expect(statement.get_by_role("row")).to_have_count(4)

    page.get_by_role("link", name="Mes factures").first.click()
    expect(page).to_have_url(re.compile(r"/factures\.html"))
    pdf_link = page.get_by_role("link", name="Télécharger la facture 2026-000001")
    href = pdf_link.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.get_by_role("button", name="Payer en ligne la facture 2026-000001 : 5,50 €").click()
    page.get_by_role("button", name="Payer").click()
    expect(page).to_have_url(re.compile(r"/factures\.html\?idop="))
    expect(page.get_by_text("Votre paiement a bien été enregistré")).to_be_visible()
    open_page(page, "/index.html")
    expect(page.get_by_text("Votre solde à ce jour est de 0,00 €")).to_be_visible()
    context.close()


@pytest.fixture
def month_to_bill(tmp_path):
    """Family 1001 booked lunch on Friday 20 and Monday 30 November, and the evening care
    on the 30th; it is 1 December, November is over and not billed yet."""
    stack = Stack(Path(tmp_path) / "month")
    stack.start("2026-11-12T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-20", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T08:00:00+01:00")
    yield stack
    stack.stop()


def test_the_secretary_closes_a_strike_day_reviews_the_draft_confirms_and_records_a_cheque(
        browser, month_to_bill):
    context = browser.new_context(base_url=month_to_bill.url, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))

    # A strike on Friday 20 November, recorded after the fact: the lunch is released.
    open_page(page, "/parametres.html")
    form = page.locator("#closure-form")
    form.get_by_label("Du").fill("2026-11-20")
    form.get_by_label("Au").fill("2026-11-20")
    form.get_by_label("Motif").fill("Grève")
    form.get_by_role("button", name="Ajouter la fermeture").click()
    expect(page.locator("#closure-message")).to_contain_text(
        "1 réservation annulée, 1 famille prévenue par courriel")

    # The draft: one family, 5.50 € (the strike day is not billed), nothing issued yet.
    open_page(page, "/facturation.html")
    expect(page.get_by_label("Mois à facturer")).to_have_value("2026-11")
    page.get_by_role("button", name="Calculer la pré-facturation").click()
    expect(page.locator("#run-message")).to_contain_text("1 facture à émettre pour 5,50 €")
    draft = page.locator("table.draft")
    row = draft.get_by_role("row", name=re.compile("TEST"))
    expect(row).to_contain_text("5,50 €")
    expect(row).to_contain_text("Aucune adresse postale")
    row.get_by_text("Détail").click()
    expect(row).to_contain_text("TOTO TEST – Repas : 1 × 3,50 € = 3,50 €")
    expect(page.locator("table.invoices")).to_have_count(0)

    page.get_by_role("button", name="Valider la facturation (1 facture)").click()
    expect(page.locator("#run-message")).to_contain_text("1 facture émise pour un total de 5,50 €")
    invoices = page.locator("table.invoices")
    invoice_row = invoices.get_by_role("row", name=re.compile("2026-000001"))
    expect(invoice_row).to_contain_text("À payer")
    expect(invoice_row).to_contain_text("TEST")
    pdf = invoice_row.get_by_role("link", name=re.compile("PDF"))
    assert page.request.get(pdf.get_attribute("href")).body().startswith(b"%PDF")
    expect(page.get_by_text("Aucun trop-perçu à traiter.")).to_be_visible()

    # A 2.00 € cheque for that invoice: partly paid, 3.50 € remain; the form sends a key.
    invoice_row.get_by_role("link", name=re.compile("TEST")).click()
    page.wait_for_selector("#payment-form")
    wait_ready(page)
    payment = page.locator("#payment-form")
    payment.get_by_label("Montant (€)").fill("2,00")
    payment.get_by_label("Affecter à").select_option(label="Facture 2026-000001 (novembre 2026) : reste 5,50 €")
    with page.expect_request(re.compile(r"/payments$")) as sent:
        payment.get_by_role("button", name="Enregistrer le paiement").click()
    assert re.fullmatch(r"pay-[0-9a-f]{32}", sent.value.headers["idempotency-key"])
    expect(page.locator("#payment-message")).to_contain_text("affecté à la facture 2026-000001")
    family_invoices = page.locator("#staff-invoices")
    expect(family_invoices).to_contain_text("Partiellement payée")
    expect(family_invoices).to_contain_text("reste 3,50 € à payer")

    # The parent pays what remains, 3.50 €, online.
    parent = browser.new_context(base_url=month_to_bill.url, locale="fr-FR").new_page()
    sign_in(parent)
    expect(parent.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_page(parent, "/factures.html")
    expect(parent.get_by_text("Partiellement payée")).to_be_visible()
    parent.get_by_role("button", name="Payer en ligne la facture 2026-000001 : 3,50 €").click()
    expect(parent.locator("#montant")).to_have_text("3,50 €")
    parent.get_by_role("button", name="Payer").click()
    expect(parent.get_by_text("Votre paiement a bien été enregistré")).to_be_visible()
    expect(parent.locator("table.invoices")).to_contain_text("Payée")
    parent.context.close()
    context.close()
