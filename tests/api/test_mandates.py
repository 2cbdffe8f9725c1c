"""Direct-debit mandates end to end: the demo commune offers direct debit (ICS
FR72ZZZ123456); family 1001 signs online, double-clicks, changes account (same RUM, the
former account kept for the amendment), stops it, signs again under the next rank; the
admin enters a paper mandate, suspends, resumes and revokes. No answer, e-mail or export
ever shows an IBAN in full, and no other family sees the mandate."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from chalicelib.domain.sepa import MANDATE_TEXT_VERSION
from tests.api.test_bookings import neighbour  # noqa: F401  (a fixture: a second family)
from tests.client import Api, body, sign_in
from tests.demo import ADMIN, FAMILY, FAMILY_EMAIL, FAMILY_NUMBER

PARIS = ZoneInfo("Europe/Paris")
IBAN = "FR7630006000011234567890189"          # Crédit Agricole test account
IBAN_TYPED = "fr76 3000 6000 0112 3456 7890 189"
OTHER_IBAN = "DE89370400440532013000"         # Commerzbank, Germany
THIRD_IBAN = "FR1420041010050500013M02606"    # La Banque Postale
IBANS = (IBAN, OTHER_IBAN, THIRD_IBAN, "30006000011234567890189", "34567890189")
RUM1, RUM2 = f"RUM-{FAMILY_NUMBER}-001", f"RUM-{FAMILY_NUMBER}-002"
STAFF_MANDATES = f"/staff/families/{FAMILY_NUMBER}/mandates"
PDF = {"Accept": "application/pdf"}  # as a browser asks: the body comes back as bytes


def ok(response, status=200):
    assert response.status_code == status, response.body
    assert_masked(response.body)
    return body(response)


def error(response, status):
    assert response.status_code == status, response.body
    return body(response)["error"]


def assert_masked(raw: bytes | str | None) -> None:
    """No IBAN in clear, nor its account number."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else (raw or "")
    compact = "".join(text.split()).upper()
    for iban in IBANS:
        assert iban not in compact, f"{iban} shown in clear"


def signature(iban=IBAN_TYPED, holder="Marie TEST", **more):
    return {"holder": holder, "iban": iban, "accept": True,
            "text_version": MANDATE_TEXT_VERSION, **more}


def test_the_family_reads_the_offer_and_the_mandate_text_before_signing(parent):
    found = ok(parent.get("/family/mandate"))
    assert found["mandate"] is None
    offer = found["offer"]
    assert (offer["enabled"], offer["creditor_id"], offer["debit_day"],
            offer["text_version"]) == (True, "FR72ZZZ123456", 10, MANDATE_TEXT_VERSION)
    assert "Commune de démonstration" in offer["text"][0]
    assert "14 jours" in offer["text"][2]


def test_a_family_signs_online_and_a_double_click_signs_once(client, clock, outbox):
    clock.set(datetime(2026, 11, 23, 21, 5, tzinfo=PARIS))
    parent = sign_in(Api(client), *FAMILY)
    signed = ok(parent.post("/family/mandate", signature()), 201)
    assert signed == {
        "family": FAMILY_NUMBER, "rum": RUM1, "holder": "Marie TEST",
        "iban_masked": "FR76 **** **** **** 0189", "bic": "AGRIFRPPXXX", "status": "active",
        "status_label": "Actif", "status_reason": "", "signed_on": "2026-11-23",
        "signed_at": "2026-11-23T21:05:00+01:00", "channel": "online",
        "text_version": MANDATE_TEXT_VERSION, "signed_by": FAMILY_EMAIL, "rejects": 0,
        "amendment_pending": False, "updated_at": "2026-11-23T21:05:00+01:00"}
    again = ok(parent.post("/family/mandate", signature()))
    assert again == signed
    assert ok(parent.get("/family/mandate"))["mandate"] == signed
    mails = [m for m in outbox() if "mandat" in m["text"]]
    assert len(mails) == 1
    assert mails[0]["to"] == [FAMILY_EMAIL]
    assert "RUM-1001-001" in mails[0]["text"] and "FR76 **** **** **** 0189" in mails[0]["text"]
    assert_masked(mails[0]["text"])


