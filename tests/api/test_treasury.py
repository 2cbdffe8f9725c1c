"""Titres mode, the family's side and the money the Treasury reports (issue 18, points 4–5).

An invoice issued while the commune collects through titres de recette is a « détail de
facturation »: no PayFip Régie payment, the PDF and the e-mail say the Trésor public sends
the avis des sommes à payer and how to pay it. The Treasury's payments come back typed or
as a CSV file and become « Paiement au Trésor public » lines, once.
"""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.client import Api, body, invoice, pay
from tests.demo import ADMIN, FAMILY

PARIS = ZoneInfo("Europe/Paris")
TITRES = {"mode": "titres", "titres": {
    "siret": "216 901 952 00012", "collectivity_code": "067", "budget_code": "00",
    "accounting_office": "069041", "label": "Commune de Saint-Just-d'Avray",
    "imputations": {code: {"nature": "7067", "function": "251", "product_code": "CANT"}
                    for code in ("meal", "care_morning", "care_evening")}}}
TITRE = "2026-000001"  # 3,50 €: one meal on Monday 30 November


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def set_mode(admin: Api, collection: dict) -> None:
    current = ok(admin.get("/staff/settings"))
    ok(admin.put("/staff/settings", {"collection": collection,
                                     "version": current["version"]}))


def billed(client, clock, collection: dict | None) -> tuple[Api, Api]:
    """(admin, parent) once November is billed, in titres mode when ``collection`` says so."""
    parent = Api(client)
    ok(parent.login(*FAMILY))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = Api(client)
    ok(admin.login(*ADMIN))
    if collection is not None:
        set_mode(admin, collection)
        # The Treasury needs a postal address it can use (the draft blocks without one).
        ok(admin.put("/staff/families/1001", {"address": "12 rue des Écoles\n69490 Pontcharra"}))
    invoice(admin, "2026-11")
    ok(parent.login(*FAMILY))
    return admin, parent


@pytest.fixture
def titres(client, clock):
    return billed(client, clock, TITRES)


@pytest.fixture
def regie(client, clock):
    return billed(client, clock, None)


def pdf_text(api: Api, path: str) -> str:
    response = api.get(path, headers={"Accept": "application/pdf"})
    assert response.status_code == 200, response.body
    reader = PdfReader(io.BytesIO(response.body))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def the_invoice(parent: Api) -> dict:
    return next(i for i in ok(parent.get("/family/invoices"))["invoices"]
                if i["number"] == TITRE)


def import_csv(admin: Api, text: str):
    return admin.post("/staff/treasury-payments/import", {"csv": text})


# -- what the family reads -------------------------------------------------------------------

def test_an_invoice_issued_in_titres_mode_is_not_paid_through_the_regie(titres):
    _, parent = titres
    assert the_invoice(parent)["collection"] == "titres"
    response = parent.post(f"/family/invoices/{TITRE}/payfip", {})
    assert response.status_code == 409
    error = body(response)["error"]
    assert error["code"] == "collected_by_treasury"
    assert "Trésor public" in error["message"] and "avis des sommes à payer" in error["message"]
    assert the_invoice(parent)["status"] == "unpaid"


def test_the_titres_pdf_announces_the_avis_and_gives_no_regie_instructions(titres):
    admin, parent = titres
    for api, path in ((parent, f"/family/invoices/{TITRE}/pdf"),
                      (admin, f"/staff/families/1001/invoices/{TITRE}/pdf")):
        text = pdf_text(api, path)
        assert "DÉTAIL DE FACTURATION N° 2026-000001" in text
        assert "Trésor public vous enverra un avis des sommes à payer" in text
        assert "www.payfip.gouv.fr avec la référence indiquée sur l'avis" in text
        assert "prélèvement" in text and "« paiement de proximité »" in text
        assert "FACTURE N°" not in text
        assert "Mes factures" not in text and "à la mairie par chèque" not in text
        assert "Payez en ligne" not in text and "CESU" not in text


def test_the_titres_email_uses_the_same_words(titres, outbox):
    mail = next(m for m in outbox() if "facturation" in m["subject"])
    assert mail["subject"] == "Votre détail de facturation de novembre 2026 est disponible"
    assert "Le Trésor public vous enverra un avis des sommes à payer" in mail["text"]
    assert "« paiement de proximité »" in mail["text"]
    assert "payer en ligne" not in mail["text"]


def test_a_commune_switching_back_to_its_regie_leaves_past_titres_as_they_were(titres):
    admin, parent = titres
    set_mode(admin, {**TITRES, "mode": "regie"})
    assert the_invoice(parent)["collection"] == "titres"
    assert parent.post(f"/family/invoices/{TITRE}/payfip", {}).status_code == 409
    assert "DÉTAIL DE FACTURATION" in pdf_text(parent, f"/family/invoices/{TITRE}/pdf")


