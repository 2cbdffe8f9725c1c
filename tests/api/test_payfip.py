"""Paying an invoice online with PayFip, against the fake PayFip SOAP server.

Notifications and returns only name an idOp: the product asks PayFip before crediting,
credits once per idOp, and a reconciliation settles attempts whose notice never came.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.client import Api, body, invoice

PARIS = ZoneInfo("Europe/Paris")
from tests.demo import ADMIN, FAMILY


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def invoiced(client, clock):
    """Family 1001 owes 3.50 € for the November invoice 2026-000001."""
    parent = Api(client)
    ok(parent.login(*FAMILY))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = Api(client)
    ok(admin.login(*ADMIN))
    invoice(admin, "2026-11")
    ok(parent.login(*FAMILY))
    return parent


def idop_of(redirect_url: str) -> str:
    return redirect_url.split("idop=")[1]


def notify(client, idop: str):
    return client.http.post("/payfip/notification", body=f"idop={idop}",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})


def balance(parent) -> int:
    return ok(parent.get("/family/statement"))["balance_cents"]


def test_a_paid_attempt_is_credited_once_whatever_is_replayed(invoiced, payfip, client):
    start = ok(invoiced.post("/family/invoices/2026-000001/payfip"))
    assert start["redirect_url"].startswith(payfip.url)
    idop = idop_of(start["redirect_url"])
    payfip.settle(idop, "P")
    assert notify(client, idop).status_code == 200
    assert notify(client, idop).status_code == 200          # PayFip retries
    back = ok(invoiced.get(f"/family/payfip/return?idop={idop}"))  # and the parent returns
    assert back["status"] == "paid"
    assert balance(invoiced) == 0
    lines = ok(invoiced.get("/family/statement"))["lines"]
    assert [l["type"] for l in lines].count("payment") == 1
    assert ok(invoiced.get("/family/invoices"))["invoices"][0]["status"] == "paid"
    # Paid: it cannot be paid again.
    assert invoiced.post("/family/invoices/2026-000001/payfip").status_code == 409


def test_a_notification_for_an_unpaid_or_unknown_idop_credits_nothing(invoiced, payfip,
                                                                      client):
    idop = idop_of(ok(invoiced.post("/family/invoices/2026-000001/payfip"))["redirect_url"])
    assert notify(client, idop).status_code == 200            # forged: not paid yet (P5)
    assert notify(client, "INCONNU123").status_code == 200     # forged: unknown idOp
    assert balance(invoiced) == 350
    back = ok(invoiced.get(f"/family/payfip/return?idop={idop}"))
    assert back["status"] == "pending"


def test_a_refused_payment_credits_nothing_and_the_invoice_can_be_paid_again(invoiced, payfip,
                                                                           client):
    idop = idop_of(ok(invoiced.post("/family/invoices/2026-000001/payfip"))["redirect_url"])
    payfip.settle(idop, "R")
    assert ok(invoiced.get(f"/family/payfip/return?idop={idop}"))["status"] == "failed"
    assert balance(invoiced) == 350
    again = ok(invoiced.post("/family/invoices/2026-000001/payfip"))
    assert idop_of(again["redirect_url"]) != idop


def test_the_reconciliation_settles_an_attempt_whose_notification_never_came(invoiced, payfip,
                                                                            services, clock):
    from chalicelib.jobs.payments import reconcile_payments
    idop = idop_of(ok(invoiced.post("/family/invoices/2026-000001/payfip"))["redirect_url"])
    payfip.settle(idop, "P")            # paid, but the notice is lost
    assert reconcile_payments({})["paid"] == 0       # too early: the parent may be paying
    clock.set(clock.now() + timedelta(minutes=20))
    assert reconcile_payments({})["paid"] == 1
    assert reconcile_payments({}) == {"paid": 0, "failed": 0, "pending": 0, "abandoned": 0}
    parent = Api(invoiced.client)
    ok(parent.login(*FAMILY))
    assert balance(parent) == 0


def test_another_familys_attempt_is_not_found_on_return(invoiced, payfip, client, outbox):
    idop = idop_of(ok(invoiced.post("/family/invoices/2026-000001/payfip"))["redirect_url"])
    stranger = Api(client)
    ok(stranger.login(*ADMIN))
    assert stranger.get(f"/family/payfip/return?idop={idop}").status_code == 404
    assert invoiced.post("/family/invoices/2099-000009/payfip").status_code == 404
