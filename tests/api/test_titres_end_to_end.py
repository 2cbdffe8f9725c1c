"""Both collection modes end to end, through the API only, as staff and a parent do it
(issue 18, point 7).

Titres: the commune switches to titres de recette with its accountant's identifiers, a
parent books, the month is drafted and confirmed, the bordereau is listed, downloaded and
valid against the DGFiP schema with the family's pièce matching its invoice, the
accountant's acknowledgement accepts it, the Treasury's payments file is imported, and the
family's statement shows the « Paiement au Trésor public » that settles the invoice.

Régie: the same walk issues no bordereau and ends with « Payer en ligne ».

How a titre is named on each side (docs/deploy.md, « Régie ou titres de recette »):
- the invoice number ``2026-000001`` is the titre's number: the family reads it on its
  détail de facturation, the Treasury's payments file gives it in the ``titre`` column;
- the bordereau carries it as the pièce's ``NumDette``, digits only (``2026000001``),
  which the import reads as well;
- the pièce's ``IdPce`` is only its rank in the rôle (the *article*): 1, 2… in invoice
  order, starting again at 1 in every bordereau. It is not the invoice number.
"""
from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from tests.client import Api, body
from tests.demo import ADMIN, FAMILY, FAMILY_CHILD

PARIS = ZoneInfo("Europe/Paris")
SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "pes" / "PES_V2" / "Rev0"
IDENTIFIERS = {
    "siret": "21690195200012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de Saint-Just-d'Avray",
    "imputations": {"meal": {"nature": "7067", "function": "251", "product_code": "CANT"},
                    "care_morning": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"},
                    "care_evening": {"nature": "7067", "function": "421",
                                     "product_code": "GARD"}},
    "object_template": "Cantine et garderie - {mois}", "next_roll_number": 3}
ADDRESS = "3 rue de l'Église\n69490 Saint-Just-d'Avray"


@pytest.fixture(scope="module")
def pes_aller_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_Aller.xsd")))


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def signed_in(client, login: str, password: str) -> Api:
    api = Api(client)
    ok(api.login(login, password))
    return api


def books_november(parent: Api) -> None:
    """TOTO lunches on Monday 30 November and stays for evening care: 3,50 € + 2,00 €."""
    ok(parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True}]}))


def bills_november(admin: Api) -> dict:
    """Draft, look at it, confirm: the family's draft row and the confirmation."""
    ok(admin.post("/staff/billing/2026-11/draft"))
    (row,) = ok(admin.get("/staff/billing/2026-11"))["families"]
    assert row["number"] == "1001" and row["total_cents"] == 550
    assert not row.get("blocking"), row["anomalies"]
    confirmed = ok(admin.post("/staff/billing/2026-11/confirm"))
    assert confirmed["invoiced"] == 1
    return {"draft": row, "confirmation": confirmed}


def acquit(file_name: str, exercice: int, number: int) -> str:
    """The accountant's acknowledgement accepting rôle ``number`` (PES_ACQUIT v2)."""
    text = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2">
  <Enveloppe><Parametres><Version V="2"/><TypFic V="PESACQUIT"/>
    <NomFic V="ACQUIT_{file_name}"/></Parametres>
    <Emetteur><Sigle V="DGFIP"/><Adresse V="HELIOS"/></Emetteur></Enveloppe>
  <EnTetePES><DteStr V="2026-12-04"/><IdPost V="069041"/><IdColl V="21690195200012"/>
    <CodCol V="067"/><CodBud V="00"/></EnTetePES>
  <ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit>
    <ElementACQUIT><DomaineAck V="7"/><EtatAck V="1"/>
      <NumBord V="{number}"/><ExerciceBord V="{exercice}"/></ElementACQUIT>
  </ACQUIT>
