"""Direct debits through the API, as staff and a parent live them (issue 19, points 2, 3
and 5): a month confirmed schedules a debit for the family with a mandate and tells it
the amount and date at least 14 days before; the régie's pain.008 file carries it once
and is valid against the ISO 20022 schema; the bank's reject makes the invoice due
again, tells the family and, at the commune's limit, suspends the mandate."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from pypdf import PdfReader

from chalicelib.domain.sepa import ACTIVE, Account, Mandate, ics_key
from tests.client import Api, body
from tests.demo import ADMIN, FAMILY, FAMILY_CHILD, FAMILY_NUMBER

PARIS = ZoneInfo("Europe/Paris")
SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "sepa"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
ICS = f"FR{ics_key('FR', '123456')}ZZZ123456"
CREDITOR_IBAN = "FR7630001007941234567890185"
FAMILY_IBAN = "FR7630006000011234567890189"
DIRECT_DEBIT = {"enabled": True, "creditor_name": "Régie cantine de Saint-Just",
                "creditor_id": ICS, "creditor_iban": CREDITOR_IBAN,
                "creditor_bic": "BDFEFRPPCCT", "debit_day": 10, "notice_days": 14,
                "max_rejects": 2}


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def signed_in(client, login: str, password: str) -> Api:
    api = Api(client)
    ok(api.login(login, password))
    return api


def offers_direct_debit(client, **changes) -> None:
    admin = signed_in(client, *ADMIN)
    version = ok(admin.get("/staff/settings"))["version"]
    saved = ok(admin.put("/staff/settings", {"direct_debit": {**DIRECT_DEBIT, **changes},
                                             "version": version}))
    assert saved["direct_debit"]["enabled"] is True


def signs_mandate(services, iban: str = FAMILY_IBAN) -> Mandate:
    """The family's mandate as the mandate form stores it."""
    from chalicelib.domain.sepa import check_account
    from chalicelib.storage.mandates import MandateRepository
    account = check_account(iban)
    return MandateRepository().create(Mandate(
        family=FAMILY_NUMBER, rum=f"RUM-{FAMILY_NUMBER}-001", holder="Claire Martin",
        account=Account(account.iban, account.bic), status=ACTIVE,
        signed_on=date(2026, 11, 2), channel="online", text_version="2026-1",
        signed_by="parent@example.org",
        signed_at=datetime(2026, 11, 2, 20, 15, tzinfo=PARIS)))


def books(parent: Api, day: str) -> None:
    """TOTO lunches and stays for evening care: 3,50 € + 2,00 €."""
    ok(parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": day, "service": "meal", "booked": True},
        {"date": day, "service": "care_evening", "booked": True}]}))


def bills(admin: Api, month: str) -> dict:
    ok(admin.post(f"/staff/billing/{month}/draft"))
    return ok(admin.post(f"/staff/billing/{month}/confirm"))


@pytest.fixture
def pain_008_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "pain.008.001.08.xsd")))


@pytest.fixture
def november_confirmed(client, clock, services):
    """The commune offers direct debit, the family has a mandate, November is billed on
    1 December: the confirmation's answer."""
    offers_direct_debit(client)
    signs_mandate(services)
    books(signed_in(client, *FAMILY), "2026-11-30")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    return bills(signed_in(client, *ADMIN), "2026-11")


def notices(outbox) -> list[dict]:
    return [m for m in outbox() if m["subject"].startswith("Prélèvement du ")]


