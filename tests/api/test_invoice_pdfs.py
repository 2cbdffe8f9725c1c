"""An invoice's PDF is drawn once and kept: downloads read the stored bytes, and what
changes the document (a credit note) makes a new one, never an edit of the old."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from pypdf import PdfReader

from chalicelib.services import billing as billing_module
from tests.client import Api, invoice
from tests.demo import ADMIN, FAMILY

PARIS = ZoneInfo("Europe/Paris")

PDF = "/family/invoices/2026-000001/pdf"


def ok(response, status=200):
    assert response.status_code == status, response.body
    return response


@pytest.fixture
def november(client, clock):
    """TOTO booked for lunch on Monday 30 November; the admin signed in on 1 December."""
    parent = family(client)
    ok(parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = Api(client)
    ok(admin.login(*ADMIN))
    return admin


def family(client) -> Api:
    parent = Api(client)
    ok(parent.login(*FAMILY))
    return parent


def stored(services) -> list[str]:
    s3 = boto3.client("s3", region_name=services.settings.region)
    listing = s3.list_objects_v2(Bucket=services.settings.files_bucket, Prefix="factures/")
    return sorted(o["Key"] for o in listing.get("Contents", []))


def text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def drawn(monkeypatch):
    """How many times a PDF was drawn."""
    calls = []
    real = billing_module._render
    monkeypatch.setattr(billing_module, "_render",
                        lambda document: calls.append(document.number) or real(document))
    return calls


def test_an_invoice_is_drawn_once_and_downloaded_as_the_same_bytes(november, client,
                                                                   services, drawn):
    invoice(november, "2026-11")
    parent = family(client)
    first = ok(parent.get(PDF, headers={"Accept": "application/pdf"})).body
    again = ok(parent.get(PDF, headers={"Accept": "application/pdf"})).body
    staff = ok(november.get("/staff/families/1001/invoices/2026-000001/pdf",
                            headers={"Accept": "application/pdf"})).body
    assert first == again == staff
    assert drawn == ["2026-000001"]
    [key] = stored(services)
    assert key.startswith("factures/2026/2026-000001/") and key.endswith(".pdf")


def test_a_credit_note_makes_a_new_document_and_keeps_the_issued_one(november, client,
                                                                     services, drawn):
    invoice(november, "2026-11")
    parent = family(client)
    issued = ok(parent.get(PDF, headers={"Accept": "application/pdf"})).body
    ok(november.post("/staff/families/1001/invoices/2026-000001/credit-note",
                     {"reason": "erreur de pointage"}), 201)
    cancelled = ok(parent.get(PDF, headers={"Accept": "application/pdf"})).body
    assert cancelled != issued and "A2026-000001" in text(cancelled)
    assert "A2026-000001" not in text(issued)
    assert len(stored(services)) == 2 and len(drawn) == 2