</n:PES_ACQUIT>
"""
    return base64.b64encode(text.encode("latin-1")).decode()


def download(admin: Api, bordereau: dict) -> bytes:
    response = admin.get(bordereau["download"].removeprefix("/api"),
                         headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.body
    return response.body


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def test_the_titres_path_from_bookings_to_the_treasurys_payment(client, clock,
                                                               pes_aller_schema):
    # The commune switches to titres de recette with its accountant's identifiers, and
    # gives the family the postal address the Treasury will write to.
    admin = signed_in(client, *ADMIN)
    settings = ok(admin.get("/staff/settings"))
    saved = ok(admin.put("/staff/settings", {"collection": {"mode": "titres",
                                                            "titres": IDENTIFIERS},
                                             "version": settings["version"]}))
    assert saved["collection"]["mode"] == "titres"
    ok(admin.put("/staff/families/1001", {"address": ADDRESS}))

    # A parent books before the deadline.
    parent = signed_in(client, *FAMILY)
    books_november(parent)

    # 1 December: the month is drafted and confirmed.
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    billed = bills_november(admin)
    assert billed["confirmation"]["titres"]["created"] is True
    draft_lines = billed["draft"]["lines"]

    # The bordereau is listed, downloaded, and valid against the DGFiP schema.
    listing = ok(admin.get("/staff/billing/2026-11/bordereaux"))
    assert listing["titres_mode"] is True
    (issued,) = listing["bordereaux"]
    assert (issued["exercice"], issued["number"], issued["state"]) == (2026, 3,
                                                                       "a_transmettre")
    (number,) = issued["invoices"]
    assert number == "2026-000001" and issued["total_cents"] == 550
    root = etree.fromstring(download(admin, issued))
    pes_aller_schema.assertValid(root)

    # The family's pièce is its invoice: same number, same total, same lines.
    (invoice,) = ok(admin.get("/staff/families/1001/invoices"))["invoices"]
    assert (invoice["number"], invoice["total_cents"], invoice["collection"]) == \
        (number, 550, "titres")
    (piece,) = root.findall("PES_RecetteAller/Bordereau/Piece")
    bloc = piece.find("BlocPiece")
    assert bloc.find("IdPce").get("V") == "1"                        # its rank in the rôle
    assert bloc.find("NumDette").get("V") == number.replace("-", "")  # the titre's number
    assert bloc.find("ObjPce").get("V") == f"Facture {number} - novembre 2026"
    lines = [li.find("BlocLignePiece/InfoLignePiece") for li in piece.findall("LigneDePiece")]
    assert [(li.find("MtHT").get("V"), li.find("CodProdLoc").get("V")) for li in lines] == \
        [(euros(d["amount_cents"]), IDENTIFIERS["imputations"][d["service"]]["product_code"])
         for d in draft_lines]
    assert sum(d["amount_cents"] for d in draft_lines) == invoice["total_cents"]
    assert {li.getparent().getparent().find("Tiers/InfoTiers/RefTiers").get("V")
            for li in lines} == {"FAM-1001"}

    # The parent reads a détail de facturation: no « Payer en ligne ».
    ok(parent.login(*FAMILY))
    mine = ok(parent.get("/family/invoices"))
    assert mine["collection"] == "titres"
    assert ok(parent.post(f"/family/invoices/{number}/payfip", {}), 409)["error"]["code"] \
        == "collected_by_treasury"

    # The accountant accepts the rôle.
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    acked = ok(admin.post("/staff/bordereaux/acknowledgements", {
        "content_base64": acquit(issued["file_name"], 2026, 3)}))
    assert [(b["id"], b["state"]) for b in acked["bordereaux"]] == [(issued["id"], "accepte")]
    (shown,) = ok(admin.get("/staff/billing/2026-11/bordereaux"))["bordereaux"]
    assert shown["state_label"] == "Accepté" and shown["reasons"] == []

    # The family pays the avis; the Treasury's payments file names the titre by the
    # invoice number.
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    report = ok(admin.post("/staff/treasury-payments/import", {"csv": (
        "\ufefftitre;montant;date;référence\r\n"
        f"{number};5,50;18/12/2026;PAYFIP-TITRES-0042\r\n")}))
    assert report["summary"] == {"rows": 1, "recorded": 1, "recorded_cents": 550,
                                 "already_recorded": 0, "refused": 0}
    assert report["rows"][0]["family"] == "1001"

    # The parent's statement: « Paiement au Trésor public », invoice payée, balance 0.
    ok(parent.login(*FAMILY))
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 0
    (paid,) = [li for li in statement["lines"] if li["type"] == "payment"]
    assert paid["type_label"] == "Paiement au Trésor public"
    assert (paid["credit_cents"], paid["invoice"]) == (550, number)
    assert paid["reference"] == f"Trésor public - titre {number} (PAYFIP-TITRES-0042)"
    (settled,) = ok(parent.get("/family/invoices"))["invoices"]
    assert (settled["status"], settled["status_label"], settled["remaining_cents"]) == \
        ("paid", "Payée", 0)


def test_a_titre_is_named_by_its_debt_number_not_by_its_rank_in_the_role(client, clock,
                                                                          pes_aller_schema):
    """After a credit note the month's new invoice, 2026-000002, is pièce 1 of a new
    bordereau: the Treasury's file finds it by the numéro de dette the bordereau
    carries (digits only), never by the pièce's rank."""
    admin = signed_in(client, *ADMIN)
    settings = ok(admin.get("/staff/settings"))
    ok(admin.put("/staff/settings", {"collection": {"mode": "titres", "titres": IDENTIFIERS},
                                     "version": settings["version"]}))
    ok(admin.put("/staff/families/1001", {"address": ADDRESS}))
    parent = signed_in(client, *FAMILY)
    books_november(parent)
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    bills_november(admin)
    ok(admin.post("/staff/families/1001/invoices/2026-000001/credit-note",
                  {"reason": "erreur de pointage"}), 201)
    bills_november(admin)
    new, replaced = ok(admin.get("/staff/billing/2026-11/bordereaux"))["bordereaux"]
    assert (new["number"], new["invoices"], replaced["state"]) == \
        (4, ["2026-000002"], "remplace")
    root = etree.fromstring(download(admin, new))
    pes_aller_schema.assertValid(root)
    bloc = root.find("PES_RecetteAller/Bordereau/Piece/BlocPiece")
    assert (bloc.find("IdPce").get("V"), bloc.find("NumDette").get("V")) == \
        ("1", "2026000002")

    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    report = ok(admin.post("/staff/treasury-payments/import", {"csv": (
        "titre;montant;date\n"
        f"{bloc.find('NumDette').get('V')};5,50;18/12/2026\n"
        "2026-000001;5,50;18/12/2026\n")}))
    assert [(r["titre"], r["status"]) for r in report["rows"]] == [
        ("2026-000002", "recorded"), ("2026-000001", "cancelled_titre")]
    ok(parent.login(*FAMILY))
    assert ok(parent.get("/family/statement"))["balance_cents"] == 0