def test_a_confirmed_month_schedules_the_debit_and_tells_the_family_14_days_before(
        client, november_confirmed, outbox):
    debits = november_confirmed["debits"]
    # 1 December + 14 days is past the 10th: 10 January 2027, a Sunday → Monday 11.
    assert debits == {"scheduled": 1, "announced": 1, "count": 1, "total_cents": 550,
                      "collection_date": "2027-01-11"}
    assert (date(2027, 1, 11) - date(2026, 12, 1)).days >= 14
    (notice,) = notices(outbox)
    assert notice["subject"] == "Prélèvement du 11/01/2027 : 5,50 €"
    # The invoice's own e-mail says it will be debited, not paid online.
    (ready,) = [m for m in outbox() if m["subject"].startswith("Votre facture de novembre")]
    assert "payée par prélèvement automatique" in ready["text"]
    assert "la payer en ligne" not in ready["text"]
    assert "RUM-1001-001" in notice["text"] and ICS in notice["text"]
    assert FAMILY_IBAN not in notice["text"]

    # The parent reads « prélèvement le 11/01 », and cannot also pay it online.
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert invoice["debit"] == {"date": "2027-01-11", "status": "prevu",
                                "status_label": "Prévu", "pending": True}
    refused = ok(parent.post(f"/family/invoices/{invoice['number']}/payfip", {}), 409)
    assert refused["error"]["code"] == "paid_by_debit"
    # Its PDF says so too.
    pdf = parent.get(f"/family/invoices/{invoice['number']}/pdf",
                     headers={"Accept": "application/pdf"})
    text = " ".join(PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text().split())
    assert "prélèvement automatique le 11/01/2027" in text and "FR76 **** **** **** 0189" in text

    # Staff see it, the account masked.
    admin = signed_in(client, *ADMIN)
    listing = ok(admin.get("/staff/billing/2026-11/debits"))
    (debit,) = listing["debits"]
    assert (debit["invoice"], debit["amount_cents"], debit["sequence"], debit["status"],
            debit["notified"], debit["iban"]) == \
        (invoice["number"], 550, "FRST", "prevu", True, "FR76 **** **** **** 0189")
    assert FAMILY_IBAN not in str(listing)


def test_confirming_the_month_again_schedules_and_tells_nothing_more(client,
                                                                     november_confirmed,
                                                                     outbox):
    admin = signed_in(client, *ADMIN)
    again = ok(admin.post("/staff/billing/2026-11/confirm"))
    assert again["debits"]["scheduled"] == 0 and again["debits"]["announced"] == 0
    assert len(notices(outbox)) == 1
    assert len(ok(admin.get("/staff/billing/2026-11/debits"))["debits"]) == 1


