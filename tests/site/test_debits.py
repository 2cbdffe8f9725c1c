"""Direct debit in the browser (issue 19): the parent who signed a mandate reads
« Prélèvement le 11/01 » instead of « Payer en ligne »; the secretary issues the month's
debit file in « Facturation », downloads it, records the bank's reject; the parent can
then pay online again."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in
from tests.site.test_billing import api_call

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def debited_stack(tmp_path):
    """Family 1001 signed a mandate and booked Monday 30 November (5,50 €); on 1 December
    the town hall confirmed November: its debit is announced for Monday 11 January."""
    stack = Stack(Path(tmp_path) / "debits")
    stack.start("2026-11-23T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    offer, _ = api_call(stack, "GET", "/family/mandate", None, cookie)
    api_call(stack, "POST", "/family/mandate", {
        "holder": "Claire Test", "iban": IBAN, "accept": True,
        "text_version": offer["offer"]["text_version"]}, cookie)
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T08:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": STAFF_EMAIL, "password": STAFF_PASSWORD})
    api_call(stack, "POST", "/staff/billing/2026-11/draft", {}, cookie)
    result, _ = api_call(stack, "POST", "/staff/billing/2026-11/confirm", {}, cookie)
    assert result["debits"]["collection_date"] == "2027-01-11"
    yield stack
    stack.stop()


def test_a_debit_from_the_families_invoice_to_the_banks_reject(browser, debited_stack,
                                                                tmp_path):
    parent_context = browser.new_context(base_url=debited_stack.url, locale="fr-FR",
                                         timezone_id="Europe/Paris")
    parent = parent_context.new_page()
    sign_in(parent)
    expect(parent.get_by_text("Bienvenue TEST !")).to_be_visible()
    open_page(parent, "/factures.html")
    row = parent.get_by_role("row").filter(has_text="2026-000001")
    expect(row).to_contain_text("Prélèvement le 11/01")
    expect(row.get_by_role("button", name=re.compile("Payer en ligne"))).to_have_count(0)

    staff_context = browser.new_context(base_url=debited_stack.url, locale="fr-FR",
                                        timezone_id="Europe/Paris", accept_downloads=True)
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, *ADMIN)
    expect(staff).to_have_url(re.compile(r"/personnel\.html"))
    open_page(staff, "/facturation.html?mois=2026-11")
    section = staff.locator("#debits-section")
    expect(section.get_by_role("heading", name="Prélèvements automatiques")).to_be_visible()
    debit = section.get_by_role("row").filter(has_text="2026-000001")
    expect(debit).to_contain_text("FR76 **** **** **** 0189")
    expect(debit).to_contain_text("11.01.2027")
    expect(debit).to_contain_text("Prévu")
    assert IBAN not in staff.content()

    section.get_by_role("button", name="Émettre le fichier de prélèvement").click()
    expect(section.locator("#debits-message")).to_contain_text(
        "fichier 2026-11-01 émis avec 1 prélèvement")
    expect(debit).to_contain_text("Transmis à la banque")
    link = section.get_by_role("link", name="Télécharger le fichier 2026-11-01")
    with staff.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename == "prelevements-2026-11-PRLV-2026-11-01.xml"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert b"<MndtId>RUM-1001-001</MndtId>" in data and b"<SeqTp>FRST</SeqTp>" in data

    form = section.locator("#reject-form")
    form.get_by_label("Prélèvement rejeté").select_option("2026-000001")
    form.get_by_label("Motif donné par la banque").select_option("AM04")
    form.get_by_role("button", name="Enregistrer le rejet").click()
    expect(form.locator("#reject-message")).to_contain_text(
        "Rejet enregistré pour la facture 2026-000001")
    expect(debit).to_contain_text("Rejeté")
    expect(debit).to_contain_text("Provision insuffisante")

    # The family's invoice is due again: « Payer en ligne » is back.
    open_page(parent, "/factures.html")
    expect(parent.get_by_role("button",
                              name="Payer en ligne la facture 2026-000001 : 5,50 €")).to_be_visible()
    staff_context.close()
    parent_context.close()
