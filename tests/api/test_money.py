"""Money billed, paid and credited exactly once: the defects found by clicking through a
month as a secretary and a parent, and by an adversarial tester, each pinned down.

Every test names what a commune or a parent would see go wrong.
"""
from __future__ import annotations

import csv
import io
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attendance import AttendanceRecord
from chalicelib.storage.models import JobRunModel, MarkModel
from tests.client import Api, body, invoice, pay
from tests.demo import ADMIN, FAMILY_NUMBER, FAMILY_PASSWORD

PARIS = ZoneInfo("Europe/Paris")
CHILD = "1001-1"


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def sign_in(client, login=FAMILY_NUMBER, password=FAMILY_PASSWORD) -> Api:
    """A new browser, signed in (the family's by default): the clock moves in most tests
    here, and sessions idle for an hour end."""
    caller = Api(client)
    ok(caller.login(login, password))
    return caller


def book(parent: Api, *days: str, service: str = "meal") -> None:
    ok(parent.put(f"/children/{CHILD}/bookings", {"changes": [
        {"date": d, "service": service, "booked": True} for d in days]}))


@pytest.fixture
def seven_euros(client, clock):
    """TOTO lunches on Monday 30 November and Tuesday 1 December... of November only the
    Monday: family 1001 owes 3.50 € for November; then two meals in December (7.00 €).
    Returns (admin, parent) signed in on 4 January 2027, December invoiced too."""
    parent = sign_in(client)
    book(parent, "2026-11-30", "2026-12-03", "2026-12-04")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    invoice(admin, "2026-11")
    clock.set(at(2027, 1, 4, 8, 0))
    admin = sign_in(client, *ADMIN)
    invoice(admin, "2026-12")
    return admin, sign_in(client)


def invoices_of(parent: Api) -> dict[str, dict]:
    return {i["number"]: i for i in ok(parent.get("/family/invoices"))["invoices"]}


def balance(parent: Api) -> int:
    return ok(parent.get("/family/statement"))["balance_cents"]


def idop_of(url: str) -> str:
    return url.split("idop=")[1]


# -- 3. a paid state that tells the truth; "Payer en ligne" asks for what remains ------------

def test_a_partial_payment_leaves_the_invoice_partly_paid_and_paypal_asks_only_the_rest(
        seven_euros, payfip):
    admin, parent = seven_euros
    ok(pay(admin, "1001", {"amount_cents": 500, "method": "cheque",
                           "invoice": "2027-000001"}), 201)
    december = invoices_of(parent)["2027-000001"]
    assert (december["status"], december["paid_cents"], december["remaining_cents"]) == \
        ("partial", 500, 200)
    assert december["status_label"] == "Partiellement payée"
    start = ok(parent.post("/family/invoices/2027-000001/payfip"))
    idop = idop_of(start["redirect_url"])
    assert start["amount_cents"] == 200
    assert payfip.payment(idop)["montant"] == "200"
    payfip.settle(idop, "P")
    assert ok(parent.get(f"/family/payfip/return?idop={idop}"))["status"] == "paid"
    assert invoices_of(parent)["2027-000001"]["status"] == "paid"
    # November (3.50 €) still owed: nothing was overcharged.
    assert balance(parent) == 350


def test_payments_settle_the_oldest_invoices_first_unless_staff_choose(seven_euros):
    admin, parent = seven_euros
    ok(pay(admin, "1001", {"amount_cents": 400, "method": "especes"}), 201)
    states = invoices_of(parent)
    assert (states["2026-000001"]["status"], states["2027-000001"]["status"]) == \
        ("paid", "partial")
    assert states["2027-000001"]["remaining_cents"] == 650


# -- 4. one live online payment per invoice --------------------------------------------------

