"""The monthly invoice run, the statement, payments and credit notes, end to end."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.client import Api, body, invoice, pay

PARIS = ZoneInfo("Europe/Paris")
from tests.demo import ADMIN, FAMILY


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def november(client, clock):
    """TOTO booked for lunch and evening care on Monday 30 November, lunch on Tuesday
    1 December; came to the evening care and was picked up at 18:42. Returns the admin
    signed in on 1 December at 08:00, when November is over."""
    parent = Api(client)
    ok(parent.login(*FAMILY))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True},
        {"date": "2026-11-30", "service": "care_evening", "booked": True},
        {"date": "2026-12-01", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 11, 30, 18, 50, tzinfo=PARIS))
    admin = Api(client)
    ok(admin.login(*ADMIN))
    ok(admin.put("/staff/attendance", {"date": "2026-11-30", "service": "care_evening",
                                       "child_id": "1001-1", "status": "present",
                                       "arrival": "16:30", "departure": "18:42"}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    ok(admin.login(*ADMIN))
    return admin


def family(client):
    parent = Api(client)
    ok(parent.login(*FAMILY))
    return parent


def test_a_month_not_over_cannot_be_invoiced(november):
    response = november.post("/staff/billing/2026-12/draft")
    assert response.status_code == 409
    assert body(response)["error"]["code"] == "month_not_over"


def test_the_run_bills_each_family_once_with_a_line_per_child_and_service(november, client,
                                                                          outbox):
    first = invoice(november, "2026-11")
    assert (first["invoiced"], first["total_cents"]) == (1, 550)
    assert first["run"]["outcome"] == "success"
    again = invoice(november, "2026-11")
    assert (again["invoiced"], again["total_cents"]) == (0, 0)

    parent = family(client)
    invoices = ok(parent.get("/family/invoices"))["invoices"]
    assert [(i["number"], i["month"], i["total_cents"], i["status"]) for i in invoices] == [
        ("2026-000001", "2026-11", 550, "unpaid")]
    assert "Votre facture de novembre 2026 est disponible" in [m["subject"] for m in outbox()]
    staff_view = ok(november.get("/staff/invoices?month=2026-11"))["invoices"]
    assert [i["number"] for i in staff_view] == ["2026-000001"]


def test_the_statement_shows_the_balance_and_a_running_balance_on_every_line(november, client):
    invoice(november, "2026-11")
    ok(pay(november, "1001", {
        "amount_cents": 300, "method": "cheque", "reference": "1234567",
        "date": "2026-12-01"}), 201)
    statement = ok(family(client).get("/family/statement?limit=5"))
    assert statement["balance_cents"] == 250
    assert [(l["type"], l["type_label"], l["debit_cents"], l["credit_cents"],
             l["balance_cents"]) for l in statement["lines"]] == [
        ("today", "SOLDE A CE JOUR", 0, 0, 250), ("payment", "Paiement", 0, 300, 250),
        ("invoice", "Facture", 550, 0, 550), ("opening", "Solde initial", 0, 0, 0)]
    # Today's line is today's (the clock's), the opening line the day of the first movement.
    assert statement["lines"][0]["date"] == "2026-12-01"
    assert statement["lines"][-1]["date"] == statement["lines"][-2]["date"]
    assert statement["total"] == 4
    # The same statement on the staff side.
    assert ok(november.get("/staff/families/1001/statement?limit=5"))["lines"] == \
        statement["lines"]
    assert len(ok(family(client).get("/family/statement?limit=1"))["lines"]) == 1


def test_a_payment_settles_the_invoice_and_a_credit_note_cancels_it(november, client):
    invoice(november, "2026-11")
    ok(pay(november, "1001", {
        "amount_cents": 550, "method": "especes", "date": "2026-12-01"}), 201)
    assert ok(family(client).get("/family/invoices"))["invoices"][0]["status"] == "paid"
    note = ok(november.post("/staff/families/1001/invoices/2026-000001/credit-note",
                            {"reason": "erreur de pointage"}), 201)
    assert note["number"] == "A2026-000001"
    invoices = ok(family(client).get("/family/invoices"))["invoices"]
    assert invoices[0]["status"] == "cancelled"
    assert ok(family(client).get("/family/statement"))["balance_cents"] == -550
    again = november.post("/staff/families/1001/invoices/2026-000001/credit-note", {})
    assert again.status_code == 409


@pytest.mark.parametrize("payment, field", [
    ({"amount_cents": 0, "method": "cheque"}, "amount_cents"),
    ({"amount_cents": 3.5, "method": "cheque"}, "amount_cents"),
    ({"amount_cents": 100, "method": "payfip"}, "method"),
    ({"amount_cents": 100, "method": "cheque", "date": "2027-01-01"}, "date"),
    ({"amount_cents": 100, "method": "cheque", "date": "0001-01-01"}, "date"),
    ({"amount_cents": 100, "method": "cheque", "date": "1999-06-30"}, "date"),
    ({"amount_cents": 100, "method": "cheque", "invoice": "2099-000001"}, "invoice"),
])
def test_a_bad_payment_is_refused_and_nothing_is_credited(november, client, payment, field):
    response = pay(november, "1001", payment)
    assert response.status_code == 400
    assert body(response)["error"]["details"]["field"] == field
    assert ok(family(client).get("/family/statement"))["balance_cents"] == 0


def test_another_familys_invoice_is_not_found(november, client):
    invoice(november, "2026-11")
    assert family(client).get("/family/invoices/2099-000001/pdf").status_code == 404


def test_the_invoices_and_ledger_exports_read_back_in_excel_format(november):
    invoice(november, "2026-11")
    ok(pay(november, "1001", {
        "amount_cents": 550, "method": "cheque", "reference": "=1+1",
        "date": "2026-11-30"}), 201)
    text = november.get("/staff/exports/invoices.csv?month=2026-11").body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][5:9] == ["Montant", "Payé", "Reste à payer", "État"]
    assert rows[1][0] == "2026-000001" and rows[1][5:9] == ["5,50", "5,50", "0,00", "Payée"]
    text = november.get("/staff/exports/ledger.csv?month=2026-11").body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert [r[2] for r in rows[1:]] == ["Paiement"]
    assert rows[1][3] == "Chèque =1+1" and rows[1][6] == "5,50"


def test_deployed_the_console_starts_the_run_in_the_background_and_answers_at_once(
        november, services, monkeypatch):
    started = []
    monkeypatch.setattr(type(services.launcher), "in_background", property(lambda self: True))
    monkeypatch.setattr(services.launcher, "start_billing_step",
                        lambda *args: started.append(args))
    assert november.post("/staff/billing/2026-11/draft").status_code == 202
    assert november.post("/staff/billing/2026-11/confirm").status_code == 202
    assert started == [("2026-11", "draft", "mairie@example.org"),
                       ("2026-11", "confirm", "mairie@example.org")]
    # A month not over is still refused before anything starts.
    assert november.post("/staff/billing/2026-12/draft").status_code == 409
    assert len(started) == 2


def test_the_job_runs_the_step_it_is_given_or_else_the_schedule(november, services):
    from chalicelib.jobs.invoice import invoice_month
    invoice_month({"month": "2026-11", "step": "draft", "who": "mairie@example.org"})
    assert invoice_month({"month": "2026-11", "step": "confirm"})["invoiced"] == 1
    assert invoice_month({})["invoiced"] == 0   # 1 December: November again, already billed


def test_a_multi_line_address_keeps_its_lines_on_screen_and_on_the_invoice(november, client):
    address = "Résidence Les Tilleuls, bât. B\n12 rue des Écoles\n\n  69000   Lyon  "
    parent = family(client)
    shown = ok(parent.put("/family", {"address": address}))
    assert shown["address"] == "Résidence Les Tilleuls, bât. B\n12 rue des Écoles\n69000 Lyon"
    ok(november.put("/staff/families/1001", {"address": "Chez Mme Martin\r\n3 place du Marché\r\n75001 Paris"}))
    assert ok(november.get("/staff/families/1001"))["address"] == \
        "Chez Mme Martin\n3 place du Marché\n75001 Paris"
    invoice(november, "2026-11")
    pdf = parent.get("/family/invoices/2026-000001/pdf", headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200
    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text()
    lines = [line.strip() for line in text.splitlines()]
    at = lines.index("Chez Mme Martin")
    assert lines[at:at + 3] == ["Chez Mme Martin", "3 place du Marché", "75001 Paris"]