def test_the_regie_file_carries_each_debit_once_and_pays_the_invoice(
        client, clock, november_confirmed, pain_008_schema):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    issued = ok(admin.post("/staff/billing/2026-11/debits/file"))
    assert issued["issued"] == {"file": "2026-11-01", "debits": 1, "moved": 0,
                                "announced": 0, "cancelled": 0}
    (file,) = issued["files"]
    assert (file["id"], file["count"], file["total_cents"], file["collection_dates"]) == \
        ("2026-11-01", 1, 550, ["2027-01-11"])
    response = admin.get("/staff/billing/2026-11/debits/files/2026-11-01/xml",
                         headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.body
    data = response.body
    root = etree.fromstring(data)
    pain_008_schema.assertValid(root)
    (tx,) = root.findall(".//p:DrctDbtTxInf", NS)
    assert tx.findtext("p:InstdAmt", namespaces=NS) == "5.50"
    assert tx.findtext(".//p:MndtId", namespaces=NS) == "RUM-1001-001"
    assert tx.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == FAMILY_IBAN
    assert root.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert root.findtext(".//p:ReqdColltnDt", namespaces=NS) == "2027-01-11"

    # Issued again: nothing new to send, and the file stays the same bytes.
    assert ok(admin.post("/staff/billing/2026-11/debits/file"))["issued"] == {
        "file": None, "debits": 0, "moved": 0, "announced": 0, "cancelled": 0}
    again = admin.get("/staff/billing/2026-11/debits/files/2026-11-01/xml",
                      headers={"Accept": "application/xml"})
    assert again.body == data

    # The family's invoice is paid by the debit, once.
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert (invoice["status"], invoice["debit"]["status"]) == ("paid", "transmis")
    lines = ok(parent.get("/family/statement"))["lines"]
    assert [li["reference"] for li in lines if li["type"] == "payment"] == \
        ["Prélèvement du 11/01/2027"]


def test_a_rejected_debit_makes_the_invoice_due_again_and_tells_the_family(
        client, clock, november_confirmed, outbox):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    ok(admin.post("/staff/billing/2026-11/debits/file"))
    (debit,) = ok(admin.get("/staff/billing/2026-11/debits"))["debits"]

    clock.set(datetime(2027, 1, 13, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    url = f"/staff/billing/2026-11/debits/{debit['invoice']}/reject"
    refused = ok(admin.post(url, {"code": "XX99"}), 400)["error"]
    assert (refused["code"], refused["details"]["field"]) == ("invalid_reject_reason", "code")
    rejected = ok(admin.post(url, {"code": "AM04", "date": "2027-01-12"}))
    assert rejected["debit"]["status"] == "rejete"
    assert rejected["debit"]["reject"] == {"code": "AM04", "label": "Provision insuffisante",
                                           "date": "2027-01-12"}
    assert rejected["mandate_status"] == "active"  # 1 reject of the 2 the commune allows
    # Recorded twice (a double click): one reject, one ledger line.
    assert ok(admin.post(url, {"code": "AM04", "date": "2027-01-12"}))["debit"] == \
        rejected["debit"]
    assert ok(admin.post(url, {"code": "AC04"}), 409)["error"]["code"] == "already_rejected"

    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert (invoice["status"], invoice["remaining_cents"]) == ("unpaid", 550)
    assert invoice["debit"]["pending"] is False  # « Payer en ligne » is back
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 550
    assert [li["type_label"] for li in statement["lines"] if li["type"] == "reject"] == \
        ["Rejet de prélèvement"]
    (told,) = [m for m in outbox() if m["subject"].startswith("Prélèvement rejeté")]
    assert "Provision insuffisante" in told["text"] and "suspendu" not in told["text"]


def test_the_communes_number_of_rejects_suspends_the_mandate(client, clock, services,
                                                             outbox):
    offers_direct_debit(client, max_rejects=1)
    signs_mandate(services)
    books(signed_in(client, *FAMILY), "2026-11-30")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    bills(admin, "2026-11")
    ok(admin.post("/staff/billing/2026-11/debits/file"))
    (debit,) = ok(admin.get("/staff/billing/2026-11/debits"))["debits"]
    clock.set(datetime(2027, 1, 13, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    rejected = ok(admin.post(f"/staff/billing/2026-11/debits/{debit['invoice']}/reject",
                             {"code": "AC04"}))
    assert rejected["mandate_status"] == "suspended"
    (told,) = [m for m in outbox() if m["subject"].startswith("Prélèvement rejeté")]
    assert "suspendu" in told["text"]
    from chalicelib.storage.mandates import MandateRepository
    mandate = MandateRepository().current(FAMILY_NUMBER)
    assert (mandate.status, mandate.rejects, mandate.collected) == ("suspended", 1, False)


def test_a_file_issued_after_the_date_moves_the_debit_and_tells_the_family_again(
        client, clock, november_confirmed, outbox):
    clock.set(datetime(2027, 1, 11, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    issued = ok(admin.post("/staff/billing/2026-11/debits/file"))
    assert issued["issued"]["debits"] == 0 and issued["issued"]["moved"] == 1
    (debit,) = issued["debits"]
    # 11 January + 14 days is past the 10th: 10 February 2027.
    assert (debit["collection_date"], debit["status"]) == ("2027-02-10", "prevu")
    assert [m["subject"] for m in notices(outbox)] == [  # newest first
        "Prélèvement du 10/02/2027 : 5,50 €", "Prélèvement du 11/01/2027 : 5,50 €"]


def test_the_next_months_debit_is_recurrent_and_carries_a_new_accounts_amendment(
        client, clock, november_confirmed, pain_008_schema):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    ok(admin.post("/staff/billing/2026-11/debits/file"))
    parent = signed_in(client, *FAMILY)
    books(parent, "2026-12-14")
    # The family moves to another bank, through « Vos informations ».
    offer = ok(parent.get("/family/mandate"))["offer"]
    ok(parent.post("/family/mandate", {"holder": "Claire Martin", "iban": CREDITOR_IBAN,
                                       "bic": "BDFEFRPPCCT", "accept": True,
                                       "text_version": offer["text_version"]}))
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    bills(admin, "2026-12")
    (debit,) = ok(admin.get("/staff/billing/2026-12/debits"))["debits"]
    assert (debit["sequence"], debit["collection_date"]) == ("RCUR", "2027-02-10")
    ok(admin.post("/staff/billing/2026-12/debits/file"))
    root = etree.fromstring(admin.get("/staff/billing/2026-12/debits/files/2026-12-01/xml",
                                      headers={"Accept": "application/xml"}).body)
    pain_008_schema.assertValid(root)
    assert root.findtext(".//p:SeqTp", namespaces=NS) == "RCUR"
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == CREDITOR_IBAN
    # Another bank: the amendment says SMNDA (same mandate, new debtor account).
    assert root.findtext(".//p:AmdmntInd", namespaces=NS) == "true"
    assert root.findtext(".//p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id",
                         namespaces=NS) == "SMNDA"
    # Told once: the next debit carries no amendment.
    from chalicelib.storage.mandates import MandateRepository
    assert MandateRepository().current(FAMILY_NUMBER).amended_from is None


def test_a_revoked_mandate_cancels_its_debit_and_the_invoice_is_paid_online_again(
        client, clock, november_confirmed):
    from dataclasses import replace

    from chalicelib.storage.mandates import MandateRepository
    repository = MandateRepository()
    repository.save(replace(repository.current(FAMILY_NUMBER), status="revoked"))
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    issued = ok(admin.post("/staff/billing/2026-11/debits/file"))
    assert issued["issued"]["cancelled"] == 1 and issued["files"] == []
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert invoice["debit"] is None and invoice["status"] == "unpaid"


def test_titres_mode_sends_no_regie_file(client, clock, november_confirmed):
    from tests.api.test_titres_end_to_end import IDENTIFIERS
    admin = signed_in(client, *ADMIN)
    version = ok(admin.get("/staff/settings"))["version"]
    ok(admin.put("/staff/settings", {"collection": {"mode": "titres", "titres": IDENTIFIERS},
                                     "version": version}))
    assert ok(admin.post("/staff/billing/2026-11/debits/file"), 409)["error"]["code"] == \
        "debits_in_bordereau"


def test_a_commune_without_direct_debit_schedules_nothing(client, clock, services):
    admin = signed_in(client, *ADMIN)
    version = ok(admin.get("/staff/settings"))["version"]
    ok(admin.put("/staff/settings", {"direct_debit": {"enabled": False}, "version": version}))
    books(signed_in(client, *FAMILY), "2026-11-30")
    signs_mandate(services)
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    confirmed = bills(signed_in(client, *ADMIN), "2026-11")
    assert "debits" not in confirmed
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert invoice["debit"] is None


def test_in_titres_mode_the_debit_travels_in_the_bordereau(client, clock, services):
    from tests.api.test_titres_end_to_end import ADDRESS, IDENTIFIERS, SCHEMAS as PES
    offers_direct_debit(client)
    admin = signed_in(client, *ADMIN)
    version = ok(admin.get("/staff/settings"))["version"]
    ok(admin.put("/staff/settings", {"collection": {"mode": "titres", "titres": IDENTIFIERS},
                                     "version": version}))
    ok(admin.put("/staff/families/1001", {"address": ADDRESS}))
    signs_mandate(services)
    books(signed_in(client, *FAMILY), "2026-11-30")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    confirmed = bills(admin, "2026-11")
    assert confirmed["debits"]["scheduled"] == 1 and confirmed["titres"]["created"] is True

    (bordereau,) = ok(admin.get("/staff/billing/2026-11/bordereaux"))["bordereaux"]
    data = admin.get(bordereau["download"].removeprefix("/api"),
                     headers={"Accept": "application/xml"}).body
    root = etree.fromstring(data)
    etree.XMLSchema(etree.parse(str(PES / "PES_Aller.xsd"))).assertValid(root)
    blocks = root.findall("PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/"
                          "InfoPrelevementSEPA")
    assert blocks and {b.find("RefUniMdt").get("V") for b in blocks} == {"RUM-1001-001"}
    assert {b.find("DtePrel").get("V") for b in blocks} == {"2027-01-11"}
    assert sum(int(b.find("MtPrel").get("V").replace(".", "")) for b in blocks) == 550
    account = root.find("PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/CpteBancaire")
    assert account.find("IBAN").get("V") == FAMILY_IBAN

    # The debit is sent with the bordereau: the Treasury presents it.
    (debit,) = ok(admin.get("/staff/billing/2026-11/debits"))["debits"]
    assert (debit["status"], debit["file"]) == ("transmis", "titres-2026-11")
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert invoice["debit"]["pending"] is True and invoice["collection"] == "titres"


# -- what the money must survive -------------------------------------------------------------

def issued(client, clock, when=datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)) -> dict:
    clock.set(when)
    return ok(signed_in(client, *ADMIN).post("/staff/billing/2026-11/debits/file"))


def test_a_reject_whose_recording_failed_half_way_is_finished_by_the_retry(
        client, clock, november_confirmed, outbox, monkeypatch):
    issued(client, clock)
    from chalicelib.storage.billing import BillingRepository
    real = BillingRepository.append
    failing = {"left": 1}

    def append(self, entry, *args, **kwargs):
        if entry.type == "reject" and failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("DynamoDB timed out")
        return real(self, entry, *args, **kwargs)
    monkeypatch.setattr(BillingRepository, "append", append)
    clock.set(datetime(2027, 1, 13, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    url = "/staff/billing/2026-11/debits/2026-000001/reject"
    assert admin.post(url, {"code": "AM04"}).status_code == 500
    again = ok(admin.post(url, {"code": "AM04"}))
    assert again["debit"]["status"] == "rejete"
    ok(admin.post(url, {"code": "AM04"}))  # and a third time: nothing more
    parent = signed_in(client, *FAMILY)
    statement = ok(parent.get("/family/statement"))
    assert statement["balance_cents"] == 550
    assert len([li for li in statement["lines"] if li["type"] == "reject"]) == 1
    assert len([m for m in outbox() if m["subject"].startswith("Prélèvement rejeté")]) == 1
    from chalicelib.storage.mandates import MandateRepository
    assert MandateRepository().current(FAMILY_NUMBER).rejects == 1


def test_a_reject_dated_before_the_file_still_makes_the_invoice_due(client, clock,
                                                                   november_confirmed):
    issued(client, clock)
    admin = signed_in(client, *ADMIN)
    ok(admin.post("/staff/billing/2026-11/debits/2026-000001/reject",
                  {"code": "MD06", "date": "2026-11-20"}))
    parent = signed_in(client, *FAMILY)
    (invoice,) = ok(parent.get("/family/invoices"))["invoices"]
    assert (invoice["status"], invoice["remaining_cents"]) == ("unpaid", 550)
    (line,) = [li for li in ok(parent.get("/family/statement"))["lines"]
               if li["type"] == "reject"]
    assert line["date"] == "2026-12-02" and "Rejet du 20/11/2026" in line["reference"]


def test_a_file_being_issued_makes_a_second_click_wait(client, clock, november_confirmed,
                                                       services):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    from chalicelib.storage.billing import BillingRepository
    assert BillingRepository().claim("debit-file#2026-11", "another-call",
                                     datetime(2026, 12, 2, 9, 5, tzinfo=PARIS),
                                     datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    assert ok(admin.post("/staff/billing/2026-11/debits/file"), 409)["error"]["code"] == \
        "debit_file_busy"
    assert ok(admin.get("/staff/billing/2026-11/debits"))["debits"][0]["status"] == "prevu"
    # Once the other call's lease is over, the file is issued.
    clock.set(datetime(2026, 12, 2, 9, 6, tzinfo=PARIS))
    assert ok(signed_in(client, *ADMIN).post("/staff/billing/2026-11/debits/file")
              )["issued"]["debits"] == 1


def test_an_account_changed_after_the_notice_is_debited_as_it_stands(
        client, clock, november_confirmed, pain_008_schema):
    from dataclasses import replace

    from chalicelib.domain.sepa import check_account
    from chalicelib.storage.mandates import MandateRepository
    repository = MandateRepository()
    mandate = repository.current(FAMILY_NUMBER)
    repository.save(replace(mandate, account=check_account(CREDITOR_IBAN, "BDFEFRPPCCT"),
                            amended_from=mandate.account))
    issued(client, clock)
    data = signed_in(client, *ADMIN).get(
        "/staff/billing/2026-11/debits/files/2026-11-01/xml",
        headers={"Accept": "application/xml"}).body
    root = etree.fromstring(data)
    pain_008_schema.assertValid(root)
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == CREDITOR_IBAN
    # Its first debit: no amendment for a bank that never saw the mandate.
    assert root.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert root.find(".//p:AmdmntInd", NS) is None
    assert repository.current(FAMILY_NUMBER).collected is True


def test_a_file_too_close_to_the_debit_date_moves_it(client, clock, november_confirmed,
                                                     outbox):
    # Friday 8 January for Monday 11: one business day, the bank needs two.
    result = issued(client, clock, datetime(2027, 1, 8, 9, 0, tzinfo=PARIS))
    assert (result["issued"]["debits"], result["issued"]["moved"]) == (0, 1)
    assert result["debits"][0]["collection_date"] == "2027-02-10"


def test_a_notice_that_failed_is_given_again_with_a_date_it_can_keep(client, clock, services,
                                                                      outbox, monkeypatch):
    offers_direct_debit(client)
    signs_mandate(services)
    books(signed_in(client, *FAMILY), "2026-11-30")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    from chalicelib.mail.sender import Mailer
    real = Mailer.send

    def send(self, message):
        if message.subject.startswith("Prélèvement du "):
            raise RuntimeError("SES throttled")
        return real(self, message)
    monkeypatch.setattr(Mailer, "send", send)
    assert bills(signed_in(client, *ADMIN), "2026-11")["debits"]["announced"] == 0
    monkeypatch.setattr(Mailer, "send", real)
    # Confirmed again on 6 January: 11 January is too close for 14 days' notice.
    clock.set(datetime(2027, 1, 6, 8, 0, tzinfo=PARIS))
    again = ok(signed_in(client, *ADMIN).post("/staff/billing/2026-11/confirm"))
    assert again["debits"]["announced"] == 1
    (notice,) = notices(outbox)
    assert notice["subject"] == "Prélèvement du 10/02/2027 : 5,50 €"


def test_a_payment_at_the_town_hall_cancels_an_announced_debit_and_is_refused_once_sent(
        client, clock, november_confirmed, outbox):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    admin = signed_in(client, *ADMIN)
    ok(admin.post("/staff/families/1001/payments",
                  {"amount_cents": 550, "method": "cheque", "invoice": "2026-000001"},
                  headers={"Idempotency-Key": "cheque-0001"}), 201)
    result = ok(admin.post("/staff/billing/2026-11/debits/file"))
    assert (result["issued"]["cancelled"], result["files"]) == (1, [])
    (told,) = [m for m in outbox() if m["subject"].startswith("Prélèvement annulé")]
    assert "n'aura pas lieu" in told["text"]


def test_a_payment_at_the_town_hall_for_a_debit_sent_is_refused(client, clock,
                                                                november_confirmed):
    issued(client, clock)
    admin = signed_in(client, *ADMIN)
    refused = ok(admin.post("/staff/families/1001/payments",
                            {"amount_cents": 550, "method": "cheque",
                             "invoice": "2026-000001"},
                            headers={"Idempotency-Key": "cheque-0002"}), 409)
    assert refused["error"]["code"] == "paid_by_debit"


@pytest.mark.parametrize("code", [["AM04"], {"AM04": 1}, 4, None, "am04"])
def test_a_malformed_reject_reason_is_refused_in_french(client, clock, november_confirmed,
                                                       code):
    issued(client, clock)
    refused = ok(signed_in(client, *ADMIN).post(
        "/staff/billing/2026-11/debits/2026-000001/reject", {"code": code}), 400)
    assert refused["error"]["code"] == "invalid_reject_reason"