def test_paying_online_twice_resumes_the_live_attempt_and_credits_once(seven_euros, payfip):
    _, parent = seven_euros
    first = ok(parent.post("/family/invoices/2027-000001/payfip"))
    second = ok(parent.post("/family/invoices/2027-000001/payfip"))
    assert second["redirect_url"] == first["redirect_url"] and second["resumed"] is True
    created = [o for o in payfip.operations if o.get("operation") == "creerPaiementSecurise"]
    assert len(created) == 1
    idop = idop_of(first["redirect_url"])
    payfip.settle(idop, "P")
    ok(parent.get(f"/family/payfip/return?idop={idop}"))
    assert balance(parent) == 350
    assert parent.post("/family/invoices/2027-000001/payfip").status_code == 409


def test_an_abandoned_answer_is_not_final_at_once_and_a_stale_attempt_makes_the_parent_wait(
        seven_euros, payfip, clock):
    _, parent = seven_euros
    idop = idop_of(ok(parent.post("/family/invoices/2027-000001/payfip"))["redirect_url"])
    payfip.settle(idop, "A")
    # PayFip may still turn an "A" into a payment: the same attempt is resumed.
    again = ok(parent.post("/family/invoices/2027-000001/payfip"))
    assert idop_of(again["redirect_url"]) == idop
    clock.set(clock.now() + timedelta(minutes=16))
    waiting = parent.post("/family/invoices/2027-000001/payfip")
    assert waiting.status_code == 409
    assert body(waiting)["error"]["code"] == "payment_in_progress"
    clock.set(clock.now() + timedelta(minutes=5))
    fresh = ok(parent.post("/family/invoices/2027-000001/payfip"))
    assert idop_of(fresh["redirect_url"]) != idop


def test_a_click_at_the_very_minute_the_attempt_stops_living_opens_a_new_one(
        seven_euros, payfip, clock):
    """The attempt lives 20 minutes: at exactly the 20th the parent's click opens a new
    attempt (the page once went round in circles there: the click found the attempt over
    while its marker, compared the other way, still held it)."""
    _, parent = seven_euros
    started = clock.now()
    idop = idop_of(ok(parent.post("/family/invoices/2027-000001/payfip"))["redirect_url"])
    clock.set(started + timedelta(minutes=20))
    fresh = ok(parent.post("/family/invoices/2027-000001/payfip"))
    assert idop_of(fresh["redirect_url"]) != idop and fresh["amount_cents"] == 700


def test_two_simultaneous_clicks_open_a_single_attempt(seven_euros, payfip, services):
    family = services.accounts.get_family("1001")
    answers: list = []

    def click():
        answers.append(services.payments.start("1001", family.emails[0], "2027-000001",
                                               services.clock.now()))

    threads = [threading.Thread(target=click) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a["redirect_url"] for a in answers}) == 1
    assert len(services.payments._attempts.pending()) == 1


def test_money_paypal_confirms_for_an_invoice_settled_meanwhile_is_credited_and_listed(
        seven_euros, payfip):
    admin, parent = seven_euros
    idop = idop_of(ok(parent.post("/family/invoices/2026-000001/payfip"))["redirect_url"])
    ok(pay(admin, "1001", {"amount_cents": 1050, "method": "cheque"}), 201)  # all settled
    payfip.settle(idop, "P")
    ok(parent.get(f"/family/payfip/return?idop={idop}"))
    assert balance(parent) == -350                      # credited, never lost
    listed = ok(admin.get("/staff/overpayments"))["overpayments"]
    assert [(o["family"], o["amount_cents"], o["family_name"]) for o in listed] == \
        [("1001", 350, "TEST")]
    refunded = ok(admin.post(f"/staff/overpayments/{listed[0]['id']}",
                             {"action": "refund", "method": "virement"}))
    assert refunded["status"] == "refunded"
    assert balance(parent) == 0
    assert ok(admin.get("/staff/overpayments"))["overpayments"] == []
    again = admin.post(f"/staff/overpayments/{listed[0]['id']}", {"action": "keep"})
    assert again.status_code == 409


# -- 5. staff payments are idempotent; dates within a sensible window ------------------------

