"""The secretary sends the month's titres de recette: in « Facturation », the bordereau
issued at the confirmation is downloaded, and the Treasury's acknowledgement imported."""
from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD
from tests.localstack import Stack
from tests.site.helpers import open_page, sign_in

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "pes" / "PES_V2" / "Rev0" / "PES_Aller.xsd"
TITRES = {"mode": "titres", "titres": {
    "siret": "21690195200012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de démonstration",
    "imputations": {code: {"nature": "7067", "function": "251", "product_code": "CANT"}
                    for code in ("meal", "care_morning", "care_evening")},
    "object_template": "Cantine et garderie - {mois}", "next_roll_number": 12}}
REJECTED = """<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2">
  <Enveloppe><Parametres><Version V="2"/><TypFic V="PESACQUIT"/>
    <NomFic V="ACQUIT_PESALR2_21690195200012_261201_012.xml"/></Parametres>
    <Emetteur><Sigle V="DGFIP"/><Adresse V="HELIOS"/></Emetteur></Enveloppe>
  <EnTetePES><DteStr V="2026-12-04"/><IdPost V="069041"/><IdColl V="21690195200012"/>
    <CodCol V="067"/><CodBud V="00"/></EnTetePES>
  <ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit>
    <ElementACQUIT><DomaineAck V="7"/><EtatAck V="0"/><NumBord V="12"/>
      <ExerciceBord V="2026"/><Erreur><NumAnoAck V="ERREUR_CODIFICATION"/>
      <LibelleAnoAck V="Code produit local CANT inconnu dans Hélios."/></Erreur>
    </ElementACQUIT></ACQUIT>
</n:PES_ACQUIT>
""".encode("latin-1")


def api_call(stack, method, path, body=None, cookie=None):
    request = urllib.request.Request(f"{stack.url}/api{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(request, timeout=60) as reply:  # a month confirmed on a busy machine
        return json.loads(reply.read().decode() or "null"), \
            reply.headers.get("Set-Cookie", "").split(";")[0]


@pytest.fixture
def titres_month(tmp_path):
    """TOTO booked Monday 30 November; on 1 December the commune, collecting through
    titres, confirmed November; the stack is restarted since (the file must survive)."""
    stack = Stack(Path(tmp_path) / "titres")
    stack.start("2026-11-23T10:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD})
    api_call(stack, "PUT", "/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}, cookie)
    stack.move_clock("2026-12-01T08:00:00+01:00")
    _, cookie = api_call(stack, "POST", "/auth/login",
                         {"login": STAFF_EMAIL, "password": STAFF_PASSWORD})
    settings, _ = api_call(stack, "GET", "/staff/settings", None, cookie)
    api_call(stack, "PUT", "/staff/settings", {"collection": TITRES,
                                               "version": settings["version"]}, cookie)
    api_call(stack, "PUT", "/staff/families/1001",
             {"address": "3 rue de l'Église\n69490 Saint-Just-d'Avray"}, cookie)
    api_call(stack, "POST", "/staff/billing/2026-11/draft", {}, cookie)
    result, _ = api_call(stack, "POST", "/staff/billing/2026-11/confirm", {}, cookie)
    assert result["titres"]["created"] is True
    stack.restart("2026-12-02T09:00:00+01:00")
    yield stack
    stack.stop()


def test_the_secretary_downloads_the_bordereau_and_imports_the_rejection(
        browser, titres_month, tmp_path):
    context = browser.new_context(base_url=titres_month.url, locale="fr-FR",
                                  accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, *ADMIN)
    expect(page).to_have_url(re.compile(r"/personnel\.html"))
    open_page(page, "/facturation.html?mois=2026-11")
    section = page.locator("#titres-section")
    expect(section.get_by_role("heading", name="Bordereaux de titres")).to_be_visible()
    row = section.locator("tr.bordereau")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("À transmettre")
    expect(row).to_contain_text("3,50")

    with page.expect_download() as waiting:
        section.get_by_role("link", name=re.compile("Télécharger le fichier PESALR2_")).click()
    download = waiting.value
    assert download.suggested_filename == "PESALR2_21690195200012_261201_012.xml"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(etree.parse(str(saved)))

    ack = tmp_path / "ACQUIT_PESALR2_21690195200012_261201_012.xml"
    ack.write_bytes(REJECTED)
    section.get_by_label("Accusé de réception (fichier XML)").set_input_files(str(ack))
    section.get_by_role("button", name="Importer l'accusé de réception").click()
    expect(page.locator("#titres-message")).to_contain_text("Bordereau 12 : rejeté.")
    expect(row).to_contain_text("Rejeté")
    expect(row).to_contain_text("Code produit local CANT inconnu dans Hélios.")
    expect(section.get_by_role("button", name="Émettre à nouveau le bordereau 12")).to_be_visible()

    # Not an acknowledgement: said plainly, nothing changes.
    other = tmp_path / "pas-un-accuse.xml"
    other.write_bytes(b"<facture/>")
    section.get_by_label("Accusé de réception (fichier XML)").set_input_files(str(other))
    section.get_by_role("button", name="Importer l'accusé de réception").click()
    expect(page.locator("#titres-message")).to_contain_text("Accusé de réception illisible")
    expect(row).to_contain_text("Rejeté")
    context.close()


def test_in_regie_mode_the_section_is_not_shown(browser, tmp_path):
    stack = Stack(Path(tmp_path) / "regie")
    stack.start("2026-12-01T08:00:00+01:00")
    try:
        context = browser.new_context(base_url=stack.url, locale="fr-FR")
        page = context.new_page()
        sign_in(page, *ADMIN)
        expect(page).to_have_url(re.compile(r"/personnel\.html"))
        open_page(page, "/facturation.html")
        expect(page.get_by_role("heading", name="Tarifs")).to_be_visible()
        expect(page.locator("#titres-section")).to_be_hidden()
        context.close()
    finally:
        stack.stop()
