"""« Mon enfant est malade » end to end: a parent reports a sick morning after the change
deadline and until the commune's cut-off (08:30 by default); the agent's list and the
kitchen's counts show it; the invoice applies the commune's rule; a medical certificate
is uploaded from the phone and accepted by the admin.

TOTO (1001-1) is booked for lunch on Mon 30 Nov, Tue 1, Thu 3, Fri 4 and Mon 7 December
2026 (the demo commune: Mon, Tue, Thu, Fri; Thursday 17:00 for the following week).
"""
from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.api.test_bookings import neighbour  # noqa: F401  (a fixture: a second family)
from tests.client import Api, body, sign_in
from tests.demo import ADMIN, FAMILY
from tests.demo import FAMILY_CHILD as CHILD

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("2026-11-30", "2026-12-01", "2026-12-03", "2026-12-04", "2026-12-07")
PDF = b"%PDF-1.4\n% certificat medical\n%%EOF\n"


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def error(response, status):
    assert response.status_code == status, response.body
    return body(response)["error"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def booked(client, clock):
    """TOTO's lunches booked on Monday 23 November; returns a function that moves the
    clock and signs the parent in again (a session idles out after an hour)."""
    parent = sign_in(Api(client), *FAMILY)
    ok(parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": day, "service": "meal", "booked": True} for day in DAYS]}))

    def at(iso: str, who=FAMILY) -> Api:
        clock.set(datetime.fromisoformat(iso).replace(tzinfo=PARIS))
        return sign_in(Api(client), *who)
    return at


def sick(api, day, child=CHILD):
    return api.post(f"/children/{child}/sick-days", {"date": day})


def test_a_sick_morning_is_reported_before_the_cut_off_and_a_repeat_changes_nothing(booked):
    parent = booked("2026-12-01T07:45:00")
    first = ok(sick(parent, "2026-12-01"), 201)
    assert (first["date"], first["services"], first["certificate"]) == (
        "2026-12-01", ["meal"], None)
    again = ok(sick(parent, "2026-12-01"), 200)
    assert again == first
    listed = ok(parent.get("/family/sick-days"))
    assert [r["date"] for r in listed["reports"]] == ["2026-12-01"]
    assert listed["sickness"]["cutoff"] == "08:30"
    # The family's copy of its data (RGPD) holds it too.
    exported = ok(parent.get("/family/export"))["records"][0]["sick_days"]
    assert [(r["date"], r["services"]) for r in exported] == [("2026-12-01", ["meal"])]


def test_after_the_cut_off_the_report_is_refused_in_french(booked):
    parent = booked("2026-12-01T08:30:00")
    refused = error(sick(parent, "2026-12-01"), 409)
    assert refused["code"] == "sick_report_too_late"
    assert "Trop tard" in refused["message"] and "08:30" in refused["message"]


def test_a_day_not_booked_is_refused(booked):
    parent = booked("2026-12-01T07:00:00")
    assert error(sick(parent, "2026-12-02"), 400)["code"] == "not_booked"  # Wednesday
    assert error(sick(parent, "2026-12-08"), 400)["code"] == "not_booked"


def test_a_day_still_open_is_cancelled_rather_than_reported(booked):
    parent = booked("2026-11-24T07:00:00")  # the week of 30 November closes on Thursday
    assert error(sick(parent, "2026-11-30"), 409)["code"] == "sick_report_cancel_instead"


def test_another_familys_child_is_not_found(booked, request):
    booked("2026-12-01T07:00:00")
    api = request.getfixturevalue("neighbour")
    assert error(sick(api, "2026-12-01"), 404)["code"] == "not_found"


def test_the_agents_list_shows_the_sick_child(booked):
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    admin = sign_in(Api(parent.client), *ADMIN)
    listed = ok(admin.get("/staff/attendance?date=2026-12-01&service=meal"))
    assert [(c["child_id"], c["sick"]) for c in listed["children"]] == [(CHILD, True)]
    reports = ok(admin.get("/staff/sick-days?from=2026-12-01&to=2026-12-31"))["reports"]
    assert [(r["child_id"], r["date"], r["first_name"]) for r in reports] == [
        (CHILD, "2026-12-01", "TOTO")]


def test_the_frozen_head_count_of_a_day_not_yet_cooked_drops(booked):
    parent = booked("2026-12-01T07:00:00")
    admin = sign_in(Api(parent.client), *ADMIN)
    ok(admin.post("/staff/jobs/lock"))
    before = ok(admin.get("/staff/headcounts?from=2026-12-01&to=2026-12-01"))["days"]
    meal = next(r for r in before if r["service"] == "meal")
    assert (meal["locked"], meal["total"], meal["sick"], meal["to_cook"]) == (True, 1, 0, 1)
    ok(sick(parent, "2026-12-01"), 201)
    after = ok(admin.get("/staff/headcounts?from=2026-12-01&to=2026-12-01"))["days"]
    meal = next(r for r in after if r["service"] == "meal")
    assert (meal["locked"], meal["total"], meal["sick"], meal["to_cook"]) == (True, 1, 1, 0)
    # The kitchen's file says the same: « Malades » 1, « À préparer » 0.
    from tests.api.test_staff_ops_exports import export, rows
    table = rows(export(admin, "headcounts", "from=2026-12-01&to=2026-12-01"))
    assert table[1] == ["01/12/2026", "Repas", "1", "1", "0", "0", "0", "1", "0", "Verrouillé"]


def december(booked, rule, certificate=None):
    """Sick on Tue 1 and Thu 3 December (one run: no school on Wednesday) under ``rule``;
    the December invoice's meal lines and total."""
    admin = booked("2026-11-30T10:00:00", ADMIN)
    ok(admin.put("/staff/settings", {"sickness": {"billing": rule, "certificate_days": 2}}))
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    ok(sick(parent, "2026-12-03"), 201)
    if certificate:
        ok(parent.post(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                       {"content_base64": b64(PDF), "content_type": "application/pdf"}), 201)
        admin = booked("2026-12-01T09:00:00", ADMIN)
        ok(admin.post(f"/staff/sick-days/{CHILD}/2026-12-01/certificate/decision",
                      {"decision": certificate}))
    admin = booked("2027-01-04T09:00:00", ADMIN)
    ok(admin.post("/staff/billing/2026-12/draft"))
    row = ok(admin.get("/staff/billing/2026-12"))["families"][0]
    return ([(line["label"], line["quantity"], line["amount_cents"], line["days"])
             for line in row["lines"]], row["total_cents"])


MEAL = ("Repas", 2, 700, ["2026-12-04", "2026-12-07"])


@pytest.mark.parametrize("rule, certificate, lines, total", [
    ("billed", None, [MEAL, ("Repas – absence maladie (facturée) : 01/12, 03/12", 2, 700,
                             ["2026-12-01", "2026-12-03"])], 1400),
    ("free", None, [MEAL, ("Repas – absence maladie justifiée (non facturée) : 01/12, 03/12", 2, 0,
                           ["2026-12-01", "2026-12-03"])], 700),
    ("carence", None, [MEAL, ("Repas – maladie, jour de carence : 01/12", 1, 350, ["2026-12-01"]),
                       ("Repas – absence maladie justifiée (non facturée) : 03/12", 1, 0,
                        ["2026-12-03"])], 1050),
    ("certificate", None, [MEAL, ("Repas – absence maladie (facturée) : 01/12, 03/12", 2, 700,
                                  ["2026-12-01", "2026-12-03"])], 1400),
    ("certificate", "refused", [MEAL, ("Repas – absence maladie (facturée) : 01/12, 03/12", 2, 700,
                                       ["2026-12-01", "2026-12-03"])], 1400),
    ("certificate", "accepted", [MEAL, (
        "Repas – absence maladie justifiée (non facturée) : 01/12, 03/12", 2, 0,
        ["2026-12-01", "2026-12-03"])], 700),
])
def test_the_invoice_applies_the_communes_rule_and_shows_the_absence(booked, rule,
                                                                     certificate, lines,
                                                                     total):
    assert december(booked, rule, certificate) == (lines, total)


def test_a_wrong_type_or_too_large_certificate_is_refused(booked):
    parent = booked("2026-12-01T07:00:00")
    ok(sick(parent, "2026-12-01"), 201)
    url = f"/children/{CHILD}/sick-days/2026-12-01/certificate"
    exe = error(parent.post(url, {"content_base64": b64(b"MZ\x90\x00rename.pdf"),
                                  "content_type": "application/pdf"}), 400)
    assert exe["code"] == "certificate_type" and "PDF" in exe["message"]
    big = b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024)
    assert error(parent.post(url, {"content_base64": b64(big),
                                   "content_type": "application/pdf"}), 400)["code"] == \
        "certificate_too_large"
    # No report that day: nothing to attach it to.
    assert error(parent.post(f"/children/{CHILD}/sick-days/2026-12-03/certificate",
                             {"content_base64": b64(PDF)}), 404)["code"] == "not_found"


def test_only_the_family_and_the_admin_can_read_the_certificate(booked, request):
    parent = booked("2026-12-01T07:00:00")
    other, agent = request.getfixturevalue("neighbour"), request.getfixturevalue("agent")
    ok(sick(parent, "2026-12-01"), 201)
    shown = ok(parent.post(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                           {"content_base64": b64(PDF), "content_type": "application/pdf"}),
               201)
    assert shown["certificate"]["status"] == "pending" and "key" not in shown["certificate"]
    accept = {"Accept": "application/pdf"}
    own = parent.get(f"/children/{CHILD}/sick-days/2026-12-01/certificate", headers=accept)
    assert (own.status_code, own.body) == (200, PDF)
    assert own.headers["Content-Type"] == "application/pdf"
    assert error(other.get(f"/children/{CHILD}/sick-days/2026-12-01/certificate",
                           headers=accept), 404)["code"] == "not_found"
    admin = sign_in(Api(parent.client), *ADMIN)
    staff = admin.get(f"/staff/sick-days/{CHILD}/2026-12-01/certificate", headers=accept)
    assert (staff.status_code, staff.body) == (200, PDF)
    assert agent.get(f"/staff/sick-days/{CHILD}/2026-12-01/certificate",
                     headers=accept).status_code == 403
    pending = ok(admin.get("/staff/sick-days?from=2026-12-01&to=2026-12-31&pending=1"))
    assert [r["date"] for r in pending["reports"]] == ["2026-12-01"]
    decided = ok(admin.post(f"/staff/sick-days/{CHILD}/2026-12-01/certificate/decision",
                            {"decision": "accepted"}))
    assert decided["certificate"]["status"] == "accepted"
    assert ok(admin.get("/staff/sick-days?from=2026-12-01&to=2026-12-31&pending=1"))[
        "reports"] == []


def test_the_commune_sets_the_cut_off_and_the_rule_with_french_errors(admin):
    saved = ok(admin.put("/staff/settings", {"sickness": {"cutoff": "09:15",
                                                           "billing": "carence"}}))
    assert saved["sickness"] == {"enabled": True, "cutoff": "09:15", "billing": "carence",
                                 "certificate_days": 2}
    wrong = error(admin.put("/staff/settings", {"sickness": {"cutoff": "9h"}}), 400)
    assert (wrong["code"], wrong["details"]) == ("invalid_sickness",
                                                 {"field": "sickness.cutoff"})


def test_the_invoice_pdf_shows_the_justified_absence(booked, client):
    december(booked, "carence")
    admin = booked("2027-01-04T09:00:00", ADMIN)
    ok(admin.post("/staff/billing/2026-12/confirm"))
    number = ok(admin.get("/staff/invoices?month=2026-12"))["invoices"][0]["number"]
    pdf = admin.get(f"/staff/families/1001/invoices/{number}/pdf",
                    headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200
    import io

    from pypdf import PdfReader
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    text = " ".join(text.split())
    assert "Repas – maladie, jour de carence : 01/12 1 3,50 € 3,50 €" in text
    assert "absence maladie justifiée (non facturée) : 03/12 1 0,00 € 0,00 €" in text
