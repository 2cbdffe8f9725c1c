"""Titres de recette: confirming a month in titres mode issues its bordereau (PES V2 ORMC),
which staff download, send to the Treasury and whose acknowledgement they import.

Every file the API hands out is validated against the DGFiP schema (tests/data/pes).
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from tests.client import Api, body, invoice
from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD

PARIS = ZoneInfo("Europe/Paris")
CHILD = "1001-1"
SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "pes" / "PES_V2" / "Rev0"
TITRES = {"mode": "titres", "titres": {
    "siret": "21690195200012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de Saint-Just-d'Avray",
    "imputations": {"meal": {"nature": "7067", "function": "251", "product_code": "CANT"},
                    "care_morning": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"},
                    "care_evening": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"}},
    "object_template": "Cantine et garderie - {mois}", "next_roll_number": 12}}
ADDRESS = "Appartement 2\n3 rue de l'Église\n69490 Saint-Just-d'Avray"


@pytest.fixture(scope="module")
def pes_aller_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_Aller.xsd")))


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def sign_in(client, login=FAMILY_NUMBER, password=FAMILY_PASSWORD) -> Api:
    caller = Api(client)
    ok(caller.login(login, password))
    return caller


def book(parent: Api, *days: str, service: str = "meal") -> None:
    ok(parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": d, "service": service, "booked": True} for d in days]}))


def titres_mode(admin: Api, address: str | None = ADDRESS) -> None:
    current = ok(admin.get("/staff/settings"))
    ok(admin.put("/staff/settings", {"collection": TITRES, "version": current["version"]}))
    if address is not None:
        ok(admin.put("/staff/families/1001", {"address": address}))


def bordereaux(admin: Api, month: str = "2026-11") -> list[dict]:
    return ok(admin.get(f"/staff/billing/{month}/bordereaux"))["bordereaux"]


def download(admin: Api, bordereau: dict) -> bytes:
    # A browser following the link sends text/html first; CloudFront then asks API Gateway
    # for application/xml on its behalf (infra/template.py), as the test does here.
    response = admin.get(f"/staff/bordereaux/{bordereau['id']}/pes",
                         headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/xml"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{bordereau["file_name"]}"'
    return response.body


@pytest.fixture
def november(client, clock):
    """TOTO lunches on Monday 30 November and stays for evening care; the commune
    collects through titres. Returns the admin, signed in on 1 December."""
    parent = sign_in(client)
    book(parent, "2026-11-30")
    book(parent, "2026-11-30", service="care_evening")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    titres_mode(admin)
    return admin


def test_confirming_a_month_in_titres_mode_issues_one_valid_bordereau(
        november, pes_aller_schema):
    result = invoice(november, "2026-11")
    assert result["titres"]["created"] is True
    (issued,) = bordereaux(november)
    assert issued["state"] == "a_transmettre" and issued["state_label"] == "À transmettre"
    assert (issued["exercice"], issued["number"], issued["attempt"]) == (2026, 12, 1)
    assert issued["invoices"] == ["2026-000001"] and issued["total_cents"] == 550
    assert issued["file_name"] == "PESALR2_21690195200012_261201_012.xml"
    data = download(november, issued)
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert hashlib.sha256(data).hexdigest() == issued["sha256"]
    root = etree.fromstring(data)
    pes_aller_schema.assertValid(root)
    bord = root.find("PES_RecetteAller/Bordereau")
    assert bord.find("BlocBordereau/IdBord").get("V") == "12"
    assert bord.find("BlocBordereau/MtBordHt").get("V") == "5.50"
    assert bord.find("BlocBordereau/Objet").get("V") == "Cantine et garderie - novembre 2026"
    (piece,) = bord.findall("Piece")                      # one pièce per invoice
    assert piece.find("BlocPiece/NumDette").get("V") == "2026000001"
    lines = piece.findall("LigneDePiece")                 # one per child × service
    assert [li.find("BlocLignePiece/InfoLignePiece/MtHT").get("V") for li in lines] == \
        ["3.50", "2.00"]
    assert [li.find("BlocLignePiece/InfoLignePiece/CodProdLoc").get("V") for li in lines] \
        == ["CANT", "GARD"]
    wording = lines[0].find("BlocLignePiece/InfoLignePiece/ObjLignePce").get("V")
    assert wording == "Repas - TOTO TEST : 1 x 3,50 EUR"
    tiers = lines[0].find("Tiers")
    assert tiers.find("InfoTiers/Nom").get("V") == "TEST"
    assert tiers.find("Adresse/Adr1").get("V") == "Appartement 2"
    assert tiers.find("Adresse/Adr2").get("V") == "3 rue de l'Église"
    assert tiers.find("Adresse/CP").get("V") == "69490"
    assert tiers.find("Adresse/Ville").get("V") == "Saint-Just-d'Avray"


def test_confirming_again_issues_no_second_bordereau_and_the_file_keeps_its_bytes(
        november, clock):
    invoice(november, "2026-11")
    (first,) = bordereaux(november)
    data = download(november, first)
    clock.set(at(2026, 12, 3, 9, 0))
    admin = sign_in(november.client, *ADMIN)
    again = ok(admin.post("/staff/billing/2026-11/confirm"))
    assert again["invoiced"] == 0 and again["titres"] == {"bordereau": first["id"],
                                                          "created": False}
    assert bordereaux(admin) == [first]
    assert download(admin, first) == data


def test_a_corrected_month_gets_a_new_bordereau_and_the_old_one_is_marked_replaced(
        november, pes_aller_schema):
    invoice(november, "2026-11")
    (old,) = bordereaux(november)
    old_bytes = download(november, old)
    ok(november.post("/staff/families/1001/invoices/2026-000001/credit-note",
                     {"reason": "erreur de pointage"}), 201)
    redo = invoice(november, "2026-11")
    assert redo["invoiced"] == 1 and redo["titres"]["created"] is True
    new, replaced = bordereaux(november)
    assert new["number"] == 13 and new["invoices"] == ["2026-000002"]
    assert replaced["id"] == old["id"] and replaced["state"] == "remplace"
    assert replaced["replaced_by"] == new["id"]
    assert download(november, replaced) == old_bytes      # still there, unchanged
    pes_aller_schema.assertValid(etree.fromstring(download(november, new)))


def acquit(file_name: str, number: int, accepted: bool, errors: str = "") -> str:
    text = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2">
  <Enveloppe><Parametres><Version V="2"/><TypFic V="PESACQUIT"/>
    <NomFic V="ACQUIT_{file_name}"/></Parametres>
    <Emetteur><Sigle V="DGFIP"/><Adresse V="HELIOS"/></Emetteur></Enveloppe>
  <EnTetePES><DteStr V="2026-12-04"/><IdPost V="069041"/><IdColl V="21690195200012"/>
    <CodCol V="067"/><CodBud V="00"/></EnTetePES>
  <ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit>
    <ElementACQUIT><DomaineAck V="7"/><EtatAck V="{1 if accepted else 0}"/>
      <NumBord V="{number}"/><ExerciceBord V="2026"/>{errors}</ElementACQUIT>
  </ACQUIT>
</n:PES_ACQUIT>
"""
    return base64.b64encode(text.encode("latin-1")).decode()