def test_a_payment_sent_twice_with_its_key_is_recorded_once(seven_euros):
    admin, parent = seven_euros
    payment = {"amount_cents": 300, "method": "cheque", "reference": "123"}
    first = ok(pay(admin, "1001", payment, key="form-0001"), 201)
    second = ok(pay(admin, "1001", payment, key="form-0001"), 201)
    assert first == second
    assert balance(parent) == 1050 - 300
    other = pay(admin, "1001", {**payment, "amount_cents": 900}, key="form-0001")
    assert other.status_code == 409
    assert body(other)["error"]["code"] == "idempotency_key_reused"
    assert balance(parent) == 1050 - 300


def test_a_payment_without_its_key_is_refused(seven_euros):
    admin, parent = seven_euros
    response = admin.post("/staff/families/1001/payments",
                          {"amount_cents": 300, "method": "cheque"})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "idempotency_key_required"
    # A key in the body that is not text is refused even beside a good header.
    typed = pay(admin, "1001", {"amount_cents": 300, "method": "cheque",
                                "idempotency_key": 12345678}, key="form-0002")
    assert typed.status_code == 400
    assert body(typed)["error"]["code"] == "idempotency_key_required"
    assert balance(parent) == 1050


def test_parallel_duplicates_of_a_payment_record_one(seven_euros, services):
    _, parent = seven_euros
    results: list = []

    def send():
        results.append(services.billing.record_payment(
            "1001", {"amount_cents": 200, "method": "especes"}, "double-click-42",
            services.clock.now(), "mairie@example.org"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert sum(1 for _, recorded in results if recorded) == 1
    assert len({str(answer) for answer, _ in results}) == 1
    assert balance(parent) == 1050 - 200


# -- 1. closures release bookings -----------------------------------------------------------

def test_a_closure_releases_the_days_it_closes_everywhere_and_tells_the_family(
        client, clock, outbox):
    parent = sign_in(client)
    book(parent, "2026-11-30", "2026-12-01")
    book(parent, "2026-11-30", service="care_evening")
    admin = sign_in(client, *ADMIN)
    closure = ok(admin.post("/staff/closures", {"start": "2026-11-30", "end": "2026-11-30",
                                                "label": "Grève"}), 201)
    assert (closure["released"]["released"], closure["released"]["families"]) == (2, 1)
    home = ok(parent.get("/family/home"))
    days = [d["date"] for c in home["bookings"]["children"] for d in c["days"]]
    assert "2026-11-30" not in days and "2026-12-01" in days
    csv_text = admin.get("/staff/exports/bookings.csv?from=2026-11-30&to=2026-11-30").body
    assert "TOTO" not in csv_text.decode("utf-8")
    mails = [m for m in outbox() if m["subject"].startswith("Des réservations ont été annulées")]
    assert len(mails) == 1
    assert "Grève" in mails[0]["text"] and "30/11/2026 : Repas, Garderie soir" in mails[0]["text"]
    # Kept in the family's history, with the reason.
    export = ok(parent.get("/family/export"))
    cancelled = export["records"][0]["cancelled_by_commune"]
    assert {(c["date"], c["service"]) for c in cancelled} == {
        ("2026-11-30", "meal"), ("2026-11-30", "care_evening")}
    assert all("Grève" in c["reason"] for c in cancelled)
    # Removing the closure books nothing again.
    assert admin.request("DELETE", f"/staff/closures/{closure['id']}").status_code == 204
    days = [d["date"] for c in ok(parent.get("/family/home"))["bookings"]["children"]
            for d in c["days"]]
    assert "2026-11-30" not in days
    # And November bills nothing.
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    assert invoice(admin, "2026-11")["invoiced"] == 0


def test_a_closure_on_a_locked_day_recounts_the_kitchen(client, clock, services):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 11, 26, 17, 30))     # past Thursday's deadline: the week is locked
    admin = sign_in(client, *ADMIN)
    ok(admin.post("/staff/jobs/lock"))
    rows = ok(admin.get("/staff/headcounts?from=2026-11-30&to=2026-11-30"))["days"]
    assert [(r["service"], r["total"], r["locked"]) for r in rows if r["service"] == "meal"] \
        == [("meal", 1, True)]
    ok(admin.post("/staff/closures", {"start": "2026-11-30", "end": "2026-11-30",
                                      "label": "Grève"}), 201)
    # The console no longer lists the closed day; the frozen count itself is redone.
    assert ok(admin.get("/staff/headcounts?from=2026-11-30&to=2026-11-30"))["days"] == []
    from chalicelib.storage.jobs import HeadcountRepository
    frozen = {h.service: h.total for h in HeadcountRepository().between(date(2026, 11, 30),
                                                                         date(2026, 11, 30))}
    assert frozen["meal"] == 0