def test_the_same_mandate_created_twice_at_once_is_stored_once(parent, services):
    from chalicelib.storage.mandates import MandateRepository
    first = ok(parent.post("/family/mandate", signature()), 201)
    # The second request read no mandate yet: its creation meets the first one's RUM.
    repository = services.mandates._mandates
    real = repository.of_family
    stale = {"left": 1, "served": 0}

    def of_family(number):
        if stale["left"]:  # the first read only: as if the first request's write had not
            stale["left"] -= 1  # landed yet
            stale["served"] += 1
            return []
        return real(number)
    repository.of_family = of_family
    try:
        again = ok(parent.post("/family/mandate", signature()))
    finally:
        repository.of_family = real
    assert stale["served"] == 1  # the race was played: the stale read was used
    assert again == first
    assert len(MandateRepository().of_family(FAMILY_NUMBER)) == 1


def test_a_new_account_keeps_the_reference_and_the_former_account_for_the_amendment(
        parent, services):
    ok(parent.post("/family/mandate", signature()), 201)
    moved = ok(parent.post("/family/mandate", signature(OTHER_IBAN)))
    assert (moved["rum"], moved["iban_masked"], moved["bic"], moved["amendment_pending"],
            moved["status"]) == (RUM1, "DE89 **** **** **** 3000", "COBADEFFXXX", True,
                                 "active")
    # A second change before any file: the amendment still names the first account.
    ok(parent.post("/family/mandate", signature(THIRD_IBAN)))
    stored = services.mandates.current(services.accounts.get_family(FAMILY_NUMBER))
    assert (stored.account.iban, stored.amended_from.iban) == (THIRD_IBAN, IBAN)
    # Back to the first account: nothing left to amend.
    back = ok(parent.post("/family/mandate", signature(IBAN)))
    assert back["amendment_pending"] is False and back["rum"] == RUM1


def test_stopping_revokes_for_good_and_a_new_signature_takes_the_next_rank(parent, outbox):
    ok(parent.post("/family/mandate", signature()), 201)
    assert error(parent.post("/family/mandate/revoke", {}), 400)["code"] == \
        "confirmation_required"
    stopped = ok(parent.post("/family/mandate/revoke", {"confirm": True}))
    assert (stopped["status"], stopped["status_reason"]) == ("revoked",
                                                             "Arrêté par la famille")
    assert ok(parent.post("/family/mandate/revoke", {"confirm": True})) == stopped
    assert any(m["subject"] == "Votre prélèvement automatique est arrêté" for m in outbox())
    renewed = ok(parent.post("/family/mandate", signature()), 201)
    assert (renewed["rum"], renewed["status"]) == (RUM2, "active")


@pytest.mark.parametrize("change, field, code", [
    ({"iban": "FR7630006000011234567890188"}, "iban", "invalid_iban"),
    ({"iban": ""}, "iban", "invalid_iban"),
    ({"iban": "GB33BUKB20201555555555", "bic": "X"}, "bic", "invalid_bic"),
    ({"holder": ""}, "holder", "invalid_holder"),
    ({"holder": "x" * 71}, "holder", "invalid_holder"),
    ({"accept": False}, "accept", "mandate_not_accepted"),
])
def test_a_signature_with_a_mistake_is_refused_on_its_field(parent, change, field, code):
    refused = error(parent.post("/family/mandate", {**signature(), **change}), 400)
    assert (refused["code"], refused["details"]["field"]) == (code, field)


def test_a_signature_of_a_former_text_is_refused(parent):
    stale = error(parent.post("/family/mandate", signature(text_version="2020-1")), 409)
    assert stale["code"] == "mandate_text_changed"


def test_without_direct_debit_mandates_can_be_read_but_not_changed(parent, admin):
    ok(parent.post("/family/mandate", signature()), 201)
    ok(admin.put("/staff/settings", {"direct_debit": {"enabled": False}}))
    off = ok(parent.get("/family/mandate"))
    assert off["offer"]["enabled"] is False and off["mandate"]["rum"] == RUM1
    for refused in (parent.post("/family/mandate", signature(OTHER_IBAN)),
                    parent.post("/family/mandate/revoke", {"confirm": True}),
                    admin.post(f"{STAFF_MANDATES}/{RUM1}/suspend", {"reason": "x"}),
                    admin.post(f"{STAFF_MANDATES}/{RUM1}/revoke", {}),
                    admin.post(STAFF_MANDATES, {"holder": "A", "iban": IBAN,
                                                "signed_on": "2026-01-05"})):
        answer = error(refused, 409)
        assert answer["code"] == "direct_debit_off"
        assert "prélèvement" in answer["message"]
    assert ok(admin.get(STAFF_MANDATES))["mandates"][0]["status"] == "active"


