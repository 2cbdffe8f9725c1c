"""The parent's account on the site: balance, statement, invoices, PDF, paying online."""
import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in


def api_call(stack, method, path, body=None, cookie=None):
    request = urllib.request.Request(f"{stack.url}/api{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(request, timeout=10) as reply:
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
                         {"login": "1001", "password": "demo-famille-2026"})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}, cookie)
    stack.restart("2026-12-01T08:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": "mairie@example.org", "password": "demo-mairie-2026"})
    result, _ = api_call(stack, "POST", "/staff/jobs/invoice", {"month": "2026-11"}, cookie)
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
    expect(statement.get_by_role("row")).to_have_count(3)   # header, invoice, opening
    expect(statement).to_contain_text("SOLDE A CE JOUR")
    expect(statement).to_contain_text("2026-000001")
    page.get_by_role("button", name="Afficher tout").or_(
        page.get_by_role("link", name="Afficher tout")).first.click()
    expect(statement.get_by_role("row")).to_have_count(3)

    page.get_by_role("link", name="Mes factures").first.click()
    expect(page).to_have_url(re.compile(r"/factures\.html"))
    pdf_link = page.get_by_role("link", name="Télécharger la facture 2026-000001")
    href = pdf_link.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.get_by_role("button", name="Payer en ligne la facture 2026-000001").click()
    page.get_by_role("button", name="Payer").click()
    expect(page).to_have_url(re.compile(r"/factures\.html\?idop="))
    expect(page.get_by_text("Votre paiement a bien été enregistré")).to_be_visible()
    open_page(page, "/index.html")
    expect(page.get_by_text("Votre solde à ce jour est de 0,00 €")).to_be_visible()
    context.close()