def test_the_regie_path_issues_no_bordereau_and_ends_with_payer_en_ligne(client, clock,
                                                                         payfip):
    parent = signed_in(client, *FAMILY)
    books_november(parent)
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    assert ok(admin.get("/staff/settings"))["collection"]["mode"] == "regie"
    billed = bills_november(admin)
    assert "titres" not in billed["confirmation"]
    assert ok(admin.get("/staff/billing/2026-11/bordereaux")) == {
        "month": "2026-11", "titres_mode": False, "bordereaux": [], "notes": []}
    # The Treasury has nothing to collect here.
    report = ok(admin.post("/staff/treasury-payments/import",
                           {"csv": "titre;montant;date\n2026-000001;5,50;01/12/2026\n"}))
    assert report["rows"][0]["status"] == "not_a_titre"

    ok(parent.login(*FAMILY))
    mine = ok(parent.get("/family/invoices"))
    assert mine["collection"] == "regie"
    (unpaid,) = mine["invoices"]
    assert (unpaid["number"], unpaid["status"], unpaid["collection"]) == \
        ("2026-000001", "unpaid", "regie")
    started = ok(parent.post("/family/invoices/2026-000001/payfip", {}))
    assert started["amount_cents"] == 550
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 550
    assert not [li for li in statement["lines"]
                if li["type_label"] == "Paiement au Trésor public"]