def test_a_regie_invoice_reads_and_is_paid_as_before(regie, outbox, payfip):
    _, parent = regie
    assert the_invoice(parent)["collection"] == "regie"
    text = pdf_text(parent, f"/family/invoices/{TITRE}/pdf")
    assert "FACTURE N° 2026-000001" in text and "Payez en ligne" in text
    assert "avis des sommes à payer" not in text and "DÉTAIL DE FACTURATION" not in text
    mail = next(m for m in outbox() if "facture" in m["subject"])
    assert "payer en ligne sur le portail" in mail["text"]
    assert "avis des sommes" not in mail["text"]
    started = ok(parent.post(f"/family/invoices/{TITRE}/payfip", {}))
    assert started["amount_cents"] == 350


# -- one payment the Treasury reports, typed ------------------------------------------------

def test_a_typed_treasury_payment_is_credited_once_and_shown_as_paid_to_the_treasury(titres):
    admin, parent = titres
    payment = {"invoice": TITRE, "amount_cents": 200, "date": "2026-12-01",
               "reference": "ASAP 42"}
    saved = ok(admin.post("/staff/families/1001/treasury-payments", payment), 201)
    assert saved["method"] == "tresor" and saved["credit_cents"] == 200
    again = admin.post("/staff/families/1001/treasury-payments", payment)
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "already_recorded"
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 150
    line = next(li for li in statement["lines"] if li["type"] == "payment")
    assert line["type_label"] == "Paiement au Trésor public"
    assert line["reference"] == "Trésor public - titre 2026-000001 (ASAP 42)"
    assert line["credit_cents"] == 200 and line["invoice"] == TITRE
    state = the_invoice(parent)
    assert (state["status"], state["remaining_cents"]) == ("partial", 150)


@pytest.mark.parametrize("change, status, code", [
    ({"amount_cents": 351}, 409, "above_remaining"),
    ({"invoice": "2026-000099"}, 400, "unknown_titre"),
    ({"invoice": "rien"}, 400, "invalid_request"),
    ({"amount_cents": 1.5}, 400, "invalid_request"),
    ({"amount_cents": 0}, 400, "invalid_request"),
    ({"date": "2026-12-02"}, 400, "date_out_of_range"),   # tomorrow
    ({"date": "2026-11-30"}, 400, "date_out_of_range"),   # before the titre
    ({"date": "30/02/2026"}, 400, "invalid_request"),
    ({"reference": "x" * 41}, 400, "invalid_request"),
])
def test_a_typed_treasury_payment_that_cannot_be_is_refused_and_nothing_is_written(
        titres, change, status, code):
    admin, parent = titres
    payment = {"invoice": TITRE, "amount_cents": 100, "date": "2026-12-01", **change}
    response = admin.post("/staff/families/1001/treasury-payments", payment)
    assert response.status_code == status, response.body
    error = body(response)["error"]
    assert error["code"] == code and error["message"]
    assert ok(parent.get("/family/statement"))["balance_cents"] == 350


def test_a_regie_invoice_takes_no_treasury_payment(regie):
    admin, _ = regie
    response = admin.post("/staff/families/1001/treasury-payments",
                          {"invoice": TITRE, "amount_cents": 100, "date": "2026-12-01"})
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "not_a_titre"


def test_a_town_hall_payment_is_refused_for_a_titre(titres):
    admin, parent = titres
    response = pay(admin, "1001", {"amount_cents": 200, "method": "cheque",
                                   "invoice": TITRE})
    assert response.status_code == 409, response.body
    error = body(response)["error"]
    assert error["code"] == "collected_by_treasury" and "Trésor public" in error["message"]
    assert ok(parent.get("/family/statement"))["balance_cents"] == 350
    # Back in régie mode, an invoice issued in titres mode is still a titre.
    set_mode(admin, {**TITRES, "mode": "regie"})
    assert pay(admin, "1001", {"amount_cents": 200, "method": "cheque",
                               "invoice": TITRE}).status_code == 409


def test_a_town_hall_payment_naming_no_invoice_never_settles_a_titre(titres):
    admin, parent = titres
    # In titres mode the town hall holds no régie: it may take money only for a régie
    # invoice it names.
    response = pay(admin, "1001", {"amount_cents": 350, "method": "cheque"})
    assert response.status_code == 409, response.body
    error = body(response)["error"]
    assert error["code"] == "regie_invoice_required" and "Trésor public" in error["message"]
    assert ok(parent.get("/family/statement"))["balance_cents"] == 350
    # Back in régie mode, a cheque naming no invoice is a credit on the account: the
    # titre is still the Treasury's to collect, and says so.
    set_mode(admin, {**TITRES, "mode": "regie"})
    assert pay(admin, "1001", {"amount_cents": 350, "method": "cheque"}).status_code == 201
    state = the_invoice(parent)
    assert (state["status"], state["remaining_cents"]) == ("unpaid", 350)