def test_staff_suspend_resume_and_revoke_and_each_step_is_told_and_logged(
        parent, admin, outbox):
    ok(parent.post("/family/mandate", signature()), 201)
    assert error(admin.post(f"{STAFF_MANDATES}/{RUM1}/suspend", {}), 400)["code"] == \
        "reason_required"
    suspended = ok(admin.post(f"{STAFF_MANDATES}/{RUM1}/suspend",
                              {"reason": "Compte à vérifier"}))
    assert (suspended["status"], suspended["status_reason"]) == ("suspended",
                                                                 "Compte à vérifier")
    # A new account while suspended: it stays suspended until staff resume it.
    assert ok(parent.post("/family/mandate", signature(OTHER_IBAN)))["status"] == "suspended"
    assert error(admin.post(f"{STAFF_MANDATES}/{RUM1}/suspend", {"reason": "x"}),
                 409)["code"] == "mandate_not_active"
    resumed = ok(admin.post(f"{STAFF_MANDATES}/{RUM1}/resume", {}))
    assert (resumed["status"], resumed["rejects"], resumed["status_reason"]) == (
        "active", 0, "")
    assert error(admin.post(f"{STAFF_MANDATES}/{RUM1}/resume", {}), 409)["code"] == \
        "mandate_not_suspended"
    revoked = ok(admin.post(f"{STAFF_MANDATES}/{RUM1}/revoke", {"reason": "Déménagement"}))
    assert revoked["status"] == "revoked"
    assert error(admin.post(f"{STAFF_MANDATES}/{RUM1}/resume", {}), 409)["code"] == \
        "mandate_revoked"
    subjects = [m["subject"] for m in outbox() if m["to"] == [FAMILY_EMAIL]]
    for subject in ("Votre mandat de prélèvement est enregistré",
                    "Votre prélèvement automatique est suspendu",
                    "Le compte de votre prélèvement a changé",
                    "Votre prélèvement automatique reprend",
                    "Votre prélèvement automatique est arrêté"):
        assert subject in subjects
    for mail in outbox():
        assert_masked(mail["text"])
    journal = ok(admin.get("/staff/audit?from=2026-11-23&to=2026-11-23"))["entries"]
    labels = [e["label"] for e in journal if e["action"].startswith("mandat.")]
    assert "Mandat de prélèvement suspendu – famille n° 1001 TEST – RUM-1001-001 – " \
           "Compte à vérifier" in labels
    assert len(labels) == 5
    assert_masked(str(journal))


def test_staff_enter_a_paper_mandate_once_the_online_one_is_revoked(parent, admin):
    paper = {"holder": "Paul TEST", "iban": THIRD_IBAN, "signed_on": "2026-11-20"}
    entered = ok(admin.post(STAFF_MANDATES, paper), 201)
    assert (entered["rum"], entered["channel"], entered["text_version"],
            entered["signed_by"], entered["signed_at"], entered["bic"]) == (
        RUM1, "paper", "papier", "mairie@example.org", None, "PSSTFRPP")
    assert error(admin.post(STAFF_MANDATES, paper), 409)["code"] == "mandate_exists"
    # The family sees it, and signing online moves it to another account.
    assert ok(parent.get("/family/mandate"))["mandate"]["rum"] == RUM1
    ok(admin.post(f"{STAFF_MANDATES}/{RUM1}/revoke", {}))
    second = ok(admin.post(STAFF_MANDATES, {**paper, "signed_on": "2026-11-23"}), 201)
    assert second["rum"] == RUM2
    assert [m["rum"] for m in ok(admin.get(STAFF_MANDATES))["mandates"]] == [RUM1, RUM2]


@pytest.mark.parametrize("signed_on, code", [
    ("2026-11-24", "invalid_signed_on"),    # tomorrow
    ("2009-10-31", "invalid_signed_on"),    # before SEPA
    ("23/11/2026", "invalid_request"),
])
def test_a_paper_mandate_is_dated_between_sepa_and_today(admin, signed_on, code):
    refused = error(admin.post(STAFF_MANDATES, {"holder": "Paul TEST", "iban": IBAN,
                                                "signed_on": signed_on}), 400)
    assert (refused["code"], refused["details"]["field"]) == (code, "signed_on")