REJECTION = """<Erreur><NumAnoAck V="ERREUR_CODIFICATION"/>
  <LibelleAnoAck V="Code produit local GARD inconnu dans Hélios."/></Erreur>"""


def test_an_accepted_acknowledgement_marks_the_bordereau_accepted(november):
    invoice(november, "2026-11")
    (issued,) = bordereaux(november)
    answer = ok(november.post("/staff/bordereaux/acknowledgements", {
        "content_base64": acquit(issued["file_name"], 12, True)}))
    assert [b["state"] for b in answer["bordereaux"]] == ["accepte"]
    (shown,) = bordereaux(november)
    assert shown["state"] == "accepte" and shown["reasons"] == []


def test_a_rejected_bordereau_shows_the_reasons_and_is_issued_again_once_corrected(
        november, clock, pes_aller_schema):
    invoice(november, "2026-11")
    (issued,) = bordereaux(november)
    ok(november.post("/staff/bordereaux/acknowledgements", {
        "content_base64": acquit(issued["file_name"], 12, False, REJECTION)}))
    (rejected,) = bordereaux(november)
    assert rejected["state"] == "rejete"
    assert rejected["reasons"] == [
        "Rôle 12 (exercice 2026) : Code produit local GARD inconnu dans Hélios. "
        "[ERREUR_CODIFICATION]"]
    # Importing the same file twice changes nothing.
    ok(november.post("/staff/bordereaux/acknowledgements", {
        "content_base64": acquit(issued["file_name"], 12, False, REJECTION)}))
    assert bordereaux(november) == [rejected]
    # Corrected (here the address), then issued again: same roll number, next attempt.
    ok(november.put("/staff/families/1001", {"address": "5 rue Neuve\n69490 Pontcharra"}))
    clock.set(at(2026, 12, 7, 9, 0))
    admin = sign_in(november.client, *ADMIN)
    again = ok(admin.post(f"/staff/bordereaux/{rejected['id']}/reissue"), 201)
    assert (again["number"], again["attempt"], again["state"]) == (12, 2, "a_transmettre")
    assert again["file_name"] == "PESALR2_21690195200012_261207_012-2.xml"
    root = etree.fromstring(download(admin, again))
    pes_aller_schema.assertValid(root)
    assert root.find(".//Tiers/Adresse/Ville").get("V") == "Pontcharra"
    latest, old = bordereaux(admin)
    assert latest["id"] == again["id"] and old["state"] == "remplace"
    # Only a rejected bordereau is issued again.
    refused = admin.post(f"/staff/bordereaux/{again['id']}/reissue")
    assert refused.status_code == 409 and body(refused)["error"]["code"] == \
        "bordereau_not_rejected"