def test_withdrawing_a_school_day_in_the_settings_releases_its_future_bookings(client,
                                                                             outbox):
    parent = sign_in(client)
    book(parent, "2026-11-30", "2026-12-01")       # a Monday and a Tuesday
    admin = sign_in(client, *ADMIN)
    settings = ok(admin.get("/staff/settings"))
    answer = ok(admin.put("/staff/settings", {"school_days": [2, 4, 5],
                                              "version": settings["version"]}))
    assert answer["released"]["released"] == 1
    days = [d["date"] for c in ok(parent.get("/family/home"))["bookings"]["children"]
            for d in c["days"]]
    assert days == ["2026-12-01"]
    assert any("retiré par la commune" in m["text"] for m in outbox())


# -- 2. only service days are billed ----------------------------------------------------------

@pytest.mark.parametrize("day, code", [
    ("2026-11-29", "not_a_service_day"),     # Sunday
    ("2026-11-11", "not_a_service_day"),     # Armistice
    ("2026-11-25", "not_a_service_day"),     # a Wednesday: no school in the demo commune
    ("2026-10-26", "not_a_service_day"),     # Toussaint holidays
])
def test_attendance_on_a_day_without_service_is_refused(client, clock, day, code):
    clock.set(at(2026, 11, 30, 18, 0))
    admin = sign_in(client, *ADMIN)
    response = admin.put("/staff/attendance", {"date": day, "service": "care_evening",
                                               "child_id": CHILD, "status": "present"})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == code
    assert "Pas de service" in body(response)["error"]["message"]


def test_attendance_for_an_archived_child_is_refused(client, clock):
    clock.set(at(2026, 11, 30, 18, 0))
    admin = sign_in(client, *ADMIN)
    ok(admin.post(f"/staff/families/1001/children/{CHILD}/archive"))
    response = admin.put("/staff/attendance", {"date": "2026-11-30", "service": "care_evening",
                                               "child_id": CHILD, "status": "present"})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "child_not_enrolled"


def test_the_draft_bills_nothing_outside_service_days_whatever_the_tables_hold(
        client, clock, services):
    # Records written behind the rules' back (an old version, a restore, a script).
    for day in (date(2026, 11, 29), date(2026, 11, 11), date(2026, 11, 30)):
        services.attendance_repository.put(AttendanceRecord(
            CHILD, "1001", day, "care_evening", "present", "16:30", "18:00", False, "", 0,
            "script", services.clock.now()))
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    ok(admin.post("/staff/billing/2026-11/draft"))
    month = ok(admin.get("/staff/billing/2026-11"))
    row = month["families"][0]
    assert row["total_cents"] == 200      # one evening care, on Monday 30 November
    billed_days = [d for line in row["lines"] for d in line["days"]]
    assert billed_days == ["2026-11-30"]
    ignored = [a for a in row["anomalies"] if a["code"] == "not_a_service_day"]
    assert {a["date"] for a in ignored} == {"2026-11-29", "2026-11-11"}
    assert row["ignored"] == 2
    assert month["summary"]["ignored"] == 2


# -- 6. numbering never fails the caller ------------------------------------------------------

def racing_writer(repository, sequence, monkeypatch):
    """Another writer takes the next number of ``sequence`` right after it is first read."""
    from chalicelib.storage.models import CounterModel
    real = repository.sequence_value
    raced = []

    def read(name):
        value = real(name)
        if name == sequence and not raced:
            raced.append(value + 1)
            CounterModel(sequence, value=value + 1).save()
        return value

    monkeypatch.setattr(repository, "sequence_value", read)
    return raced


