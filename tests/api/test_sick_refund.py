"""A medical certificate the admin accepts after the month was invoiced: the family is
credited what the commune's rule (« free on an accepted certificate ») no longer bills,
once, on a « Régularisation » line naming the child, the days and the invoice; the
invoice itself is never touched.

TOTO (1001-1) has lunch on Mon 30 Nov, Tue 1, Thu 3, Fri 4 and Mon 7 December 2026 (3.50 €
each); he is reported sick on the 1st and the 3rd (one run), the certificate is handed in
on the 1st (within the 2 days) but nobody decides before December is invoiced: 14.00 €,
of which 7.00 € for the two sick days.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.test_sick_days import PDF, b64, booked, ok, sick  # noqa: F401 (booked: a fixture)
from tests.client import Api, sign_in
from tests.demo import ADMIN, FAMILY
from tests.demo import FAMILY_CHILD as CHILD

DECIDE = f"/staff/sick-days/{CHILD}/2026-12-01/certificate/decision"


@pytest.fixture
def invoiced(booked):  # noqa: F811 - the fixture imported above
    """December invoiced with the certificate still pending; the admin in January."""
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    ok(sick(parent, "2026-12-03"), 201)
    ok(parent.post(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                   {"content_base64": b64(PDF), "content_type": "application/pdf"}), 201)
    admin = booked("2027-01-04T09:00:00", ADMIN)
    ok(admin.post("/staff/billing/2026-12/draft"))
    ok(admin.post("/staff/billing/2026-12/confirm"))
    (invoice,) = ok(admin.get("/staff/invoices?month=2026-12"))["invoices"]
    assert invoice["total_cents"] == 1400
    return booked("2027-01-05T10:00:00", ADMIN), invoice["number"]


def adjustments(api: Api) -> list[dict]:
    return [line for line in ok(api.get("/family/statement"))["lines"]
            if line["type"] == "adjustment"]


def test_accepting_after_the_invoice_credits_the_sick_days_once(invoiced, client):
    admin, number = invoiced
    answer = ok(admin.post(DECIDE, {"decision": "accepted"}))
    assert answer["certificate"]["status"] == "accepted"
    assert [(r["invoice"], r["amount_cents"], r["days"]) for r in answer["refunds"]] == [
        (number, 700, ["2026-12-01", "2026-12-03"])]
    # A second click credits nothing more.
    assert ok(admin.post(DECIDE, {"decision": "accepted"}))["refunds"] == []
    parent = sign_in(Api(client), *FAMILY)
    (line,) = adjustments(parent)
    assert (line["type_label"], line["credit_cents"], line["invoice"]) == (
        "Régularisation", 700, number)
    assert line["reference"] == (f"Certificat médical accepté : TOTO, absence du 01/12, "
                                 f"03/12 (facture {number})")
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 700  # 14.00 € billed, 7.00 € credited
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert (invoice["total_cents"], invoice["status"], invoice["remaining_cents"]) == (
        1400, "partial", 700)  # the invoice stands as issued


def test_a_double_click_in_parallel_credits_once(invoiced, client):
    admin, _ = invoiced
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: admin.post(DECIDE, {"decision": "accepted"}),
                                range(2)))
    assert sorted(len(ok(a)["refunds"]) for a in answers) == [0, 1]
    assert [line["credit_cents"] for line in adjustments(
        sign_in(Api(client), *FAMILY))] == [700]


def test_a_refused_certificate_credits_nothing(invoiced, client):
    admin, _ = invoiced
    assert ok(admin.post(DECIDE, {"decision": "refused"}))["refunds"] == []
    assert adjustments(sign_in(Api(client), *FAMILY)) == []


def test_a_certificate_handed_in_too_late_credits_nothing(booked, client):  # noqa: F811
    # Handed in on 10 December, more than 2 days after the run's first day: the rule
    # still bills the days, so accepting it changes nothing on the account.
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    parent = booked("2026-12-10T07:00:00")
    ok(parent.post(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                   {"content_base64": b64(PDF), "content_type": "application/pdf"}), 201)
    admin = booked("2027-01-04T09:00:00", ADMIN)
    ok(admin.post("/staff/billing/2026-12/draft"))
    ok(admin.post("/staff/billing/2026-12/confirm"))
    assert ok(admin.post(DECIDE, {"decision": "accepted"}))["refunds"] == []
    assert adjustments(sign_in(Api(client), *FAMILY)) == []


def test_accepting_before_the_month_is_invoiced_needs_no_credit(booked, client):  # noqa: F811
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    ok(parent.post(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                   {"content_base64": b64(PDF), "content_type": "application/pdf"}), 201)
    admin = booked("2026-12-02T09:00:00", ADMIN)
    assert ok(admin.post(DECIDE, {"decision": "accepted"}))["refunds"] == []
    admin = booked("2027-01-04T09:00:00", ADMIN)
    ok(admin.post("/staff/billing/2026-12/draft"))
    ok(admin.post("/staff/billing/2026-12/confirm"))
    (invoice,) = ok(admin.get("/staff/invoices?month=2026-12"))["invoices"]
    assert invoice["total_cents"] == 1050  # the sick day was never billed
    assert adjustments(sign_in(Api(client), *FAMILY)) == []