def test_a_regie_invoice_still_takes_a_town_hall_payment(regie):
    admin, parent = regie
    assert pay(admin, "1001", {"amount_cents": 200, "method": "cheque",
                               "invoice": TITRE}).status_code == 201
    assert ok(parent.get("/family/statement"))["balance_cents"] == 150


def test_an_unknown_family_is_not_found(titres):
    admin, _ = titres
    response = admin.post("/staff/families/9999/treasury-payments",
                          {"invoice": TITRE, "amount_cents": 100, "date": "2026-12-01"})
    assert response.status_code == 404


# -- the Treasury's file --------------------------------------------------------------------

FILE = ("\ufeffN° titre;Montant encaissé;Date d'encaissement;Référence\r\n"
        "2026-000001;1,50;01/12/2026;ENC-1\r\n"
        "2026-000099;1,00;01/12/2026;ENC-2\r\n"
        "2026-000001;5,00;01/12/2026;ENC-3\r\n"
        "2026-000001;abc;01/12/2026;ENC-4\r\n"
        "\r\n"
        "2026-1;2.00;2026-12-01;ENC-5\r\n")


def test_importing_the_treasurys_file_records_each_payment_once(titres):
    admin, parent = titres
    report = ok(import_csv(admin, FILE))
    assert [(r["line"], r["titre"], r["status"]) for r in report["rows"]] == [
        (2, TITRE, "recorded"), (3, "2026-000099", "unknown_titre"),
        (4, TITRE, "above_remaining"), (5, TITRE, "invalid_row"), (7, TITRE, "recorded")]
    assert report["rows"][0]["family"] == "1001" and report["rows"][0]["amount_cents"] == 150
    assert "reste à payer" in report["rows"][2]["message"]
    assert report["summary"] == {"rows": 5, "recorded": 2, "recorded_cents": 350,
                                 "already_recorded": 0, "refused": 3}
    assert the_invoice(parent)["status"] == "paid"
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 0
    tresor = [li for li in statement["lines"] if li["type_label"] == "Paiement au Trésor public"]
    assert [li["credit_cents"] for li in tresor] == [200, 150]

    again = ok(import_csv(admin, FILE))
    assert again["summary"]["recorded"] == 0
    assert again["summary"]["already_recorded"] == 2
    assert ok(parent.get("/family/statement"))["balance_cents"] == 0
    assert len(ok(parent.get("/family/statement"))["lines"]) == len(statement["lines"])


def test_a_payment_typed_before_is_found_again_in_the_file(titres):
    admin, parent = titres
    ok(admin.post("/staff/families/1001/treasury-payments",
                  {"invoice": TITRE, "amount_cents": 150, "date": "2026-12-01"}), 201)
    report = ok(import_csv(admin, "titre,montant,date\n2026-000001,\"1,50\",01/12/2026\n"))
    assert report["rows"][0]["status"] == "already_recorded"
    assert ok(parent.get("/family/statement"))["balance_cents"] == 200


def test_two_identical_payments_in_one_file_are_two_payments(titres):
    admin, parent = titres
    text = "titre\tmontant\tdate\n2026-000001\t1,00\t01/12/2026\n2026-000001\t1,00\t01/12/2026\n"
    assert ok(import_csv(admin, text))["summary"]["recorded"] == 2
    assert ok(import_csv(admin, text))["summary"]["already_recorded"] == 2
    assert ok(parent.get("/family/statement"))["balance_cents"] == 150


def test_a_regie_invoice_in_the_file_is_refused(regie):
    admin, parent = regie
    report = ok(import_csv(admin, "titre;montant;date\n2026-000001;1,00;01/12/2026\n"))
    assert report["rows"][0]["status"] == "not_a_titre"
    assert ok(parent.get("/family/statement"))["balance_cents"] == 350


@pytest.mark.parametrize("payload, code", [
    ({"csv": ""}, "treasury_csv_empty"),
    ({"csv": 12}, "treasury_csv_empty"),
    ({}, "treasury_csv_empty"),
    ({"csv": "titre;montant\n2026-000001;1,00\n"}, "treasury_csv_columns"),
    ({"csv": "titre;montant;date\n"}, "treasury_csv_empty"),
    ({"csv": "a\"b;c\n\"x"}, "treasury_csv_columns"),
    ({"csv": "titre;montant;date\n" + "2026-000001;1,00;01/12/2026\n" * 1001},
     "treasury_csv_too_long"),
])
def test_a_file_that_cannot_be_read_is_a_400_and_records_nothing(titres, payload, code):
    admin, parent = titres
    response = admin.post("/staff/treasury-payments/import", payload)
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] == code and error["message"]
    assert ok(parent.get("/family/statement"))["balance_cents"] == 350


def test_the_import_is_the_admins_only(titres, agent):
    response = agent.post("/staff/treasury-payments/import",
                          {"csv": "titre;montant;date\n2026-000001;1,00;01/12/2026\n"})
    assert response.status_code == 403
