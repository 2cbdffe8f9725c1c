"""A big month's invoices are handed out in the background, batch by batch, each once.

Up to INLINE_UP_TO invoices, the confirmation sends the e-mails itself (every other test
of billing sees that); beyond, it queues batches that the background function hands out
side by side. Here the threshold is lowered to 0 so that the demo month goes the big way.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.jobs.exports import write_exports
from chalicelib.services import deliveries
from tests.client import Api, body, invoice, queued
from tests.demo import ADMIN, FAMILY

PARIS = ZoneInfo("Europe/Paris")


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def november(client, clock):
    """TOTO booked for lunch on Monday 30 November; the admin signed in on 1 December."""
    parent = Api(client)
    ok(parent.login(*FAMILY))
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = Api(client)
    ok(admin.login(*ADMIN))
    return admin


@pytest.fixture
def big_month(november, monkeypatch):
    monkeypatch.setattr(deliveries, "INLINE_UP_TO", 0)
    return november


def invoice_mails(outbox) -> list[dict]:
    return [m for m in outbox() if "2026-000001" in m["text"]]


def test_a_big_months_invoices_go_out_in_the_background_each_once(big_month, services,
                                                                  outbox):
    confirmed = invoice(big_month, "2026-11")
    assert confirmed["invoiced"] == 1
    assert (confirmed["to_deliver"], confirmed["delivery_batches"]) == (1, 1)
    # Nothing has gone yet: the background function hands the batch out.
    assert invoice_mails(outbox) == []
    [message] = queued(services)
    assert write_exports([message]) == [("2026-11", "delivered 1")]
    assert len(invoice_mails(outbox)) == 1
    # Its PDF was drawn and kept on the way.
    s3 = boto3.client("s3", region_name=services.settings.region)
    listing = s3.list_objects_v2(Bucket=services.settings.files_bucket, Prefix="factures/")
    assert [o["Key"].split("/")[2] for o in listing["Contents"]] == ["2026-000001"]
    # The console's count of what went out.
    month = ok(big_month.get("/staff/billing/2026-11"))
    assert (month["summary"]["to_deliver"], month["delivered"]) == (1, 1)
    # The same message delivered again (SQS delivers at least once): nothing more.
    assert write_exports([message]) == [("2026-11", "delivered 0")]
    assert len(invoice_mails(outbox)) == 1
    assert ok(big_month.get("/staff/billing/2026-11"))["delivered"] == 1


def test_a_confirmation_run_again_queues_nothing_new_to_send_twice(big_month, services,
                                                                   outbox):
    invoice(big_month, "2026-11")
    [message] = queued(services)
    write_exports([message])
    again = ok(big_month.post("/staff/billing/2026-11/confirm"))
    assert again["invoiced"] == 0
    for late in queued(services):
        write_exports([late])
    assert len(invoice_mails(outbox)) == 1


def test_a_village_month_is_sent_by_the_confirmation_itself(november, services, outbox):
    confirmed = invoice(november, "2026-11")
    assert (confirmed["to_deliver"], confirmed["delivered_now"]) == (1, 1)
    assert len(invoice_mails(outbox)) == 1 and queued(services) == []