def test_unknown_families_and_references_are_not_found(admin):
    assert error(admin.get("/staff/families/9999/mandates"), 404)["code"] == "not_found"
    assert error(admin.post(f"{STAFF_MANDATES}/RUM-1001-009/resume", {}), 404)["code"] == \
        "not_found"
    assert error(admin.get(f"{STAFF_MANDATES}/RUM-1001-009/pdf"), 404)["code"] == \
        "not_found"


def test_another_family_sees_neither_the_mandate_nor_its_pdf(parent, neighbour):  # noqa: F811
    ok(parent.post("/family/mandate", signature()), 201)
    assert ok(neighbour.get("/family/mandate"))["mandate"] is None
    assert error(neighbour.get("/family/mandate/pdf"), 404)["code"] == "not_found"
    assert error(neighbour.post("/family/mandate/revoke", {"confirm": True}),
                 404)["code"] == "not_found"
    assert b"RUM-1001" not in neighbour.get("/family/mandate").body
    # Its own signature gets its own reference.
    assert ok(neighbour.post("/family/mandate", signature(OTHER_IBAN)), 201)["rum"] == \
        "RUM-1002-001"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_mandate_pdf_says_what_was_signed_and_when(client, clock):
    clock.set(datetime(2026, 11, 23, 21, 5, tzinfo=PARIS))
    parent, admin = sign_in(Api(client), *FAMILY), sign_in(Api(client), *ADMIN)
    ok(parent.put("/family", {"address": "12 rue des Écoles\n69870 Saint-Just-d'Avray"}))
    ok(parent.post("/family/mandate", signature()), 201)
    answer = parent.get("/family/mandate/pdf", headers=PDF)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    text = pdf_text(answer.body)
    for expected in ("Mandat de prélèvement SEPA", RUM1, "FR72ZZZ123456",
                     "Commune de démonstration", "Marie TEST", "12 rue des Écoles",
                     "FR76 **** **** **** 0189", "AGRIFRPPXXX", "Paiement récurrent",
                     "Signé électroniquement le 23/11/2026 à 21:05",
                     "Vous bénéficiez du droit d'être remboursé"):
        assert expected in text, expected
    assert_masked(text)
    staff = admin.get(f"{STAFF_MANDATES}/{RUM1}/pdf", headers=PDF)
    assert staff.status_code == 200 and RUM1 in pdf_text(staff.body)


def test_a_paper_mandates_pdf_gives_its_date(admin):
    ok(admin.post(STAFF_MANDATES, {"holder": "Paul TEST", "iban": IBAN,
                                   "signed_on": "2026-11-02"}), 201)
    text = pdf_text(admin.get(f"{STAFF_MANDATES}/{RUM1}/pdf", headers=PDF).body)
    assert "Mandat papier signé le 02/11/2026" in text
    assert_masked(text)


def test_the_familys_data_export_lists_its_mandates_masked(parent):
    ok(parent.post("/family/mandate", signature()), 201)
    ok(parent.post("/family/mandate/revoke", {"confirm": True}))
    ok(parent.post("/family/mandate", signature(OTHER_IBAN)), 201)
    exported = ok(parent.get("/family/export"))
    assert [(m["rum"], m["holder"], m["iban_masked"], m["status"], m["signed_on"])
            for m in exported["mandates"]] == [
        (RUM1, "Marie TEST", "FR76 **** **** **** 0189", "revoked", "2026-11-23"),
        (RUM2, "Marie TEST", "DE89 **** **** **** 3000", "active", "2026-11-23")]


def test_mandate_routes_are_the_admins(request):
    agent = request.getfixturevalue("agent")
    assert error(agent.get(STAFF_MANDATES), 403)["code"] == "forbidden"


def test_the_answers_match_the_openapi_document(parent, admin):
    import yaml

    from tests.api.test_openapi import DOC_PATH, response_schema, validator_for
    doc = yaml.safe_load(DOC_PATH.read_text(encoding="utf-8"))
    validator_for(doc, response_schema(doc, "POST", "/family/mandate", "201")).validate(
        ok(parent.post("/family/mandate", signature()), 201))
    validator_for(doc, response_schema(doc, "GET", "/family/mandate")).validate(
        ok(parent.get("/family/mandate")))
    validator_for(doc, response_schema(doc, "GET", "/staff/families/{number}/mandates")
                  ).validate(ok(admin.get(STAFF_MANDATES)))