def test_a_credit_note_that_meets_a_numbering_race_retries_and_succeeds(seven_euros, services,
                                                                       monkeypatch):
    admin, parent = seven_euros
    raced = racing_writer(services.billing._billing, "credit-2027", monkeypatch)
    note = ok(admin.post("/staff/families/1001/invoices/2027-000001/credit-note", {}), 201)
    assert raced == [1]
    assert note["number"] == "A2027-000002"    # the next free one: no gap, no duplicate
    assert invoices_of(parent)["2027-000001"]["status"] == "cancelled"


def test_a_credit_note_kept_waiting_by_many_writers_still_gets_its_number(seven_euros, services,
                                                                        monkeypatch):
    """Fifteen writers in a row take the number first (a busy machine, a burst of staff):
    the credit note keeps trying within its patience instead of answering "réessayez"."""
    from chalicelib.services import retry
    from chalicelib.storage.billing import SequenceMoved
    admin, parent = seven_euros
    repository = services.billing._billing
    real = repository.cancel_invoice
    met = []

    def crowded(*args, **kwargs):
        if len(met) < 15:
            met.append(1)
            raise SequenceMoved()
        return real(*args, **kwargs)

    monkeypatch.setattr(repository, "cancel_invoice", crowded)
    monkeypatch.setattr(retry, "pause", lambda attempt: None)
    note = ok(admin.post("/staff/families/1001/invoices/2027-000001/credit-note", {}), 201)
    assert len(met) == 15 and note["number"] == "A2027-000001"
    assert invoices_of(parent)["2027-000001"]["status"] == "cancelled"


def test_simultaneous_credit_notes_all_end_cleanly_with_an_unbroken_sequence(seven_euros,
                                                                          services):
    results: list = []

    def cancel(number):
        try:
            results.append(services.billing.credit_note("1001", number, {},
                                                        services.clock.now(), "test"))
        except Exception as exc:  # noqa: BLE001 - a 500 would be any non-domain error
            results.append(exc)

    threads = [threading.Thread(target=cancel, args=(n,))
               for n in ("2026-000001", "2027-000001")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["number"] for r in results) == ["A2027-000001", "A2027-000002"]


def test_an_invoice_confirmation_that_meets_a_numbering_race_finishes(client, clock, services,
                                                                       monkeypatch):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    ok(admin.post("/staff/billing/2026-11/draft"))
    # Another writer takes number 1 between the confirmation's read and its write.
    racing_writer(services.invoicing._billing, "invoice-2026", monkeypatch)
    result = ok(admin.post("/staff/billing/2026-11/confirm"))
    assert result["invoiced"] == 1
    assert [i["number"] for i in ok(parent.get("/family/invoices"))["invoices"]] == \
        ["2026-000002"]


# -- 7. the run is reviewable and heals itself ------------------------------------------------