@pytest.mark.parametrize("payload", [
    {}, {"content_base64": "pas du base64 !"},
    {"content_base64": base64.b64encode(b"<html>pas un accuse</html>").decode()},
    {"content_base64": base64.b64encode(b"\x00\x01 not xml").decode()},
    {"content_base64": 12},
])
def test_a_bad_acknowledgement_is_a_400_with_a_stable_code(november, payload):
    invoice(november, "2026-11")
    response = november.post("/staff/bordereaux/acknowledgements", payload)
    assert response.status_code == 400, response.body
    assert body(response)["error"]["code"] == "invalid_acknowledgement"
    assert [b["state"] for b in bordereaux(november)] == ["a_transmettre"]


def test_an_acknowledgement_of_an_unknown_bordereau_is_refused(november):
    invoice(november, "2026-11")
    response = november.post("/staff/bordereaux/acknowledgements", {
        "content_base64": acquit("PESALR2_21690195200012_261201_099.xml", 99, True)})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "unknown_bordereau"


def test_a_family_the_treasury_cannot_write_to_blocks_the_draft(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    titres_mode(admin, address="3 rue de l'Église")       # no postcode line
    ok(admin.post("/staff/billing/2026-11/draft"))
    (row,) = ok(admin.get("/staff/billing/2026-11"))["families"]
    assert row["blocking"] is True
    assert [a["code"] for a in row["anomalies"]] == ["titre_debtor"]
    refused = admin.post("/staff/billing/2026-11/confirm")
    assert refused.status_code == 409
    assert bordereaux(admin) == []


def test_in_regie_mode_confirming_issues_no_bordereau(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    result = invoice(admin, "2026-11")
    assert "titres" not in result
    assert ok(admin.get("/staff/billing/2026-11/bordereaux")) == {
        "month": "2026-11", "titres_mode": False, "bordereaux": [], "notes": []}


def test_an_unknown_bordereau_is_not_found(november):
    assert november.get("/staff/bordereaux/2026-0000099-1/pes").status_code == 404
    assert november.get("/staff/bordereaux/nimporte-quoi/pes").status_code == 400


def test_the_roll_number_typed_in_one_year_does_not_carry_into_the_next(client, clock):
    # Typed on 1 December 2026: roll 12 is 2026's. The first rôle of 2027 is number 1.
    parent = sign_in(client)
    book(parent, "2026-11-30")
    book(parent, "2027-01-11")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    titres_mode(admin)
    settings = ok(admin.get("/staff/settings"))
    assert settings["collection"]["titres"]["roll_exercice"] == 2026
    invoice(admin, "2026-11")
    assert [b["number"] for b in bordereaux(admin)] == [12]
    clock.set(at(2027, 2, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    invoice(admin, "2027-01")
    (january,) = bordereaux(admin, "2027-01")
    assert (january["exercice"], january["number"]) == (2027, 1)