def test_a_done_mark_without_its_invoice_no_longer_skips_the_family(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    # Left by tables restored to different points in time.
    MarkModel("invoice#1001#2026-11", ref="2026-000042").save()
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    result = invoice(admin, "2026-11")
    assert result["invoiced"] == 1 and result["repaired"] == 1
    assert "sans facture" in result["repairs"][0]["message"]
    assert [i["number"] for i in ok(parent.get("/family/invoices"))["invoices"]] == \
        ["2026-000001"]
    assert "incohérence" in result["run"]["summary"]
    # And a rerun changes nothing.
    assert invoice(admin, "2026-11")["invoiced"] == 0


def test_the_draft_writes_no_money_and_only_confirmation_issues(client, clock, outbox):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    draft = ok(admin.post("/staff/billing/2026-11/draft"))
    assert (draft["to_issue"], draft["total_cents"]) == (1, 350)
    assert ok(parent.get("/family/invoices"))["invoices"] == []
    assert balance(parent) == 0
    assert not any("facture" in m["subject"] for m in outbox())
    month = ok(admin.get("/staff/billing/2026-11"))
    assert month["status"] == "draft"
    row = month["families"][0]
    assert (row["number"], row["name"], row["total_cents"]) == ("1001", "TEST", 350)
    assert [a["code"] for a in row["anomalies"]] == ["no_address"]
    confirmed = ok(admin.post("/staff/billing/2026-11/confirm"))
    assert confirmed["invoiced"] == 1
    assert ok(admin.get("/staff/billing/2026-11"))["status"] == "confirmed"


def test_the_draft_lists_what_deserves_a_look(client, clock, services):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 17, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    # Present at the morning care without a booking.
    services.attendance_repository.put(AttendanceRecord(CHILD, "1001", date(2026, 11, 30), "care_morning",
                                             "present", "07:45", "08:20", False, "", 0, "agent",
                                             services.clock.now()))
    ok(admin.post("/staff/billing/2026-11/draft"))
    codes = {a["code"] for a in ok(admin.get("/staff/billing/2026-11"))["families"][0]["anomalies"]}
    assert "present_not_booked" in codes


def test_a_use_without_tariff_blocks_confirmation_until_a_tariff_is_added(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    settings = ok(admin.get("/staff/settings"))
    # Études switched on in November, with no tariff: record one use.
    services_ = [{**s, "mode": "attendance"} if s["code"] == "study" else s
                 for s in settings["services"]]
    ok(admin.put("/staff/settings", {"services": services_, "version": settings["version"]}))
    ok(admin.put("/staff/attendance", {"date": "2026-11-30", "service": "study",
                                       "child_id": CHILD, "status": "present"}))
    ok(admin.post("/staff/billing/2026-11/draft"))
    row = ok(admin.get("/staff/billing/2026-11"))["families"][0]
    assert row["blocking"] is True
    assert [a["code"] for a in row["anomalies"] if a["level"] == "blocking"] == ["missing_tariff"]
    runs = ok(admin.get("/staff/jobs/runs?job=invoice"))["runs"]
    refused = admin.post("/staff/billing/2026-11/confirm")
    assert refused.status_code == 409
    assert body(refused)["error"]["code"] == "draft_blocked"
    assert ok(parent.get("/family/invoices"))["invoices"] == []
    # The secretary read the refusal on her screen: the journal gains no failed run.
    assert ok(admin.get("/staff/jobs/runs?job=invoice"))["runs"] == runs
    # A tariff from 1 November is still allowed: November is not invoiced.
    ok(admin.post("/staff/tariffs", {"service": "study", "effective_from": "2026-11-01",
                                     "prices": [{"max_qf": None, "price_cents": 120}]}), 201)
    ok(admin.post("/staff/billing/2026-11/draft"))
    assert ok(admin.post("/staff/billing/2026-11/confirm"))["total_cents"] == 350 + 120
    # Once invoiced, November cannot be re-priced.
    late = admin.post("/staff/tariffs", {"service": "study", "effective_from": "2026-11-15",
                                         "prices": [{"max_qf": None, "price_cents": 150}]})
    assert late.status_code == 400


def test_a_cancelled_invoice_can_be_corrected_by_a_new_draft_and_confirmation(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30")
    book(parent, "2026-11-30", service="care_evening")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    parent = sign_in(client)
    assert invoice(admin, "2026-11")["total_cents"] == 550
    # A strike on the 30th is recorded after billing: the secretary corrects the month.
    closure = ok(admin.post("/staff/closures", {"start": "2026-11-30", "end": "2026-11-30",
                                                "label": "Grève"}), 201)
    assert closure["released"]["invoiced_months"] == ["2026-11"]
    ok(admin.post("/staff/families/1001/invoices/2026-000001/credit-note",
                  {"reason": "grève"}), 201)
    redo = invoice(admin, "2026-11")
    assert redo["invoiced"] == 0            # nothing left to bill that month
    assert balance(parent) == 0


def test_the_scheduled_run_drafts_and_waits_for_staff_unless_told_to_confirm(
        client, clock, services, outbox):
    from chalicelib.jobs.invoice import invoice_month
    parent = sign_in(client)
    book(parent, "2026-11-30")
    clock.set(at(2026, 12, 1, 5, 0))
    parent = sign_in(client)
    invoice_month({})
    assert ok(parent.get("/family/invoices"))["invoices"] == []
    assert [m["to"] for m in outbox()
            if m["subject"] == "Pré-facturation de novembre 2026 à valider"] == \
        [["mairie@example.org"]]
    invoice_month({})                                   # the 2nd: nothing more
    assert ok(parent.get("/family/invoices"))["invoices"] == []
    admin = sign_in(client, *ADMIN)
    settings = ok(admin.get("/staff/settings"))
    ok(admin.put("/staff/settings", {"billing_auto_confirm": True,
                                     "version": settings["version"]}))
    # The draft the schedule built is confirmed by the next tick.
    assert invoice_month({})["invoiced"] == 1
    assert invoice_month({})["invoiced"] == 0


def test_a_run_whose_process_died_is_shown_failed_and_the_next_one_records_it(client, clock):
    from chalicelib.services.invoicing import TIME_LIMIT
    clock.set(at(2026, 12, 1, 8, 0))
    started = clock.now() - TIME_LIMIT - timedelta(minutes=1)
    JobRunModel("invoice", f"{started.isoformat()}#dead", id="dead", trigger="staff",
                started_at=started, outcome="running",
                details={"month": "2026-11", "step": "confirm"}).save()
    admin = sign_in(client, *ADMIN)
    runs = ok(admin.get("/staff/jobs/runs?job=invoice"))["runs"]
    assert (runs[0]["outcome"], runs[0]["month"], runs[0]["step"]) == \
        ("failure", "2026-11", "confirm")
    assert "Interrompue" in runs[0]["error"]
    ok(admin.post("/staff/billing/2026-11/draft"))
    assert JobRunModel.get("invoice", f"{started.isoformat()}#dead").outcome == "failure"


# -- 8. staff see the money -----------------------------------------------------------------

def test_staff_see_each_invoice_with_its_family_state_and_what_remains(seven_euros):
    admin, _ = seven_euros
    ok(pay(admin, "1001", {"amount_cents": 100, "method": "cheque"}), 201)
    rows = ok(admin.get("/staff/invoices?month=2026-11"))["invoices"]
    assert [(r["number"], r["family"], r["family_name"], r["status"], r["remaining_cents"])
            for r in rows] == [("2026-000001", "1001", "TEST", "partial", 250)]
    assert ok(admin.get("/staff/invoices?month=2026-11&state=unpaid"))["invoices"]
    ok(pay(admin, "1001", {"amount_cents": 250, "method": "cheque"}), 201)
    assert ok(admin.get("/staff/invoices?month=2026-11&state=unpaid"))["invoices"] == []
    pdf = admin.get("/staff/families/1001/invoices/2026-000001/pdf",
                    headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.body[:5] == b"%PDF-"
    assert admin.get("/staff/families/1001/invoices/2099-000001/pdf").status_code == 404


def test_the_invoices_export_has_paid_and_remaining_columns(seven_euros):
    admin, _ = seven_euros
    ok(pay(admin, "1001", {"amount_cents": 100, "method": "cheque"}), 201)
    text = admin.get("/staff/exports/invoices.csv?month=2026-11").body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1][5:9] == ["3,50", "1,00", "2,50", "Partiellement payée"]


def test_a_draft_that_bills_a_day_closed_since_must_be_recalculated(client, clock):
    parent = sign_in(client)
    book(parent, "2026-11-30", "2026-12-01")
    clock.set(at(2026, 12, 1, 8, 0))
    admin = sign_in(client, *ADMIN)
    ok(admin.post("/staff/billing/2026-11/draft"))
    ok(admin.post("/staff/closures", {"start": "2026-11-30", "end": "2026-11-30",
                                      "label": "Grève"}), 201)
    refused = admin.post("/staff/billing/2026-11/confirm")
    assert refused.status_code == 409
    assert body(refused)["error"]["code"] == "draft_outdated"
    assert body(refused)["error"]["details"][0]["dates"] == ["2026-11-30"]
    ok(admin.post("/staff/billing/2026-11/draft"))
    assert ok(admin.post("/staff/billing/2026-11/confirm"))["invoiced"] == 0
